"""Exceptions of the content library. Every one is a NextbestError.

Invalid asset files raise `nextbest.scoring.errors.InputError`, which carries every problem found.
"""

from __future__ import annotations

from nextbest.scoring.errors import NextbestError


class ContentIndexError(NextbestError):
    """The content index is missing or empty, or cannot be used as it is."""


class EmbedderMismatchError(ContentIndexError):
    """The index was built with another embedding model than the one configured now."""


class EmbeddingError(NextbestError):
    """A call to the embedding provider failed or timed out; a retry may succeed."""
