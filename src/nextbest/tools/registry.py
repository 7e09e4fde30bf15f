"""Every tool by name, with its input model, so the agent, the chat and MCP expose the same set."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from nextbest.tools.accounts import AccountRef, TopAccountsInput, account_score, top_accounts
from nextbest.tools.activity import (
    TimelineInput,
    buying_group,
    engagement_timeline,
    surging_topics,
)
from nextbest.tools.content import ContentQuery, search_content
from nextbest.tools.deps import ToolDeps, ToolError


@dataclass(frozen=True)
class ToolSpec:
    name: str
    input_model: type[BaseModel]
    function: Callable[[ToolDeps, Any], BaseModel]

    @property
    def description(self) -> str:
        return inspect.cleandoc(self.function.__doc__ or "")

    def call(self, deps: ToolDeps, arguments: dict[str, Any]) -> BaseModel:
        try:
            query = self.input_model.model_validate(arguments)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in problem['loc']) or 'input'}: {problem['msg']}"
                for problem in error.errors()
            )
            raise ToolError(f"invalid arguments for {self.name}: {problems}") from None
        return self.function(deps, query)


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec("account_score", AccountRef, account_score),
    ToolSpec("top_accounts", TopAccountsInput, top_accounts),
    ToolSpec("surging_topics", AccountRef, surging_topics),
    ToolSpec("engagement_timeline", TimelineInput, engagement_timeline),
    ToolSpec("buying_group", AccountRef, buying_group),
    ToolSpec("search_content", ContentQuery, search_content),
)
TOOLS_BY_NAME = {spec.name: spec for spec in TOOLS}


def to_json(result: BaseModel) -> str:
    """Compact JSON: no nulls, no spaces."""
    return json.dumps(
        result.model_dump(mode="json", exclude_none=True), separators=(",", ":"), ensure_ascii=False
    )


def run_tool(deps: ToolDeps, name: str, arguments: dict[str, Any]) -> str:
    """Call a tool by name and return its compact JSON; raises ToolError with a message."""
    spec = TOOLS_BY_NAME.get(name)
    if spec is None:
        raise ToolError(f"no tool {name!r}; tools: {', '.join(TOOLS_BY_NAME)}")
    return to_json(spec.call(deps, arguments))
