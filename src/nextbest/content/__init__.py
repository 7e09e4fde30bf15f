"""The content library: marketing assets read from Markdown or CSV, embedded and searchable."""

from nextbest.content.chunking import Chunk, chunk_asset
from nextbest.content.embeddings import (
    Embedder,
    LocalEmbedder,
    OpenAIEmbedder,
    embedder_from_settings,
)
from nextbest.content.errors import ContentIndexError, EmbedderMismatchError, EmbeddingError
from nextbest.content.library import ContentLibrary, ProgressCallback, filter_key
from nextbest.content.models import STAGES, ContentAsset, ContentHit, IndexReport, Stage
from nextbest.content.reading import read_assets

__all__ = [
    "STAGES",
    "Chunk",
    "ContentAsset",
    "ContentHit",
    "ContentIndexError",
    "ContentLibrary",
    "Embedder",
    "EmbedderMismatchError",
    "EmbeddingError",
    "IndexReport",
    "LocalEmbedder",
    "OpenAIEmbedder",
    "ProgressCallback",
    "Stage",
    "chunk_asset",
    "embedder_from_settings",
    "filter_key",
    "read_assets",
]
