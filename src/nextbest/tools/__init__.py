"""The agent's tools: small typed functions over the run store and the content library.

Each works without any LLM and returns a pydantic model; `run_tool` gives compact JSON.
"""

from nextbest.tools.accounts import (
    AccountRef,
    AccountScore,
    AccountSummary,
    TopAccounts,
    TopAccountsInput,
    account_score,
    find_account,
    top_accounts,
)
from nextbest.tools.activity import (
    BuyingGroup,
    EngagementTimeline,
    SurgingTopics,
    TimelineInput,
    buying_group,
    engagement_timeline,
    surging_topics,
)
from nextbest.tools.content import ContentQuery, ContentResults, search_content
from nextbest.tools.deps import ContentSource, ToolDeps, ToolError
from nextbest.tools.registry import TOOLS, TOOLS_BY_NAME, ToolSpec, run_tool, to_json

__all__ = [
    "TOOLS",
    "TOOLS_BY_NAME",
    "AccountRef",
    "AccountScore",
    "AccountSummary",
    "BuyingGroup",
    "ContentQuery",
    "ContentResults",
    "ContentSource",
    "EngagementTimeline",
    "SurgingTopics",
    "TimelineInput",
    "ToolDeps",
    "ToolError",
    "ToolSpec",
    "TopAccounts",
    "TopAccountsInput",
    "account_score",
    "buying_group",
    "engagement_timeline",
    "find_account",
    "run_tool",
    "search_content",
    "surging_topics",
    "to_json",
    "top_accounts",
]
