"""Tool dependencies, passed in explicitly: the store, the run to read, the content library."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from nextbest.scoring.config import ScoringConfig
from nextbest.scoring.errors import NextbestError
from nextbest.scoring.store import RunInfo, RunStore


class ToolError(NextbestError):
    """A tool failed, e.g. on an unknown account or a missing content index.

    The message states what to try next.
    """


class ContentHitLike(Protocol):
    id: str
    title: str
    url: str | None
    type: str | None
    stage: str | None
    topics: list[str]
    personas: list[str]
    score: float
    snippet: str


class ContentSource(Protocol):
    """The part of the content library the tools use."""

    def search(
        self,
        query: str,
        persona: str | None = None,
        stage: str | None = None,
        topic: str | None = None,
        type: str | None = None,
        limit: int = 5,
    ) -> list[Any]: ...

    def get(self, asset_id: str) -> Any | None: ...


@dataclass
class ToolDeps:
    """The tools' dependencies. Tests build one over a temporary store and library."""

    store: RunStore
    run: RunInfo
    library: ContentSource | None = None
    # Contact emails and phone numbers leave the tools only when this is set.
    share_contact_details: bool = False
    _config: ScoringConfig | None = field(default=None, repr=False)

    @classmethod
    def latest(
        cls,
        store: RunStore,
        library: ContentSource | None = None,
        share_contact_details: bool = False,
        run_id: str | None = None,
    ) -> ToolDeps:
        """Dependencies reading the given run, or the store's latest."""
        return cls(store, store.run(run_id), library, share_contact_details)

    @property
    def config(self) -> ScoringConfig:
        if self._config is None:
            self._config = ScoringConfig.model_validate(self.run.config)
        return self._config

    def trusted(self) -> ToolDeps:
        """Return a copy that shows contact details, for code that sends nothing to a model."""
        return replace(self, share_contact_details=True)
