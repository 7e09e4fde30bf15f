"""The real exports beside the checkout load unchanged; the figures are the shipped files'."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from nextbest.scoring.config import load_config
from nextbest.scoring.runs import score_folder

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_maven_crm_loads_with_example_mapping(shared_data: Path) -> None:
    config = load_config(EXAMPLES / "maven_crm.yaml")
    run = score_folder(shared_data / "maven_crm", config, date(2017, 7, 1))

    accounts = run.report.tables["accounts"]
    assert accounts.rows_read == 85
    assert accounts.rows_loaded == 85
    opportunities = run.report.tables["opportunities"]
    assert opportunities.rows_read == 8800
    assert dict(opportunities.rejected) == {"missing created_at": 500}
    assert opportunities.after_as_of == 3935
    assert opportunities.unmatched == 484
    assert opportunities.rows_loaded == 4365
    assert opportunities.normalised["closed on or after as-of, counted as open"] == 970
    assert len(run.accounts) == 85
    assert run.accounts["score"].between(0, 100).all()
    assert run.weights["intent"] == 0.0
    assert run.weights["engagement"] == 0.0
    # The misspelt sector and country are mapped by the example's value maps.
    industries = set(run.accounts["industry"])
    assert "technology" in industries
    assert "technolgy" not in industries
    assert "Philippines" in set(run.accounts["country"])


def test_maven_crm_without_as_of_counts_every_opportunity(shared_data: Path) -> None:
    run = score_folder(
        shared_data / "maven_crm", load_config(EXAMPLES / "maven_crm.yaml"), date(2026, 1, 1)
    )
    opportunities = run.report.tables["opportunities"]
    assert opportunities.rows_loaded == 8300
    # 1,425 open opportunities name no account; 337 of them also lack a date and are rejected.
    assert opportunities.unmatched == 1088


def test_bombora_files_load_unchanged(shared_data: Path) -> None:
    run = score_folder(shared_data / "bombora", load_config(), date(2015, 7, 27))

    intent = run.report.tables["intent"]
    assert intent.files == [
        "Input_AllDomainsAllTopics_20150719-reduced-sample.csv",
        "Output_MasterSurgeFile_20150719-sample.csv",
    ]
    assert intent.rows_read == 20000
    assert dict(intent.rejected) == {"missing topic": 566}
    assert intent.rows_loaded == 19434
    assert intent.unmatched == 0
    accounts = run.report.tables["accounts"]
    assert accounts.rows_loaded == 952
    assert len(run.accounts) == 952
    assert "LICENSE: skipped, not a CSV or Parquet file" in run.report.warnings


def test_bombora_topics_surge_with_matching_config(shared_data: Path, tmp_path: Path) -> None:
    config = tmp_path / "bombora.yaml"
    config.write_text("intent:\n  topics: {business loans: 1.0, workforce analytics: 1.0}\n")
    run = score_folder(shared_data / "bombora", load_config(config), date(2015, 7, 27))
    surging = run.accounts[run.accounts["intent"] > 0]
    assert len(surging) > 0
    reasons = " ".join(reason for reasons in surging["reasons"] for reason in reasons)
    assert "in the week of 2015-07-19" in reasons
