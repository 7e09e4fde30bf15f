"""The `nextbest validate` and `nextbest thresholds` commands: past runs against their outcomes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from nextbest.api.console import (
    DbOption,
    counted,
    fail,
    out,
    print_json,
    progress_bar,
    usage_error,
)
from nextbest.scoring.errors import ConfigError, NextbestError, StoreError

if TYPE_CHECKING:
    import pandas as pd

    from nextbest.scoring.config import ScoringConfig
    from nextbest.scoring.store import RunInfo, RunStore

DataDirArgument = Annotated[
    Path | None,
    typer.Argument(
        help="Folder of exports with the opportunities and their outcomes. "
        "Default: the folder of the latest run.",
        show_default=False,
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="YAML file that maps the folder's files. Default: the config of the latest run.",
        show_default=False,
    ),
]
# Ten years: a conversion that takes longer is no evidence about a weekly list.
MAX_HORIZON_DAYS = 3650
HorizonOption = Annotated[
    int,
    typer.Option(
        "--horizon-days",
        min=1,
        max=MAX_HORIZON_DAYS,
        help="Days after a run's as-of date in which a won deal counts as a conversion "
        f"(1 to {MAX_HORIZON_DAYS:,}).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def _recorded_run(store: RunStore, data_dir: Path | None) -> RunInfo | None:
    """Return the latest run scored from `data_dir` (any folder when None), or None."""
    from nextbest.learning.validation import MAX_RUNS

    latest = store.run()
    if data_dir is None:
        return latest
    for run in store.runs(limit=MAX_RUNS):
        if Path(run.data_dir).resolve() == data_dir.resolve():
            return run
    return None


def _stored_config(run: RunInfo) -> ScoringConfig:
    import yaml
    from pydantic import ValidationError

    from nextbest.scoring.config import ScoringConfig, _merge, defaults_text

    # Settings added since the run was stored take their shipped defaults.
    settings = _merge(yaml.safe_load(defaults_text()), run.config)
    try:
        return ScoringConfig.model_validate(settings)
    except ValidationError as error:
        raise ConfigError(
            f"the config stored with run {run.run_id} is invalid in this version of nextbest "
            f"({counted(error.error_count(), 'problem')}); pass the config file with --config"
        ) from None


def _load(
    data_dir: Path | None, config: Path | None, db: str | None
) -> tuple[RunStore, Path, ScoringConfig, pd.DataFrame]:
    """Open the store and load the outcomes of the folder, with defaults from the latest run."""
    from nextbest.learning.outcomes import load_outcomes
    from nextbest.scoring.config import load_config
    from nextbest.scoring.store import RunStore

    store = RunStore(db)
    recorded = _recorded_run(store, data_dir)
    if recorded is None:
        from nextbest.learning.validation import folder_runs

        # No run of this folder: raise before reading it with another folder's mapping.
        folder_runs(store, data_dir, [])
        raise StoreError(f"no stored run was scored from {data_dir}")
    folder = data_dir or Path(recorded.data_dir)
    settings = load_config(config) if config is not None else _stored_config(recorded)
    with progress_bar() as progress:
        progress.add_task(f"Loading outcomes from {folder}", total=None)
        outcomes = load_outcomes(folder, settings)
    return store, folder, settings, outcomes


def training_reference(store: RunStore, folder: Path) -> tuple[dict[str, list[float]] | None, str]:
    """Return the active account model's training inputs for drift, with a label, if any.

    Only a model trained on `folder` is a reference, because another folder's data shows
    nothing of this one's drift.
    """
    from nextbest.learning.models import ModelStore

    models = ModelStore(store)
    version = models.active_version()
    if version is None:
        return None, ""
    record = models.get(version)
    inputs = record.report.get("inputs") or None
    if record.level != "accounts" or inputs is None:
        return None, ""
    if Path(record.data_dir).resolve() != folder.resolve():
        return None, ""
    return inputs, f"the training of model {version}"


def _validate_folder(
    store: RunStore, folder: Path, outcomes: pd.DataFrame, horizon_days: int
) -> dict[str, Any]:
    """Validate the folder's runs, measuring drift from the model trained on it, if any."""
    from nextbest.learning.validation import validate as validate_runs

    reference, label = training_reference(store, folder)
    return validate_runs(store, outcomes, horizon_days, reference, folder, reference_label=label)


def validation_for_report(store: RunStore) -> dict[str, Any]:
    """Validate the latest run's folder for the report, or return why it cannot be done."""
    from nextbest.learning.outcomes import load_outcomes
    from nextbest.learning.validation import HORIZON_DAYS

    try:
        recorded = store.run()
        folder = Path(recorded.data_dir)
        outcomes = load_outcomes(folder, _stored_config(recorded))
        return _validate_folder(store, folder, outcomes, HORIZON_DAYS)
    except NextbestError as error:
        first_line = str(error).splitlines()[0]
        return {"unavailable": f"past runs could not be checked against outcomes: {first_line}"}


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def _interval(row: dict[str, Any]) -> str:
    if row["rate_low"] is None:
        return ""
    return f"{row['rate_low']:.1%} to {row['rate_high']:.1%}"


def _auc(ranking: dict[str, Any]) -> str:
    if ranking["auc"] is None:
        return ranking["reason"]
    return f"{ranking['auc']:.2f} ({ranking['auc_low']:.2f} to {ranking['auc_high']:.2f})"


def _print_skipped(skipped: list[dict[str, str]]) -> None:
    for run in skipped:
        out.print(
            f"  skipped run {run['run_id']} as of {run['as_of']}: {run['reason']}",
            markup=False,
            style="dim",
        )


def _print_header(result: dict[str, Any]) -> None:
    runs = result["runs"]
    first, last = runs[0]["as_of"], runs[-1]["as_of"]
    span = first if first == last else f"{first} to {last}"
    out.print(
        f"Checked {counted(len(runs), 'run')} as of {span} against outcomes up to "
        f"{result['data_end']}, counting deals won within {result['horizon_days']} days.",
        markup=False,
    )
    _print_skipped(result["skipped"])


def _tier_table(result: dict[str, Any]) -> Table:
    table = Table(
        title=f"Conversion by tier, pooled over {counted(len(result['runs']), 'run')}",
        title_justify="left",
    )
    for header in ("tier", "accounts", "converted", "rate", "95% interval", "won value"):
        table.add_column(header, justify="left" if header == "tier" else "right")
    for row in result["tiers"]:
        table.add_row(
            row["tier"],
            f"{row['accounts']:,}",
            f"{row['converted']:,}",
            _percent(row["rate"]),
            _interval(row),
            f"{row['won_value']:,.0f}",
        )
    return table


def _runs_table(result: dict[str, Any]) -> Table:
    table = Table(title="By run", title_justify="left")
    for header in ("as of", "accounts", "converted", "A", "B", "C", "AUC (95% interval)", "tiers"):
        table.add_column(header, justify="left" if header in ("as of", "tiers") else "right")
    for run in result["runs"]:
        rates = {row["tier"]: row for row in run["tiers"]}
        table.add_row(
            run["as_of"],
            f"{run['accounts']:,}",
            f"{run['converted']:,} ({_percent(run['rate'])})",
            *(_percent(rates[tier]["rate"]) for tier in ("A", "B", "C")),
            escape(_auc(run["ranking"])),
            escape(run["ordering"]["summary"]),
        )
    return table


def _drift_table(drift: dict[str, Any]) -> Table:
    table = Table(
        title=f"Drift from {drift['reference']} to the run as of {drift['as_of']}",
        title_justify="left",
    )
    for header in ("input", "PSI", "reading"):
        table.add_column(header, justify="right" if header == "PSI" else "left")
    for row in drift["inputs"]:
        style = {"stable": "default", "moderate shift": "yellow"}.get(row["reading"], "bold red")
        table.add_row(row["input"], f"{row['psi']:.3f}", f"[{style}]{row['reading']}[/]")
    return table


def _print_warnings(warnings: list[str]) -> None:
    for warning in warnings:
        out.print(f"[yellow]warning:[/yellow] {escape(warning)}")


def validate(
    data_dir: DataDirArgument = None,
    config: ConfigOption = None,
    db: DbOption = None,
    horizon_days: HorizonOption = 90,
    as_json: JsonOption = False,
) -> None:
    """Check past runs against the deals that came after them: did tier A convert best?

    Score the folder as of past dates first; each run becomes a backtest once its horizon has
    passed in the data. For these runs it prints conversion and won value by tier with 95%
    intervals, whether A beats B beats C, and the AUC of the score. It also prints the drift of
    each input (population stability index) up to the latest run. Drift is measured from the
    active model's training data when it was trained on this folder, else from the earliest run.
    A warning follows when the ranking stopped working.

    Example, after `nextbest score exports/ --as-of 2026-01-05` and a few more past dates:
    `nextbest validate exports/ --horizon-days 90`
    """

    try:
        store, folder, _, outcomes = _load(data_dir, config, db)
        result = _validate_folder(store, folder, outcomes, horizon_days)
    except NextbestError as error:
        fail(error)
    if as_json:
        print_json(result)
        return

    _print_header(result)
    out.print(_tier_table(result))
    if len(result["runs"]) > 1:
        out.print(
            "Each interval counts an account seen in several runs at most once, "
            "not as independent rows."
        )
    ranking = result["ranking"]
    out.print(f"Ordering: {result['ordering']['summary']}.", markup=False)
    ranking_text = f"AUC of score against conversion: {_auc(ranking)}"
    if ranking["auc"] is not None:
        ranking_text += f"; lift in the top decile {ranking['lift_top_decile']:.2f}"
    out.print(ranking_text + ".", markup=False)
    out.print(_runs_table(result))
    out.print(_drift_table(result["drift"]))
    out.print("PSI below 0.1 is stable, 0.1 to 0.25 a moderate shift, above 0.25 a major shift.")
    _print_warnings(result["warnings"])


def _rate_cell(row: dict[str, Any]) -> str:
    if row["rate"] is None:
        return "no accounts"
    return f"{_percent(row['rate'])} ({_interval(row)})"


def _weekly_cell(accounts: int, capacity: int | None) -> str:
    """Return a tier's weekly volume, in red when it exceeds the team's capacity."""
    if capacity is not None and accounts > capacity:
        return f"[red]{accounts:,}[/red]"
    return f"{accounts:,}"


def _thresholds_table(result: dict[str, Any]) -> Table:
    table = Table(
        title="Tiers now and proposed: qualified accounts a week and backtested conversion",
        title_justify="left",
    )
    headers = (
        "tier",
        "cut-off now",
        "proposed",
        "weekly now",
        "proposed",
        "capacity",
        "rate now (95% interval)",
        "proposed",
    )
    for header in headers:
        table.add_column(header, justify="left" if header == "tier" else "right")
    for now, proposed in zip(result["current"]["tiers"], result["proposed"]["tiers"], strict=True):
        capacity = proposed["capacity"]
        table.add_row(
            now["tier"],
            "" if now["cutoff"] is None else f"{now['cutoff']:g}",
            "" if proposed["cutoff"] is None else f"{proposed['cutoff']:g}",
            _weekly_cell(now["weekly_accounts"], capacity),
            _weekly_cell(proposed["weekly_accounts"], capacity),
            "" if capacity is None else f"{capacity:,}",
            _rate_cell(now),
            _rate_cell(proposed),
        )
    return table


def thresholds(
    capacity: Annotated[
        str,
        typer.Option(
            "--capacity",
            help="Accounts per week each tier's team can work, as A=N,B=N; tier C is the rest.",
            show_default=False,
        ),
    ],
    data_dir: DataDirArgument = None,
    config: ConfigOption = None,
    db: DbOption = None,
    horizon_days: HorizonOption = 90,
    as_json: JsonOption = False,
) -> None:
    """Propose tier cut-offs that fit each tier team's weekly capacity, with backtested rates.

    A tier's weekly volume is its qualified accounts in the latest run: scored once a week, that
    is the list its team gets. Tier A's cut-off is the lowest that fits A's capacity, B's the
    lowest below it that fits B's. Each tier's conversion rate is measured on the past runs,
    re-tiered with the proposed cut-offs, beside the current ones. The last line is a config
    snippet to paste.

    Example: `nextbest thresholds --capacity A=50,B=200 exports/`
    """
    from nextbest.learning.thresholds import parse_capacity, propose_thresholds

    try:
        capacities = parse_capacity(capacity)
    except ValueError as error:
        usage_error("--capacity", str(error))
    try:
        store, folder, settings, outcomes = _load(data_dir, config, db)
        current = {"A": settings.tiers.A, "B": settings.tiers.B}
        result = propose_thresholds(
            store, outcomes, capacities, current, horizon_days, data_dir=folder
        )
    except NextbestError as error:
        fail(error)
    if as_json:
        print_json(result)
        return

    volume = result["volume_run"]
    out.print(
        f"Weekly volumes from the {counted(volume['qualified'], 'qualified account')} of run "
        f"{volume['run_id']} as of {volume['as_of']}; rates of qualified accounts over "
        f"{counted(len(result['runs_evaluated']), 'past run')}, counting deals won within "
        f"{result['horizon_days']} days.",
        markup=False,
    )
    _print_skipped(result["skipped"])
    out.print(_thresholds_table(result))
    _print_warnings(result["warnings"])
    out.print("Paste into the config:", markup=False)
    out.print(f"  {result['snippet']}", markup=False)
