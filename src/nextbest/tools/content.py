"""The content search tool."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from nextbest.scoring.errors import NextbestError
from nextbest.tools.deps import ToolDeps, ToolError

Stage = Literal["awareness", "consideration", "decision"]


class ContentQuery(BaseModel):
    query: str = Field(
        min_length=1,
        max_length=500,
        description="What the content should be about, in plain words.",
    )
    persona: str | None = Field(
        None, description="Reader's persona, e.g. security_leader, it_practitioner, finance."
    )
    stage: Stage | None = Field(None, description="Funnel stage the content is written for.")
    topic: str | None = Field(None, description="An intent topic the content must cover.")
    limit: int = Field(5, ge=1, le=10)


class ContentPick(BaseModel):
    id: str
    title: str
    url: str | None = None
    type: str | None = None
    stage: str | None = None
    topics: list[str] = Field(default_factory=list)
    personas: list[str] = Field(default_factory=list)
    score: float = Field(description="Similarity to the query, 0-1.")
    snippet: str = ""


class ContentResults(BaseModel):
    results: list[ContentPick]


def search_content(deps: ToolDeps, query: ContentQuery) -> ContentResults:
    """Search the content library (case studies, guides, webinars, pricing) by meaning, with
    optional persona, stage and topic filters. Only ids returned here may be recommended."""
    if deps.library is None:
        raise ToolError("no content library; run `nextbest content index DIR` first")
    try:
        hits = deps.library.search(
            query.query,
            persona=query.persona,
            stage=query.stage,
            topic=query.topic,
            limit=query.limit,
        )
    except NextbestError as error:
        raise ToolError(f"the content search failed: {error}") from None
    except ValueError as error:
        # An empty query or an unknown stage: bad input from the caller, not a failure.
        raise ToolError(f"invalid content search: {error}") from None
    return ContentResults(
        results=[
            ContentPick(
                id=hit.id,
                title=hit.title,
                url=hit.url,
                type=hit.type,
                stage=hit.stage,
                topics=list(hit.topics),
                personas=list(hit.personas),
                score=round(float(hit.score), 3),
                snippet=hit.snippet,
            )
            for hit in hits
        ]
    )
