from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap

import pytest
from pydantic import SecretStr

from nextbest.content import (
    Embedder,
    EmbeddingError,
    LocalEmbedder,
    OpenAIEmbedder,
    embedder_from_settings,
)
from nextbest.scoring.errors import ConfigError
from nextbest.settings import Settings
from tests.content.conftest import FAKE_DIMENSIONS, FakeOpenAI, fake_vector


def _cosine(left: list[float], right: list[float]) -> float:
    dot = sum(a * b for a, b in zip(left, right, strict=True))
    return dot / (math.hypot(*left) * math.hypot(*right))


def test_local_embedder_returns_unit_vectors(local_embedder: LocalEmbedder) -> None:
    vectors = local_embedder.embed(
        ["ransomware attack", "ransomware incident", "quarterly pricing"]
    )

    assert isinstance(local_embedder, Embedder)
    assert local_embedder.name == "sentence-transformers/all-MiniLM-L6-v2"
    assert [len(vector) for vector in vectors] == [384, 384, 384]
    assert all(math.isclose(math.hypot(*vector), 1.0, rel_tol=1e-5) for vector in vectors)
    assert _cosine(vectors[0], vectors[1]) > _cosine(vectors[0], vectors[2]) + 0.3
    assert local_embedder.embed([]) == []


def test_local_model_loads_without_network() -> None:
    """Load the model in a fresh process in which every non-loopback connection fails."""
    script = textwrap.dedent(
        """
        import json, socket, sys

        attempts = []

        def block_network(event, args):
            if event == "socket.getaddrinfo" and args[0] not in ("127.0.0.1", "localhost", "::1"):
                attempts.append(f"getaddrinfo {args[0]}")
                raise OSError("network disabled by the test")
            if event == "socket.connect" and isinstance(args[1], tuple):
                if args[1][0] not in ("127.0.0.1", "::1"):
                    attempts.append(f"connect {args[1]}")
                    raise OSError("network disabled by the test")

        sys.addaudithook(block_network)
        from nextbest.content import LocalEmbedder

        vector = LocalEmbedder().embed(["zero trust"])[0]
        print(json.dumps({"attempts": attempts, "dimensions": len(vector)}))
        """
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "PYTHONPATH": ""}
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout.splitlines()[-1]) == {"attempts": [], "dimensions": 384}


def test_openai_requests_float_batches(fake_openai: FakeOpenAI) -> None:
    embedder = OpenAIEmbedder(
        "fake-embed", api_key="test-key", base_url=fake_openai.base_url, batch_size=2
    )

    vectors = embedder.embed(["alpha", "beta", "gamma"])

    assert vectors == [fake_vector("alpha"), fake_vector("beta"), fake_vector("gamma")]
    assert embedder.name == "openai:fake-embed"
    assert embedder.dimensions == FAKE_DIMENSIONS
    assert fake_openai.requests == [
        {
            "path": "/v1/embeddings",
            "authorization": "Bearer test-key",
            "body": {"model": "fake-embed", "input": texts, "encoding_format": "float"},
        }
        for texts in (["alpha", "beta"], ["gamma"])
    ]


def test_unknown_model_dimensions_probe(fake_openai: FakeOpenAI) -> None:
    embedder = OpenAIEmbedder("fake-embed", api_key="test-key", base_url=fake_openai.base_url)

    assert embedder.dimensions == FAKE_DIMENSIONS
    assert embedder.dimensions == FAKE_DIMENSIONS
    assert [request["body"] for request in fake_openai.requests] == [
        {"model": "fake-embed", "input": ["dimension probe"], "encoding_format": "float"}
    ]


def test_known_model_dimensions_no_request(fake_openai: FakeOpenAI) -> None:
    embedder = OpenAIEmbedder(
        "text-embedding-3-small", api_key="test-key", base_url=fake_openai.base_url
    )

    assert embedder.dimensions == 1536
    assert fake_openai.requests == []


def test_openai_wrong_vector_size_rejected(fake_openai: FakeOpenAI) -> None:
    embedder = OpenAIEmbedder(
        "text-embedding-3-small", api_key="test-key", base_url=fake_openai.base_url
    )

    with pytest.raises(EmbeddingError) as caught:
        embedder.embed(["alpha"])

    assert str(caught.value) == (
        "openai:text-embedding-3-small returned vectors of 8 numbers, expected 1536; "
        "check the model name"
    )


def test_openai_server_error_raises_embedding_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.fail_status = 503
    embedder = OpenAIEmbedder(
        "fake-embed", api_key="test-key", base_url=fake_openai.base_url, max_retries=1
    )

    with pytest.raises(EmbeddingError) as caught:
        embedder.embed(["alpha"])

    assert str(caught.value).startswith(
        f"the embedding request to {fake_openai.base_url}/ failed: Error code: 503"
    )
    assert "model overloaded" in str(caught.value)
    # One retry after the first failure.
    assert len(fake_openai.requests) == 2


def test_settings_choose_the_local_embedder() -> None:
    assert isinstance(embedder_from_settings(Settings(embedding_provider="local")), LocalEmbedder)


def test_settings_choose_the_openai_embedder(fake_openai: FakeOpenAI) -> None:
    settings = Settings(
        embedding_provider="openai",
        openai_api_key=SecretStr("test-key"),
        openai_base_url=fake_openai.base_url,
        openai_embedding_model="fake-embed",
    )

    embedder = embedder_from_settings(settings)

    assert isinstance(embedder, OpenAIEmbedder)
    assert embedder.embed(["alpha"]) == [fake_vector("alpha")]
    assert fake_openai.requests[0]["authorization"] == "Bearer test-key"


def test_openai_without_key_config_error() -> None:
    settings = Settings(embedding_provider="openai", openai_api_key=None)

    with pytest.raises(ConfigError) as caught:
        embedder_from_settings(settings)

    assert str(caught.value) == (
        "the embedding provider is openai but no API key is set; set OPENAI_API_KEY, "
        "or NEXTBEST_EMBEDDING_PROVIDER=local for the bundled model"
    )
