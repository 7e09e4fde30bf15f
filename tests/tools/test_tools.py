"""The agent's tools on the scored sample, with no model anywhere."""

from __future__ import annotations

import json

import pytest

from nextbest.tools import TOOLS, ToolDeps, ToolError, run_tool


def test_account_score_core_values(deps: ToolDeps) -> None:
    stored = deps.store.accounts(deps.run.run_id, account_id="ACC-000166")[0]

    result = json.loads(run_tool(deps, "account_score", {"account_id": "ACC-000166"}))

    assert result["name"] == "Zelanta Payments Ltd"
    assert (result["score"], result["tier"], result["rank"]) == (stored["score"], "A", 1)
    assert result["accounts_in_run"] == 200
    assert result["reasons"] == stored["reasons"]
    assert result["as_of"] == "2026-12-01"


def test_account_score_partial_name(deps: ToolDeps) -> None:
    result = json.loads(run_tool(deps, "account_score", {"account_id": "zelanta payments"}))

    assert result["account_id"] == "ACC-000166"


def test_account_score_unknown_account(deps: ToolDeps) -> None:
    with pytest.raises(ToolError) as error:
        run_tool(deps, "account_score", {"account_id": "Nosuch Corp"})

    assert str(error.value) == (
        "no account 'Nosuch Corp' in the run of 2026-12-01; "
        "give an account id or name from the latest run"
    )


def test_invalid_arguments_name_the_field_and_the_problem(deps: ToolDeps) -> None:
    with pytest.raises(ToolError) as error:
        run_tool(deps, "top_accounts", {"limit": 500})

    assert str(error.value) == (
        "invalid arguments for top_accounts: limit: Input should be less than or equal to 50"
    )


def test_top_accounts_filters_by_tier_owner_and_topic(deps: ToolDeps) -> None:
    everyone = deps.store.accounts(deps.run.run_id)
    owner = everyone[0]["owner"]

    tier_b = json.loads(run_tool(deps, "top_accounts", {"tier": "B", "limit": 50}))["accounts"]
    owned = json.loads(run_tool(deps, "top_accounts", {"owner": owner.upper(), "limit": 50}))
    ransomware = json.loads(run_tool(deps, "top_accounts", {"topic": "Ransomware", "limit": 50}))[
        "accounts"
    ]

    assert {row["tier"] for row in tier_b} == {"B"}
    assert [row["rank"] for row in tier_b] == sorted(row["rank"] for row in tier_b)
    assert {row["owner"] for row in owned["accounts"]} == {owner}
    assert len(owned["accounts"]) == min(50, sum(row["owner"] == owner for row in everyone))
    assert ransomware
    for row in ransomware:
        signals = deps.store.accounts(deps.run.run_id, account_id=row["account_id"])[0]["signals"]
        assert "topic:Ransomware" in {signal["signal"] for signal in signals}


def test_surging_topics_give_weekly_scores_and_our_products(deps: ToolDeps) -> None:
    result = json.loads(run_tool(deps, "surging_topics", {"account_id": "ACC-000166"}))

    first = result["topics"][0]
    assert (first["topic"], first["best_score"], first["latest_week"]) == (
        "Threat Intelligence",
        100.0,
        "2026-11-23",
    )
    assert first["surging_weeks"] == 6
    assert first["products"] == ["Sentinel Detect"]
    assert first["weeks"][0] == {"week": "2026-11-23", "score": 100.0}
    assert all(topic["best_score"] >= result["surge_threshold"] for topic in result["topics"])


def test_timeline_newest_first(deps: ToolDeps) -> None:
    result = json.loads(
        run_tool(deps, "engagement_timeline", {"account_id": "ACC-000166", "limit": 15})
    )

    times = [activity["occurred_at"] for activity in result["activities"]]
    assert len(times) == 15
    assert times == sorted(times, reverse=True)
    assert times[0] < "2026-12-01"


def test_buying_group_hides_contact_details(deps: ToolDeps) -> None:
    hidden = run_tool(deps, "buying_group", {"account_id": "ACC-000166"})
    shown = run_tool(deps.trusted(), "buying_group", {"account_id": "ACC-000166"})

    first = json.loads(shown)["contacts"][0]
    assert first["email"] == "emily.kelly@zelantapayments.com"
    assert first["phone"] == "+1 555 0982"
    assert "@" not in hidden
    assert "555 0982" not in hidden
    assert json.loads(hidden)["contacts"][0]["email"] == "[redacted]"


def test_buying_group_channels_and_responses(deps: ToolDeps) -> None:
    result = json.loads(run_tool(deps, "buying_group", {"account_id": "ACC-000166"}))

    emily = result["contacts"][0]
    assert emily["name"] == "Emily Kelly"
    assert emily["responses"] == 19
    assert {channel["channel"] for channel in emily["channels"]} >= {"email", "web"}
    assert emily["engaged_with"][0] == {
        "day": "2026-11-27",
        "type": "form_fill",
        "detail": "Gated download: Polar Freight contains a ransomware attack in minutes",
    }
    assert result["opportunities"][0]["outcome"] == "open"


def test_content_search_filters_by_persona_and_stage(deps: ToolDeps) -> None:
    result = json.loads(
        run_tool(
            deps,
            "search_content",
            {"query": "ransomware", "persona": "finance", "stage": "decision", "limit": 5},
        )
    )["results"]

    assert result
    for hit in result:
        assert hit["stage"] == "decision"
        assert "finance" in hit["personas"]
        assert deps.library.has(hit["id"])


def test_content_search_without_library(deps: ToolDeps) -> None:
    without = ToolDeps(deps.store, deps.run)

    with pytest.raises(ToolError, match=r"run `nextbest content index DIR` first"):
        run_tool(without, "search_content", {"query": "ransomware"})


def test_tools_docstrings_and_inputs() -> None:
    for spec in TOOLS:
        assert spec.description, spec.name
        assert spec.input_model.model_json_schema()["properties"], spec.name


def test_ids_match_whatever_their_case(deps: ToolDeps) -> None:
    result = json.loads(run_tool(deps, "account_score", {"account_id": "acc-000166"}))

    assert result["account_id"] == "ACC-000166"


def test_account_score_misspelt_name(deps: ToolDeps) -> None:
    with pytest.raises(ToolError) as error:
        run_tool(deps, "account_score", {"account_id": "Zelanta Paymants"})

    assert str(error.value) == (
        "no account 'Zelanta Paymants' in the run of 2026-12-01; "
        "did you mean ACC-000166 (Zelanta Payments Ltd)?"
    )
