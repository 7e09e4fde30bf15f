"""`nextbest train`, `nextbest model` and `nextbest score --model`, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nextbest.api.cli import app
from tests.learning.conftest import deal_folder

runner = CliRunner()


def _invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def _score(data: Path, config: Path, db: str, *options: str):  # type: ignore[no-untyped-def]
    return _invoke("score", str(data), "--config", str(config), "--db", db, *options)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'runs.db'}"


def test_train_then_score_uses_model(tmp_path: Path, learning_config: Path, db: str) -> None:
    data = deal_folder(tmp_path / "data")
    trained = _invoke("train", str(data), "--config", str(learning_config), "--db", db)
    assert trained.exit_code == 0, trained.output
    assert "tested on the latest 40 outcomes from 2026-05-15" in trained.output
    assert "Decay of pricing_page_view: half-life 7 days (configured 30)" in trained.output
    listed = json.loads(_invoke("model", "list", "--db", db, "--json").stdout)
    (model,) = listed
    assert model["active"] is True
    assert "engagement.half_life_days" in model["changes"]

    scored = _score(
        data,
        learning_config,
        db,
        "--as-of",
        "2026-07-01",
        "--json",
    )
    run = json.loads(scored.stdout)
    assert run["model_version"] == model["version"]
    assert run["config"]["engagement"]["half_life_days"]["pricing_page_view"] == 7
    assert f", model {model['version']})" in _invoke("runs", "--db", db).stdout

    backtest = _score(data, learning_config, db, "--as-of", "2026-03-01")
    assert backtest.exit_code == 0, backtest.output
    validation = json.loads(_invoke("validate", "--db", db, "--json").stdout)
    assert validation["drift"]["reference"] == f"the training of model {model['version']}"
    assert [row["input"] for row in validation["drift"]["inputs"]] == [
        "fit",
        "intent",
        "relationship",
        "engagement",
        "negative",
        "score",
    ]

    page = tmp_path / "report.html"
    reported = _invoke("report", "--db", db, "--out", str(page))
    assert reported.exit_code == 0, reported.output
    assert f"model {model['version']} (accounts)" in page.read_text(encoding="utf-8")

    elsewhere = _invoke(
        "score",
        str(deal_folder(tmp_path / "other")),
        "--config",
        str(learning_config),
        "--db",
        db,
        "--as-of",
        "2026-07-01",
        "--json",
    )
    assert json.loads(elsewhere.stdout)["model_version"] is None
    assert f"note: the active model {model['version']} was trained on {data.resolve()}" in (
        " ".join(elsewhere.stderr.split())
    )

    plain = _score(
        data,
        learning_config,
        db,
        "--as-of",
        "2026-07-01",
        "--model",
        "none",
        "--json",
    )
    run = json.loads(plain.stdout)
    assert run["model_version"] is None
    assert "pricing_page_view" not in run["config"]["engagement"]["half_life_days"]


def test_model_commands_empty_store(db: str) -> None:
    assert _invoke("model", "list", "--db", db).stdout == (
        "No models yet; `nextbest train DATA_DIR` learns one.\n"
    )
    result = _invoke("model", "rollback", "--db", db)
    assert result.exit_code == 1
    assert result.stderr == "error: no model is active, so there is nothing to roll back\n"
    result = _invoke("score", "nowhere", "--db", db, "--model", "m1")
    assert result.exit_code == 1
    assert "no model 'm1' in the store" in result.stderr


def test_train_rejects_bad_options(tmp_path: Path, db: str) -> None:
    data = deal_folder(tmp_path / "data")
    result = _invoke("train", str(data), "--label", "won", "--db", db)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --label: applies to --level leads; accounts learn from won and lost deals\n"
    )
    result = _invoke("train", str(data), "--exclude", "fit:industri", "--db", db)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --exclude: no column named 'fit:industri'; did you mean 'fit:industry'?\n"
    )
    # The amount is always left out, so naming it excludes nothing more and is no error.
    other = f"sqlite:///{tmp_path / 'other.db'}"
    result = _invoke("train", str(data), "--exclude", "opportunity:amount", "--db", other)
    assert result.exit_code == 0, result.output
    result = _invoke("train", str(data), "--exclude", "Nope", "--db", db)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: --exclude: no column named 'Nope'; the features are "
        "'engagement:activity:pricing_page_view', "
    )
    result = _invoke("train", str(data), "--seed", "-1", "--db", db)
    assert result.exit_code == 2
    strict = tmp_path / "strict.yaml"
    strict.write_text("learning:\n  min_outcomes: 60\n", encoding="utf-8")
    result = _invoke("train", str(data), "--config", str(strict), "--db", db)
    assert result.exit_code == 1
    assert result.stderr == (
        "error: not enough outcomes to learn from: 48 won and 72 lost, need at least 60 of "
        "each (learning.min_outcomes); the configured weights stay in use\n"
    )
    assert json.loads(_invoke("model", "list", "--db", db, "--json").stdout) == []


@pytest.mark.slow
def test_train_x_education_leaks(shared_data: Path, db: str) -> None:
    """The real lead export, loaded unchanged through examples/x_education.yaml."""
    config = Path(__file__).parents[2] / "examples" / "x_education.yaml"
    leads = str(shared_data / "x_education")
    fair = json.loads(
        _invoke(
            "train", leads, "--config", str(config), "--level", "leads", "--db", db, "--json"
        ).stdout
    )
    assert (fair["n_train"], fair["n_test"], fair["split"]) == (6465, 2772, "stratified")
    assert fair["leaks"] == {}
    assert "Tags" in fair["left_out"]
    assert "Lead Number" in fair["left_out"]
    # Measured: 0.897 (0.886-0.908) against the baseline's 0.887. Four other random splits
    # gave 0.892 to 0.901: the 0.90 target sits inside the interval, not below its low end.
    assert fair["auc"] == pytest.approx(0.897, abs=0.005)
    assert fair["auc"] > fair["baseline_auc"]
    assert fair["models"]["logistic"]["auc"] > 0.88
    sources = {row["source"]: row for row in fair["sources"]}
    # Two leads, both converted: shrunk to about half, below the large sources that convert.
    assert sources["Live Chat"]["raw_rate"] == 1.0
    assert sources["Live Chat"]["rate"] < sources["Reference"]["rate"] < 0.95

    # The whole file, as exported: Tags gives itself away.
    empty = Path(db.removeprefix("sqlite:///")).parent / "no-exclusions.yaml"
    empty.write_text(config.read_text(encoding="utf-8").split("learning:")[0], encoding="utf-8")
    leaky = json.loads(
        _invoke(
            "train",
            leads,
            "--config",
            str(empty),
            "--level",
            "leads",
            "--db",
            db,
            "--json",
            "--no-activate",
        ).stdout
    )
    assert list(leaky["leaks"]) == ["Tags"]
    assert leaky["leaks"]["Tags"] == pytest.approx(0.918, abs=0.005)
    assert leaky["auc"] > 0.98
    assert leaky["warnings"][0].startswith("Tags alone ranks the outcomes with AUC 0.91")
    assert leaky["active"] is False


@pytest.mark.slow
def test_train_maven_time_split(shared_data: Path, db: str) -> None:
    config = Path(__file__).parents[2] / "examples" / "maven_crm.yaml"
    report = json.loads(
        _invoke(
            "train", str(shared_data / "maven_crm"), "--config", str(config), "--db", db, "--json"
        ).stdout
    )
    assert (report["n_train"], report["n_test"], report["split"]) == (4690, 2021, "time")
    assert (report["train_until"], report["test_from"]) == ("2017-08-15", "2017-08-16")
    assert report["notes"][:3] == [
        "6,711 won or lost opportunities at 15 monthly snapshots (2016-10 to 2017-12)",
        "1,589 open opportunities have no outcome yet and were left out",
        "500 opportunities were rejected on loading (500 missing created_at)",
    ]
    assert "fit" not in report["overlay"]
    assert report["signal_weights"]["reason"].startswith("no model ranks the held-out outcomes")
    # Maven's outcomes do not follow anything known before the deal: every model is at chance,
    # and the configured weights stay.
    assert report["auc_low"] < 0.5 < report["auc_high"]
    assert "composite" not in report["overlay"]
    assert any(
        warning.startswith("the configured composite weights stay: no model ranks")
        for warning in report["warnings"]
    )
