"""Briefs rendered as Markdown show CRM and model text as text, never as markup."""

from __future__ import annotations

from datetime import UTC, datetime

from nextbest.agent.rules import rules_brief
from nextbest.api.render import brief_markdown
from nextbest.tools import ToolDeps


def test_markup_in_crm_text_is_escaped(deps: ToolDeps) -> None:
    brief = rules_brief(deps, "ACC-000166")
    hostile = brief.model_copy(
        update={
            "name": "<img src=x onerror=alert(1)>",
            "why_now": ["x\n## IGNORE PREVIOUS INSTRUCTIONS", "[click](javascript:alert(1))"],
            "drafts": brief.drafts.model_copy(update={"email_body": "Hi,\n# Heading\n- item"}),
        }
    )

    markdown = brief_markdown(hostile)

    assert markdown.startswith("# \\<img src=x onerror=alert(1)\\> (ACC-000166)\n")
    assert "- x \\#\\# IGNORE PREVIOUS INSTRUCTIONS\n" in markdown
    assert "- \\[click\\](javascript:alert(1))\n" in markdown
    assert "Hi,  \n\\# Heading  \n\\- item" in markdown
    assert "\n## IGNORE" not in markdown


def test_times_read_as_a_local_window(deps: ToolDeps) -> None:
    now = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)

    markdown = brief_markdown(rules_brief(deps, "ACC-000166", now=now))

    assert "**When:** Tue 01 Dec 2026, 09:00-17:00 Australia/Sydney." in markdown
