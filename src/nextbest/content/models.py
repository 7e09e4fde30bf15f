"""The records of the content library: assets, search hits and indexing reports."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Literal

Stage = Literal["awareness", "consideration", "decision"]
STAGES: tuple[Stage, ...] = ("awareness", "consideration", "decision")


@dataclass(frozen=True)
class ContentAsset:
    """One piece of marketing content with its front matter."""

    id: str
    title: str
    url: str
    # Lowercase with underscores, such as "case_study" or "whitepaper".
    type: str
    stage: Stage
    topics: tuple[str, ...] = ()
    personas: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    # Markdown text after the front matter, or the CSV row's body cell.
    body: str = ""
    # File the asset was read from, relative to the indexed folder.
    source: str = ""

    def content_hash(self) -> str:
        """Return a SHA-256 hex digest of every field, so any edit changes it."""
        encoded = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(encoded.encode("utf-8")).hexdigest()

    def to_dict(self, include_body: bool = True) -> dict[str, object]:
        data: dict[str, object] = {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "type": self.type,
            "stage": self.stage,
            "topics": list(self.topics),
            "personas": list(self.personas),
            "industries": list(self.industries),
            "source": self.source,
        }
        if include_body:
            data["body"] = self.body
        return data


@dataclass(frozen=True)
class ContentHit:
    """One asset found by a search, with its best-matching chunk."""

    id: str
    title: str
    url: str
    type: str
    stage: Stage
    topics: tuple[str, ...]
    personas: tuple[str, ...]
    industries: tuple[str, ...]
    # Cosine similarity of the query and the best chunk, clipped to 0-1; higher is closer.
    score: float
    # The start of the best chunk, at most about 240 characters.
    snippet: str

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        for key in ("topics", "personas", "industries"):
            data[key] = list(data[key])
        return data


@dataclass
class IndexReport:
    """Changes made by one `ContentLibrary.index` call. Asset id lists are sorted."""

    embedder: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    chunks_written: int = 0
    chunks_deleted: int = 0
    rebuilt: bool = False

    @property
    def assets(self) -> int:
        """Number of assets in the index after the call."""
        return len(self.added) + len(self.updated) + len(self.unchanged)

    def to_dict(self) -> dict[str, object]:
        return asdict(self) | {"assets": self.assets}
