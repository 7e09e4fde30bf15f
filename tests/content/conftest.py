"""Fixtures of the content tests: the real local model, the sample library and a fake OpenAI server.

The model loads once per test session, and the sample library is indexed once; tests that
change an index build their own in tmp_path.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from nextbest.content import ContentLibrary, IndexReport, LocalEmbedder
from nextbest.samples.generator import generate_sample

FAKE_DIMENSIONS = 8


def markdown_asset(
    asset_id: str | None = "a1",
    title: str | None = "Zero Trust for banks",
    url: str = "https://example.com/a1",
    content_type: str = "case_study",
    stage: str = "decision",
    topics: str = '["Zero Trust"]',
    personas: str = '["security_leader"]',
    industries: str = '["Financial Services"]',
    body: str = "# Zero Trust for banks\n\nHarbor Bank replaced its VPN in six weeks.\n",
) -> str:
    """Return a Markdown asset; a field given as None is left out of the front matter."""
    lines = ["---"]
    if asset_id is not None:
        lines.append(f"id: {asset_id}")
    if title is not None:
        lines.append(f"title: {title}")
    lines += [
        f"url: {url}",
        f"type: {content_type}",
        f"stage: {stage}",
        f"topics: {topics}",
        f"personas: {personas}",
        f"industries: {industries}",
        "---",
        "",
        body,
    ]
    return "\n".join(lines)


def fake_vector(text: str) -> list[float]:
    """Return a deterministic vector of FAKE_DIMENSIONS numbers derived from the text."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return [byte / 255 - 0.5 for byte in digest[:FAKE_DIMENSIONS]]


@dataclass
class FakeOpenAI:
    """An OpenAI-compatible embeddings endpoint on 127.0.0.1 that records every request."""

    base_url: str
    requests: list[dict[str, object]] = field(default_factory=list)
    # HTTP status returned instead of vectors, for error tests.
    fail_status: int | None = None


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    server: ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            fake.requests.append(
                {
                    "path": self.path,
                    "authorization": self.headers.get("Authorization"),
                    "body": body,
                }
            )
            if fake.fail_status is not None:
                self._answer(fake.fail_status, {"error": {"message": "model overloaded"}})
                return
            if self.path != "/v1/embeddings":
                self._answer(404, {"error": {"message": f"unknown path {self.path}"}})
                return
            texts = body["input"]
            data = [
                {"object": "embedding", "index": index, "embedding": fake_vector(text)}
                for index, text in enumerate(texts)
            ]
            usage = {"prompt_tokens": len(texts), "total_tokens": len(texts)}
            self._answer(
                200, {"object": "list", "data": data, "model": body["model"], "usage": usage}
            )

        def _answer(self, status: int, payload: dict[str, object]) -> None:
            encoded = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(encoded)))
            self.end_headers()
            self.wfile.write(encoded)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake = FakeOpenAI(base_url=f"http://127.0.0.1:{server.server_address[1]}/v1")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def local_embedder() -> LocalEmbedder:
    embedder = LocalEmbedder()
    embedder.load()
    return embedder


@pytest.fixture(scope="session")
def sample_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated sample library: 66 Markdown assets."""
    out_dir = tmp_path_factory.mktemp("sample")
    generate_sample(out_dir, accounts=5, seed=7)
    return out_dir / "content"


@pytest.fixture(scope="session")
def indexed_sample(
    tmp_path_factory: pytest.TempPathFactory, sample_content: Path, local_embedder: LocalEmbedder
) -> tuple[ContentLibrary, IndexReport]:
    """The sample library indexed once; tests must not change it."""
    library = ContentLibrary(tmp_path_factory.mktemp("chroma"), "content", local_embedder)
    report = library.index(sample_content)
    return library, report


@pytest.fixture
def indexed_library(indexed_sample: tuple[ContentLibrary, IndexReport]) -> ContentLibrary:
    return indexed_sample[0]
