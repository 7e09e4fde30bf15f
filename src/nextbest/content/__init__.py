"""The content library: marketing assets read from Markdown or CSV, embedded and searchable."""

from nextbest.content.chunking import Chunk, chunk_asset
from nextbest.content.errors import ContentIndexError, EmbedderMismatchError, EmbeddingError
from nextbest.content.models import STAGES, ContentAsset, ContentHit, IndexReport, Stage
from nextbest.content.reading import read_assets

__all__ = [
    "STAGES",
    "Chunk",
    "ContentAsset",
    "ContentHit",
    "ContentIndexError",
    "EmbedderMismatchError",
    "EmbeddingError",
    "IndexReport",
    "Stage",
    "chunk_asset",
    "read_assets",
]
