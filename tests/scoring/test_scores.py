from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pytest

from nextbest.scoring.config import load_config
from nextbest.scoring.runs import ScoredRun, score_folder
from nextbest.scoring.scores import saturate
from tests.conftest import AS_OF, write_files

ONE_ACCOUNT = (
    "account_id,name,industry,employees,annual_revenue,country\nA1,Acme,Software,1200,90000000,US\n"
)


def _run(tmp_path: Path, files: dict[str, str], config: str = "", as_of: date = AS_OF) -> ScoredRun:
    folder = write_files(tmp_path / "data", {"accounts.csv": ONE_ACCOUNT, **files})
    config_path = None
    if config:
        config_path = tmp_path / "config.yaml"
        config_path.write_text(config)
    return score_folder(folder, load_config(config_path), as_of)


def _account(run: ScoredRun, account_id: str = "A1") -> dict[str, object]:
    row = run.accounts.set_index("account_id").loc[account_id].to_dict()
    row["signals"] = json.loads(row["signals"])
    return row


def test_saturate_maps_scale_to_63() -> None:
    assert saturate([0.0, 80.0, 160.0, 1e9], 80.0).round(1).tolist() == [0.0, 63.2, 86.5, 100.0]


def test_engagement_decays_with_half_life(tmp_path: Path) -> None:
    run = _run(
        tmp_path, {"activities.csv": "occurred_at,type,account_id\n2026-11-01,demo_request,A1\n"}
    )
    # 30 points halved once by the 30-day half-life: 100 * (1 - exp(-15 / 80)).
    assert _account(run)["engagement"] == pytest.approx(17.1)


def test_intent_counts_only_product_topics_at_surge(tmp_path: Path) -> None:
    intent = (
        "account_id,topic,score,week\n"
        "A1,Zero Trust,80,2026-11-24\n"
        "A1,zero trust,70,2026-11-17\n"
        "A1,Payroll Software,99,2026-11-24\n"
        "A1,Cloud Security,59,2026-11-24\n"
    )
    run = _run(tmp_path, {"intent.csv": intent})
    account = _account(run)
    # One surge of 80 a week old: 20 points * (1 + 20 / 40) * 0.5 ** (7 / 14).
    points = 20 * 1.5 * 0.5**0.5
    assert account["intent"] == pytest.approx(round(100 * (1 - math.exp(-points / 40)), 1))
    texts = [signal["text"] for signal in account["signals"] if signal["component"] == "intent"]
    assert texts == [
        "Surging on Zero Trust: score 80 in the week of 2026-11-24 (2 of the last 8 weeks at 60+)"
    ]


def test_composite_blends_components_and_tiers(tmp_path: Path) -> None:
    run = _run(
        tmp_path,
        {
            "activities.csv": "occurred_at,type,account_id\n2026-11-01,demo_request,A1\n",
            "intent.csv": "account_id,topic,score,week\nA1,Zero Trust,80,2026-11-24\n",
            "opportunities.csv": "opportunity_id,account_id,created_at,outcome\n"
            "O1,A1,2026-10-01,open\n",
        },
    )
    account = _account(run)
    weights = {"fit": 0.25, "intent": 0.25, "relationship": 0.15, "engagement": 0.35}
    blend = sum(weights[name] * account[name] for name in weights)  # type: ignore[operator]
    # Without contacts, the personas part of fit (20 points) stays empty.
    assert account["fit"] == 80.0
    assert account["negative"] == 0.0
    assert account["score"] == pytest.approx(blend, abs=0.1)
    assert account["tier"] == ("A" if account["score"] >= 60 else "B")


def test_missing_component_weight_is_spread(tmp_path: Path) -> None:
    run = _run(tmp_path, {})
    assert run.weights == {"fit": 1.0, "intent": 0.0, "relationship": 0.0, "engagement": 0.0}
    assert _account(run)["score"] == 80.0
    assert "no input file for intent; its weight 0.25 is spread over the other components" in (
        run.report.warnings
    )


def test_empty_file_keeps_component_weight(tmp_path: Path) -> None:
    run = _run(tmp_path, {"activities.csv": "occurred_at,type,account_id\n"})
    assert run.weights["engagement"] == pytest.approx(0.35 / 0.6)
    assert run.weights["fit"] == pytest.approx(0.25 / 0.6)
    assert not any(
        warning.startswith("no input file for engagement") for warning in run.report.warnings
    )


def test_tier_thresholds_come_from_config(tmp_path: Path) -> None:
    run = _run(tmp_path, {}, config="tiers: {A: 90, B: 70}\n")
    assert _account(run)["tier"] == "B"


def test_config_rejects_unordered_tiers(tmp_path: Path) -> None:
    with pytest.raises(Exception, match=r"tiers: Value error, B \(80\) must not exceed A \(70\)"):
        _run(tmp_path, {}, config="tiers: {A: 70, B: 80}\n")


def test_reasons_are_ranked_and_capped(small_dir: Path) -> None:
    run = score_folder(small_dir, load_config(), AS_OF)
    for reasons, signals in zip(run.accounts["reasons"], run.accounts["signals"], strict=True):
        assert 1 <= len(reasons) <= 5
        contributions = sorted(
            (abs(signal["contribution"]) for signal in json.loads(signals)), reverse=True
        )
        displayed = [abs(float(reason.rsplit("(", 1)[1].rstrip(")"))) for reason in reasons]
        assert displayed == pytest.approx(contributions[: len(displayed)], abs=0.051)


def test_small_sample_ranks_and_explains(small_dir: Path) -> None:
    run = score_folder(small_dir, load_config(), AS_OF)
    accounts = run.accounts.set_index("account_id")
    assert list(run.accounts["account_id"]) == ["A1", "A2", "A3"]
    assert list(run.accounts["rank"]) == [1, 2, 3]
    assert accounts.loc["A1", "reasons"][0] == (
        "Surging on Zero Trust: score 82 in the week of 2026-11-23 (1 of the last 8 weeks at 60+)"
        " (+10.2)"
    )
    assert bool(accounts.loc["A3", "qualified"]) is False
    assert accounts.loc["A3", "disqualified_because"] == "Industry Education is a poor fit"
    assert accounts.loc["A1", "top_lead_id"] == "C1"
    assert accounts.loc["A1", "top_lead_name"] == "Jane Doe"


def test_minimum_fit_disqualifies(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path, {"accounts.csv": "account_id,name,industry\nA1,Tiny,Hospitality\n"}
    )
    run = score_folder(folder, load_config(), AS_OF)
    account = run.accounts.iloc[0]
    assert account["disqualified_because"] == "Fit 24.0 is below the minimum of 35"


def test_competitor_scores_zero(tmp_path: Path) -> None:
    run = _run(tmp_path, {}, config="negative: {competitors: [acme]}\n")
    account = _account(run)
    assert account["score"] == 0.0
    assert account["disqualified_because"] == "Listed as a competitor"


def test_deal_closing_after_as_of_counts_as_open(tmp_path: Path) -> None:
    opportunities = (
        "opportunity_id,account_id,created_at,outcome,closed_at,amount,stage\n"
        "O1,A1,2026-09-01,won,2026-12-15,40000,Closed Won\n"
    )
    run = _run(tmp_path, {"opportunities.csv": opportunities})
    texts = [signal["text"] for signal in _account(run)["signals"]]
    assert "1 open opportunity, amount unknown" in texts
    (deal,) = json.loads(run.evidence.iloc[0]["evidence"])["opportunities"]
    assert (deal["outcome"], deal["stage"], deal["amount"]) == ("open", None, None)
    assert run.report.tables["opportunities"].normalised == {
        "closed on or after as-of, counted as open": 1
    }


def test_customer_flag_before_first_win(tmp_path: Path) -> None:
    accounts = "account_id,name,is_customer\nA1,Acme,yes\nA2,Globex,yes\n"
    opportunities = (
        "opportunity_id,account_id,created_at,outcome,closed_at\n"
        "O1,A1,2026-09-01,won,2026-12-15\n"
        "O2,A2,2025-09-01,won,2025-10-15\n"
    )
    folder = write_files(tmp_path, {"accounts.csv": accounts, "opportunities.csv": opportunities})
    run = score_folder(folder, load_config(), AS_OF)
    customers = {
        row["account_id"]: "customer" in row["signals"] for _, row in run.accounts.iterrows()
    }
    assert customers == {"A1": False, "A2": True}
    assert run.report.tables["accounts"].normalised == {
        "customer flag cleared: first won deal on or after as-of": 1
    }


def test_rows_on_or_after_as_of_are_ignored(tmp_path: Path) -> None:
    activities = "occurred_at,type,account_id\n2026-11-30,demo_request,A1\n2026-12-01,meeting,A1\n"
    run = _run(tmp_path, {"activities.csv": activities})
    assert run.report.tables["activities"].after_as_of == 1
    assert "meeting" not in json.dumps(_account(run)["signals"])


def test_lead_scores_and_penalties(small_dir: Path) -> None:
    run = score_folder(small_dir, load_config(), AS_OF)
    leads = run.leads.set_index("contact_id")
    assert leads.loc["C1", "persona"] == "security_leader"
    assert leads.loc["C1", "persona_fit"] == 100.0
    assert leads.loc["C1", "source_quality"] == 100.0
    assert leads.loc["C3", "penalty"] == 40.0
    assert leads.loc["C3", "lead_score"] == 0.0
    assert list(run.leads["contact_id"]) == ["C1", "C2", "C3"]


def test_ties_break_by_stable_key(tmp_path: Path) -> None:
    contacts = [
        "C1,A1,Security Engineer,Ann,Lee,Webinar",
        "C2,A1,Chief Executive Officer,Bob,Ray,Webinar",
    ]
    header = "contact_id,account_id,title,first_name,last_name,lead_source\n"
    runs = []
    for order in (contacts, contacts[::-1]):
        folder = write_files(
            tmp_path / str(len(runs)),
            {"accounts.csv": ONE_ACCOUNT, "contacts.csv": header + "\n".join(order) + "\n"},
        )
        runs.append(score_folder(folder, load_config(), AS_OF))
    first, second = (run.accounts.iloc[0] for run in runs)
    # Both personas match 60%, so the best persona is a tie.
    assert first["signals"] == second["signals"]
    assert first["top_lead_id"] == second["top_lead_id"] == "C2"
