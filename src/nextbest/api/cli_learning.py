"""The `nextbest train` and `nextbest model` commands: learn from outcomes, manage the models."""

from __future__ import annotations

import difflib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.markup import escape
from rich.table import Table

from nextbest.api.console import DbOption, counted, err, fail, out, print_json
from nextbest.scoring.config import load_config
from nextbest.scoring.errors import NextbestError

if TYPE_CHECKING:
    from nextbest.learning.datasets import TrainingSet
    from nextbest.learning.models import ModelRecord

model_app = typer.Typer(
    help=(
        "List the learned models, choose the active one, or roll back to the one before.\n\n"
        "`nextbest train` adds a model and makes it active; `nextbest score` then uses it."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
SHOWN = 10


def train(
    data_dir: Annotated[
        Path,
        typer.Argument(
            help="Folder of exports with outcomes: opportunities won and lost (accounts), or a "
            "leads table with a conversion column (leads)."
        ),
    ],
    config: Annotated[
        Path | None, typer.Option("--config", help="YAML file merged over the shipped defaults.")
    ] = None,
    level: Annotated[
        Literal["accounts", "leads"],
        typer.Option(
            "--level",
            help="accounts: each won or lost opportunity, with its account's signals as they "
            "stood before it was created. leads: each row of the leads table, its other "
            "columns as candidate features.",
        ),
    ] = "accounts",
    label: Annotated[
        str | None,
        typer.Option(
            "--label",
            help="Leads only: the column holding the outcome (1/0, yes/no, true/false). "
            "Default: the column mapped to `converted`.",
            show_default=False,
        ),
    ] = None,
    exclude: Annotated[
        str | None,
        typer.Option(
            "--exclude",
            help="Comma-separated columns never to use as features, added to "
            "learning.exclude, e.g. fields filled in after contact.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    activate: Annotated[
        bool,
        typer.Option(
            "--activate/--no-activate",
            help="Make the new model the one `nextbest score` uses.",
        ),
    ] = True,
    seed: Annotated[
        int,
        typer.Option("--seed", min=0, max=2**32 - 1, help="Seed of the split and the models."),
    ] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Learn weights from outcomes, test them on held-out outcomes, and store the model.

    Fits a plain one-hot logistic regression (the baseline), a regularised logistic
    regression whose weights are shown per signal, and gradient-boosted trees with calibrated
    probabilities, on one split: the latest outcomes held out when rows are dated, a
    stratified 30% otherwise. Warns about any column that alone predicts the outcome almost
    perfectly (it was probably filled in after the fact).

    Examples: `nextbest train exports/ --config mapping.yaml` ·
    `nextbest train leads/ --level leads --label Converted --exclude Tags,"Lead Quality"`
    """
    from nextbest.api.cli import _Steps
    from nextbest.learning.datasets import account_training_set, lead_training_set
    from nextbest.learning.models import ModelStore
    from nextbest.learning.training import train as fit
    from nextbest.scoring.store import RunStore

    if label is not None and level == "accounts":
        from nextbest.api.console import usage_error

        usage_error("--label", "applies to --level leads; accounts learn from won and lost deals")
    requested = tuple(part.strip() for part in (exclude or "").split(",") if part.strip())
    started = time.perf_counter()
    try:
        settings = load_config(config)
        excluded = tuple(dict.fromkeys((*settings.learning.exclude, *requested)))
        models = ModelStore(RunStore(db))
        with _Steps() as steps:
            if level == "leads":
                training = lead_training_set(data_dir, settings, label, excluded, steps.step)
            else:
                steps.step("Scoring each month before its deals")
                training = account_training_set(
                    data_dir, settings, excluded, steps.step, snapshot_progress=steps.advance
                )
            _check_excludes(training, requested)
            version = models.new_version()
            trained = fit(training, settings, seed=seed, version=version, progress=steps.step)
            leaked = bool(trained.report["leaks"])
            steps.step("Saving the model")
            record = models.save(
                version,
                trained.report,
                trained.overlay,
                str(data_dir.resolve()),
                settings.config_hash(),
                activate=activate and not leaked,
            )
    except NextbestError as error:
        fail(error)
    elapsed = time.perf_counter() - started
    if as_json:
        print_json(record.report | {"active": record.active, "overlay": record.overlay})
        return
    _print_report(record, elapsed)


# Feature names listed when an --exclude name matches none and resembles none.
MAX_NAMES_SHOWN = 12


def _check_excludes(training: TrainingSet, requested: tuple[str, ...]) -> None:
    """Reject --exclude names that match no column; note the config's, which may be shared."""
    from nextbest.api.console import usage_error

    features = [str(column) for column in training.features.columns]
    # A column left out anyway, such as an opportunity's amount, is excluded already.
    left_out = {column.strip().lower() for column in training.left_out}
    for name in training.unmatched_exclude:
        if name.strip().lower() in left_out:
            continue
        if name in requested:
            close = difflib.get_close_matches(name, [*features, *training.left_out], n=1)
            if close:
                hint = f"; did you mean {close[0]!r}?"
            else:
                listed = ", ".join(repr(column) for column in features[:MAX_NAMES_SHOWN])
                more = ", ..." if len(features) > MAX_NAMES_SHOWN else ""
                hint = f"; the features are {listed}{more}"
            usage_error("--exclude", f"no column named {name!r}{hint}")
        training.notes.append(f"learning.exclude names {name!r}, which is no column here")


def _print_held_out(learned: dict[str, Any], noun: str) -> None:
    """Print the score's held-out AUC with the configured and the learned weights or settings."""
    if "test_auc_learned" in learned:
        out.print(
            f"  held-out AUC of the score: {learned['test_auc_configured']:.3f} with the "
            f"configured {noun}, {learned['test_auc_learned']:.3f} with the learned ones",
            markup=False,
        )


def _print_report(record: ModelRecord, elapsed: float) -> None:
    report = record.report
    split = (
        f"the latest {counted(report['n_test'], 'outcome')} from {report.get('test_from')}"
        if report["split"] == "time"
        else f"a stratified random {counted(report['n_test'], 'outcome')}"
    )
    out.print(
        f"Trained model {record.version} on {counted(report['n_train'], 'outcome')} in "
        f"{elapsed:.1f}s; tested on {split}.",
        markup=False,
    )
    table = Table(title="Held-out figures", title_justify="left")
    for column in ("model", "AUC (95% interval)", "PR-AUC", "Brier", "lift, top 10%"):
        table.add_column(column, justify="left" if column == "model" else "right")
    names = {
        "boosting": "boosted trees, calibrated",
        "logistic": "logistic regression",
        "baseline": "baseline (one-hot logistic)",
    }
    for name, figures in report["models"].items():
        table.add_row(
            names.get(name, name) + (" (chosen)" if name == report["chosen"] else ""),
            f"{figures['auc']:.3f} ({figures['auc_low']:.3f}–{figures['auc_high']:.3f})",
            f"{figures['pr_auc']:.3f}",
            f"{figures['brier']:.3f}",
            f"{figures['lift_top_decile']:.2f}",
        )
    out.print(table)
    weights = report["weights"][:SHOWN]
    if weights:
        out.print("Largest weights of the logistic regression:")
        for weight in weights:
            out.print(f"  {weight['text']}", markup=False)
    composite = report.get("composite")
    if composite and composite.get("learned"):
        applied = "composite" in record.overlay
        out.print(
            "Composite weights "
            + ("learned" if applied else "learned but not used")
            + ": "
            + ", ".join(
                f"{name} {composite['configured'][name]:g} → {value:g}"
                for name, value in composite["learned"].items()
            ),
            markup=False,
        )
        for text in composite.get("texts", []):
            out.print(f"  {text}", markup=False)
        _print_held_out(composite, "weights")
    signals = report.get("signal_weights")
    if signals and signals.get("learned"):
        applied = any(name in record.overlay for name in ("fit", "relationship"))
        out.print(
            "Fit and relationship settings " + ("learned:" if applied else "learned but not used:")
        )
        for row in signals["signals"]:
            changes = ", ".join(
                f"{path} {row['configured'][path]:g} → {value:g}"
                for path, value in row["learned"].items()
            )
            out.print(f"  {changes} ({row['text']})", markup=False)
        _print_held_out(signals, "settings")
    for row in report.get("half_lives", []):
        if row["learned"]:
            out.print(
                f"Decay of {row['type']}: half-life {row['learned']:g} days (configured "
                f"{row['configured']:g}); AUC {row['auc_best']:.3f} against "
                f"{row['auc_configured']:.3f}",
                markup=False,
            )
    sources = report.get("sources", [])
    if sources:
        out.print("Lead sources, conversion smoothed towards the overall rate (best first):")
        for row in sources[:SHOWN]:
            out.print(
                f"  {row['source']}: {row['rate']:.1%} (raw {row['converted']:,} of "
                f"{row['outcomes']:,})",
                markup=False,
            )
    if report["left_out"]:
        out.print("Columns left out:")
        for column, why in report["left_out"].items():
            out.print(f"  {column}: {why}", markup=False)
    for note in report["notes"]:
        out.print(f"note: {note}", markup=False)
    for warning in report["warnings"]:
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}", markup=True)
    if record.active:
        out.print(
            f"Model {record.version} is active: `nextbest score` uses its learned settings "
            f"({', '.join(_changes(record)) or 'none changed'}).",
            markup=False,
        )
    elif report["leaks"]:
        out.print(
            f"Model {record.version} is stored but not active, because a column looks leaked; "
            "exclude it and train again, or activate it anyway with "
            f"`nextbest model activate {record.version}`.",
            markup=False,
        )
    else:
        out.print(f"Activate it with `nextbest model activate {record.version}`.", markup=False)


def _changes(record: ModelRecord) -> list[str]:
    from nextbest.learning.models import changed_settings

    return changed_settings(record.overlay)


def _models_table(records: list[ModelRecord]) -> Table:
    table = Table(title_justify="left")
    columns = ("", "version", "created", "level", "AUC", "baseline", "train/test", "changes")
    for column in (*columns, "trained on"):
        table.add_column(column)
    for record in records:
        summary = record.summary()
        table.add_row(
            "*" if record.active else "",
            record.version,
            summary["created_at"],
            record.level,
            f"{record.auc:.3f}" if record.auc is not None else "",
            f"{record.baseline_auc:.3f}" if record.baseline_auc is not None else "",
            f"{summary['n_train']:,}/{summary['n_test']:,}",
            ", ".join(summary["changes"]) or "none",
            record.data_dir,
        )
    return table


def _models(db: str | None) -> Any:
    from nextbest.learning.models import ModelStore
    from nextbest.scoring.store import RunStore

    return ModelStore(RunStore(db))


@model_app.command("list")
def model_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the models, newest first; the active one is marked with *."""
    try:
        records = _models(db).list()
    except NextbestError as error:
        fail(error)
    if as_json:
        print_json([record.summary() for record in records])
        return
    if not records:
        out.print("No models yet; `nextbest train DATA_DIR` learns one.", markup=False)
        return
    out.print(_models_table(records))


@model_app.command("activate")
def model_activate(
    version: Annotated[str, typer.Argument(help="The version, as `nextbest model list` shows.")],
    db: DbOption = None,
) -> None:
    """Make a model the one `nextbest score` uses."""
    try:
        record = _models(db).activate(version)
    except NextbestError as error:
        fail(error)
    out.print(f"Model {record.version} is active.", markup=False)


@model_app.command("rollback")
def model_rollback(db: DbOption = None) -> None:
    """Reactivate the model that was active before the current one."""
    try:
        record = _models(db).rollback()
    except NextbestError as error:
        fail(error)
    out.print(f"Rolled back: model {record.version} is active again.", markup=False)
