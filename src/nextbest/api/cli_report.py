"""The `nextbest report` command: the validation report as one HTML page, or its figures as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from nextbest.api.console import DbOption, err, fail, out, print_json, usage_error
from nextbest.scoring.errors import InputError, NextbestError, Problem

if TYPE_CHECKING:
    from nextbest.scoring.store import RunInfo, RunStore


def load_model_report(
    store: RunStore, version: str | None, model_file: Path | None
) -> dict[str, Any] | None:
    """Return the model report to show, or None when no model is stored or active.

    `model_file` is a report written by `nextbest train --json`; otherwise the report of
    `version`, or of the active model, comes from the store.
    """
    if model_file is None:
        from nextbest.learning.models import ModelStore

        models = ModelStore(store)
        if version is None and models.active_version() is None:
            return None
        return models.get(version).report
    try:
        report = json.loads(model_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError([Problem(str(model_file), "file not found")]) from None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InputError([Problem(str(model_file), f"failed to read the file: {reason}")]) from None
    except json.JSONDecodeError as error:
        problem = Problem(
            str(model_file),
            f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}",
        )
        raise InputError([problem]) from None
    if not isinstance(report, dict):
        problem = Problem(
            str(model_file),
            "not a model report",
            value=type(report).__name__,
            expected="a JSON object from `nextbest train`",
        )
        raise InputError([problem])
    problems = _model_report_problems(report, str(model_file))
    if problems:
        raise InputError(problems)
    if version is not None and report.get("model_version") != version:
        problem = Problem(
            str(model_file),
            "the model report is of another model version",
            column="model_version",
            value=str(report.get("model_version")),
            expected=version,
        )
        raise InputError([problem])
    return report


# The fields a model report must have for the report page, and what each must be.
RATIOS = ("auc", "auc_low", "auc_high", "baseline_auc")
COUNTS = ("n_train", "n_test")


def _is_weight(item: Any) -> bool:
    if not isinstance(item, dict) or not isinstance(item.get("feature"), str):
        return False
    coefficient = item.get("coefficient")
    return isinstance(coefficient, int | float) and not isinstance(coefficient, bool)


def _model_report_problems(report: dict[str, Any], display: str) -> list[Problem]:
    """Return what makes a model report file unusable: missing or invalid fields."""
    from nextbest.learning.report import check_test_set

    problems = []

    def invalid(field: str, expected: str) -> None:
        value = report.get(field)
        message = "missing field" if field not in report else "invalid field"
        text = None if field not in report else json.dumps(value)[:60]
        problems.append(Problem(display, message, column=field, value=text, expected=expected))

    for field in ("model_version", "chosen"):
        if not isinstance(report.get(field), str):
            invalid(field, "a text")
    for field in RATIOS:
        value = report.get(field)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            invalid(field, "a number from 0 to 1")
    for field in COUNTS:
        value = report.get(field)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            invalid(field, "a whole number of 0 or more")
    if not isinstance(report.get("models"), dict):
        invalid("models", "an object of each model's figures")
    weights = report.get("weights")
    if not isinstance(weights, list) or not all(_is_weight(item) for item in weights):
        invalid("weights", "a list of weights, each with a feature and a numeric coefficient")
    if not problems and not report["auc_low"] <= report["auc"] <= report["auc_high"]:
        invalid("auc", f"between auc_low ({report['auc_low']}) and auc_high ({report['auc_high']})")
    if not problems and (reason := check_test_set(report)) is not None:
        problems.append(
            Problem(display, reason, column="test", expected="the test section `train` writes")
        )
    return problems


def load_validation(store: RunStore) -> dict[str, Any] | None:
    """Return the validation of past runs against outcomes, or None when no run is stored."""
    from nextbest.api.cli_validate import validation_for_report

    if not store.runs(1):
        return None
    return validation_for_report(store)


def latest_scores(store: RunStore) -> tuple[RunInfo | None, list[float] | None]:
    """Return the latest scoring run and its accounts' scores, or (None, None) without a run."""
    runs = store.runs(1)
    if not runs:
        return None, None
    run = runs[0]
    scores = [score for _tier, score in store.tiers(run.run_id).values()]
    return run, scores


def _title(model: dict[str, Any] | None, run: RunInfo | None) -> str:
    parts = []
    if model is not None:
        parts.append(f"model {model.get('model_version')} ({model.get('level')})")
    if run is not None:
        parts.append(f"run {run.run_id} as of {run.as_of}")
    return "nextbest validation report" + (": " + ", ".join(parts) if parts else "")


def report(
    out_path: Annotated[
        Path, typer.Option("--out", help="HTML file to write; replaced if it exists.")
    ] = Path("report.html"),
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Also print the figures as JSON on standard output."),
    ] = False,
    db: DbOption = None,
    model_version: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="Model version to report on (`nextbest model list`). Default: the active model.",
            show_default=False,
        ),
    ] = None,
    model_file: Annotated[
        Path | None,
        typer.Option(
            "--model-file",
            help="Read the model report from this JSON file, as `nextbest train --json` prints "
            "it, instead of the model store.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write the validation report: one self-contained HTML page with plots and tables.

    It shows the ROC curve, lift by decile, calibration, conversion by tier, the latest run's
    score distribution and the model's top weights. A figure whose input is missing is listed
    with the reason. The page loads nothing from the network, so it can be mailed as it is.

    Example: nextbest report --out report.html
    """
    from nextbest.learning.report import (
        FIGURE_TITLES,
        build_figures,
        render_html,
        unavailable_figures,
        write_html,
    )
    from nextbest.scoring.store import RunStore, sqlite_path

    if out_path.is_dir():
        usage_error("--out", f"{out_path} is a folder; expected a file name such as report.html")
    if out_path.suffix.lower() not in (".html", ".htm"):
        usage_error("--out", f"{out_path} does not end in .html; expected a name like report.html")
    if (out_path.exists() and not out_path.is_file()) or out_path.is_symlink():
        usage_error("--out", f"{out_path} is not a regular file; expected a new or HTML file")
    store_file = sqlite_path(db)
    if store_file is not None and out_path.absolute() == store_file.absolute():
        usage_error("--out", f"{out_path} is the run store; write the report elsewhere")
    try:
        store = RunStore(db)
        model = load_model_report(store, model_version, model_file)
        validation = load_validation(store)
        run, scores = latest_scores(store)
    except NextbestError as error:
        fail(error, "the model report")
    if (
        run is not None
        and out_path.exists()
        and out_path.resolve().parent == (Path(run.data_dir).resolve())
    ):
        usage_error("--out", f"{out_path} would overwrite a file in the data folder {run.data_dir}")
    cutoffs = run.config.get("tiers") if run is not None else None
    figures = build_figures(model, validation, scores, cutoffs)
    try:
        write_html(render_html(figures, _title(model, run)), out_path)
    except OSError as error:
        usage_error("--out", f"cannot write {out_path}: {error.strerror or error}")

    console = out
    if as_json:
        print_json(figures)
        console = err
    missing = unavailable_figures(figures)
    drawn_count = len(FIGURE_TITLES) - len(missing)
    console.print(
        f"Wrote the report to {out_path}: {drawn_count} of {len(FIGURE_TITLES)} figures.",
        markup=False,
    )
    for title, reason in missing.items():
        console.print(f"  {title} not shown: {reason}", markup=False)
    for warning in figures["warnings"]:
        console.print(f"  warning: {warning}", markup=False)
