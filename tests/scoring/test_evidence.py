"""The evidence a run keeps for briefs: capped, ordered, and the same however it is batched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nextbest.scoring import evidence
from nextbest.scoring.config import load_config
from nextbest.scoring.runs import score_folder
from tests.conftest import SAMPLE_AS_OF


def _evidence(data_dir: Path) -> dict[str, dict]:
    run = score_folder(data_dir, load_config(), as_of=SAMPLE_AS_OF)
    return {
        row.account_id: json.loads(row.evidence) for row in run.evidence.itertuples(index=False)
    }


def test_every_account_gets_evidence_within_its_caps(scored_sample: tuple[Path, str]) -> None:
    found = _evidence(scored_sample[0])

    assert len(found) == 200
    for item in found.values():
        assert len(item["timeline"] or []) <= evidence.TIMELINE_LIMIT
        assert len(item["contacts"] or []) <= evidence.CONTACT_LIMIT
        assert len(item["intent"] or []) <= evidence.TOPIC_LIMIT
        times = [activity["occurred_at"] for activity in item["timeline"] or []]
        assert times == sorted(times, reverse=True)
        assert all(time < SAMPLE_AS_OF.isoformat() for time in times)


def test_contacts_come_most_responsive_first(scored_sample: tuple[Path, str]) -> None:
    contacts = _evidence(scored_sample[0])["ACC-000166"]["contacts"]

    keys = [(contact["responses"], contact["touches"]) for contact in contacts]
    assert keys == sorted(keys, reverse=True)
    assert contacts[0]["channels"][0]["responses"] >= contacts[0]["channels"][-1]["responses"]


def test_batches_give_the_same_evidence_as_one_pass(
    scored_sample: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = _evidence(scored_sample[0])
    monkeypatch.setattr(evidence, "BATCH_TOUCHES", 2_000)

    batched = _evidence(scored_sample[0])

    assert batched == whole


def test_evidence_unanswered_call(scored_sample: tuple[Path, str]) -> None:
    for item in _evidence(scored_sample[0]).values():
        for contact in item["contacts"] or []:
            for engagement in contact["engaged_with"] or []:
                assert "voicemail" not in (engagement["detail"] or "").lower()


def test_unknown_country_codes_are_not_guessed() -> None:
    from nextbest.scoring.signals import country_code

    assert [country_code(value) for value in ("XX", "EU", "usa", "DEU", "Germany")] == [
        None,
        None,
        "US",
        "DE",
        "DE",
    ]
