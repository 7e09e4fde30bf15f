"""Properties every scoring run must keep, checked on generated folders."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nextbest.scoring.config import load_config
from nextbest.scoring.contract import ACTIVITY_TYPES
from nextbest.scoring.runs import ScoredRun, score_folder

AS_OF = date(2026, 12, 1)
CONFIG = load_config()
POSITIVE_TYPES = [kind for kind in ACTIVITY_TYPES if CONFIG.engagement.points.get(kind, 0) > 0]
TOPICS = ["Zero Trust", "Cloud Security", "Payroll Software", "SIEM"]
CONTACTS = ["C1", "C2", "C3"]

activity = st.tuples(
    st.sampled_from(ACTIVITY_TYPES), st.integers(0, 400), st.sampled_from([*CONTACTS, ""])
)
intent_row = st.tuples(st.sampled_from(TOPICS), st.integers(0, 100), st.integers(0, 20))
opportunity = st.tuples(
    st.sampled_from(["won", "lost", "open"]),
    st.integers(1, 900),
    st.integers(0, 400),
    st.integers(0, 200_000),
)
examples = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _day(days_ago: int) -> str:
    return (AS_OF - timedelta(days=days_ago)).isoformat()


def _score(
    activities: list[tuple[str, int, str]],
    intent: list[tuple[str, int, int]] = (),  # type: ignore[assignment]
    opportunities: list[tuple[str, int, int, int]] = (),  # type: ignore[assignment]
    extra: dict[str, str] | None = None,
) -> ScoredRun:
    lines = {
        "accounts.csv": "account_id,name,industry,employees,country\n"
        "A1,Acme,Software,500,US\nA2,Beta,Retail,40,FR\n",
        "contacts.csv": "contact_id,account_id,title,created_at\nC1,A1,CISO,2025-01-01\n"
        "C2,A1,IT Manager,2025-01-01\nC3,A1,Security Engineer,\n",
        "activities.csv": "occurred_at,type,account_id,contact_id\n"
        + "".join(f"{_day(age)},{kind},A1,{contact}\n" for kind, age, contact in activities),
        "intent.csv": "account_id,topic,score,week\n"
        + "".join(f"A1,{topic},{score},{_day(weeks * 7 + 1)}\n" for topic, score, weeks in intent),
        "opportunities.csv": "opportunity_id,account_id,created_at,outcome,closed_at,amount\n"
        + "".join(
            f"O{i},A1,{_day(created)},{outcome},"
            f"{_day(max(created - length, 0)) if outcome != 'open' else ''},{amount}\n"
            for i, (outcome, created, length, amount) in enumerate(opportunities)
        ),
    }
    for name, text in (extra or {}).items():
        lines[name] += text
    with tempfile.TemporaryDirectory() as folder:
        for name, text in lines.items():
            (Path(folder) / name).write_text(text)
        return score_folder(Path(folder), CONFIG, AS_OF)


def _engagement(run: ScoredRun) -> float:
    return float(run.accounts.set_index("account_id").loc["A1", "engagement"])


@examples
@given(
    st.lists(activity, max_size=25),
    st.lists(intent_row, max_size=8),
    st.lists(opportunity, max_size=4),
)
def test_scores_stay_between_0_and_100(activities, intent, opportunities) -> None:  # type: ignore[no-untyped-def]
    accounts = _score(activities, intent, opportunities).accounts
    for column in ("score", "fit", "intent", "relationship", "engagement", "negative"):
        assert accounts[column].between(0, 100).all(), column


@examples
@given(
    st.lists(activity, max_size=25),
    st.sampled_from(POSITIVE_TYPES),
    st.integers(0, 400),
    st.sampled_from([*CONTACTS, ""]),
)
def test_added_activity_never_lowers_engagement(activities, kind, age, contact) -> None:  # type: ignore[no-untyped-def]
    before = _engagement(_score(activities))
    after = _engagement(_score([*activities, (kind, age, contact)]))
    assert after >= before


@examples
@given(
    st.lists(activity, max_size=25),
    st.sampled_from(POSITIVE_TYPES),
    st.integers(1, 300),
    st.integers(1, 100),
    st.sampled_from([*CONTACTS, ""]),
)
def test_older_activity_counts_less(activities, kind, age, older_by, contact) -> None:  # type: ignore[no-untyped-def]
    newer = _engagement(_score([*activities, (kind, age, contact)]))
    older = _engagement(_score([*activities, (kind, age + older_by, contact)]))
    assert older <= newer


@examples
@given(
    st.lists(activity, max_size=25),
    st.lists(intent_row, max_size=8),
    st.lists(opportunity, max_size=4),
)
def test_same_inputs_give_same_output(activities, intent, opportunities) -> None:  # type: ignore[no-untyped-def]
    first = _score(activities, intent, opportunities)
    second = _score(activities, intent, opportunities)
    pd.testing.assert_frame_equal(first.accounts, second.accounts)
    pd.testing.assert_frame_equal(first.leads, second.leads)
    assert first.input_fingerprint == second.input_fingerprint


@examples
@given(
    st.lists(activity, max_size=15),
    st.lists(intent_row, max_size=5),
    st.lists(opportunity, max_size=3),
    st.lists(activity, min_size=1, max_size=10),
    st.integers(0, 30),
)
def test_rows_after_as_of_change_nothing(activities, intent, opportunities, future, later) -> None:  # type: ignore[no-untyped-def]
    future_day = (AS_OF + timedelta(days=later)).isoformat()
    extra = {
        "activities.csv": "".join(
            f"{(AS_OF + timedelta(days=age % 60)).isoformat()},{kind},A1,{contact}\n"
            for kind, age, contact in future
        ),
        "intent.csv": f"A1,Zero Trust,99,{future_day}\n",
        "opportunities.csv": f"OF,A1,{future_day},won,{future_day},90000\n",
        "contacts.csv": f"C9,A1,Chief Executive Officer,{future_day}\n",
    }
    base = _score(activities, intent, opportunities)
    with_future = _score(activities, intent, opportunities, extra)
    pd.testing.assert_frame_equal(base.accounts, with_future.accounts)
