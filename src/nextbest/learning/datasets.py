"""Training sets: rows of features as they stood before each outcome, with the outcome as label.

Accounts: every won or lost opportunity, with its account's signals computed by the scoring
pipeline as of the first day of the month the opportunity was created in, so no row dated on or
after that day reaches a feature. Leads: every row of the contacts table with a label; the
table's other columns become candidate features.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import yaml

from nextbest.scoring.config import ScoringConfig, defaults_text
from nextbest.scoring.errors import InputError, Problem
from nextbest.scoring.identity import resolve_identities
from nextbest.scoring.loading import MAX_NUMBER, LoadReport, load_tables
from nextbest.scoring.runs import apply_as_of
from nextbest.scoring.scores import (
    COMPONENTS,
    available_components,
    compute_components,
    effective_weights,
)
from nextbest.scoring.signals import build_signals, prepare
from nextbest.scoring.sources import SourceFile, discover, normalize_header
from nextbest.scoring.sql import literal, quote

Progress = Callable[[str], None]
DATED_TABLES = ("contacts", "activities", "intent", "opportunities")
BASE_TABLES = ("accounts", *DATED_TABLES)
# A text column with a distinct value on nearly every row names rows rather than describing them.
IDENTIFIER_SHARE = 0.95
# Invalid values of a column listed in one error; a column of free text would otherwise list
# every row.
MAX_LABEL_PROBLEMS = 10
# Contact columns that hold personal data or name the row; never features.
PERSONAL_COLUMNS = ("contact_id", "account_id", "email", "phone", "first_name", "last_name")
# Headers, after normalize_header, of columns that hold personal data even when not mapped.
PERSONAL_HEADERS = frozenset(
    {
        *PERSONAL_COLUMNS,
        "name", "full_name", "firstname", "lastname", "surname", "given_name", "family_name",
        "email_address", "e_mail", "mail", "phone_number", "mobile", "mobile_phone", "telephone",
        "address", "street", "street_address", "postcode", "postal_code", "zip", "zip_code",
        "ip", "ip_address", "linkedin", "linkedin_url",
    }
)  # fmt: skip


@dataclass
class TrainingSet:
    """Feature rows with 0/1 labels, and what was left out of the features and why."""

    level: str
    label: str
    features: pd.DataFrame
    labels: np.ndarray
    # When each row's outcome was decided, for a time-ordered split; None when rows are undated.
    dates: pd.Series | None
    # Lead source of each row, for smoothed conversion rates by source.
    sources: pd.Series | None = None
    # Column -> why it is not a feature.
    left_out: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Account level: the four components, negative and the composite per row, as scored.
    components: pd.DataFrame | None = None
    # Account level: every signal family's points per row, constant columns included, from which
    # the scoring core's components follow exactly.
    points: pd.DataFrame | None = None
    # Account level: which components had an input file, as scoring's effective weights need.
    available: dict[str, bool] = field(default_factory=dict)
    # Account level: decayed activity counts per type and half-life, for learning decay.
    decay: dict[str, dict[float, np.ndarray]] = field(default_factory=dict)
    # Names to exclude that match no column, so a typo is not silently ignored.
    unmatched_exclude: list[str] = field(default_factory=list)
    # Whether the label is the conversion outcome, so lead-source rates are conversion rates.
    conversion_label: bool = True

    @property
    def positives(self) -> int:
        return int(self.labels.sum())

    @property
    def negatives(self) -> int:
        return int(len(self.labels) - self.labels.sum())


def _connect(workdir: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(
        config={"memory_limit": "2GB", "temp_directory": str(Path(workdir) / "spill")}
    )


def _load(
    connection: duckdb.DuckDBPyConnection,
    data_dir: Path,
    config: ScoringConfig,
    workdir: str,
    tables: tuple[str, ...] | None,
    progress: Progress | None,
) -> tuple[list[SourceFile], LoadReport]:
    transcoded = Path(workdir) / "utf8"
    transcoded.mkdir()
    if progress:
        progress("Finding input files")
    required = "contacts" if tables == ("contacts",) else "accounts"
    discovery = discover(data_dir, config, transcoded, required)
    files = [file for file in discovery.files if tables is None or file.table in tables]
    report = LoadReport()
    report.warnings.extend(discovery.warnings)
    load_tables(connection, files, config, report, progress)
    return files, report


# -- Leads ---------------------------------------------------------------------------------------


def parse_labels(values: pd.Series, config: ScoringConfig) -> tuple[pd.Series, pd.Series]:
    """Parse a label column's text into 1.0/0.0, NaN where blank; also return the unparsable."""
    # The shipped yes/no words count too, so a config that adds "Oui" keeps "Yes".
    shipped = yaml.safe_load(defaults_text())["normalize"]
    truthy = {
        value.lower() for value in (*config.normalize.true_values, *shipped["true_values"])
    } | {"1", "1.0"}
    falsy = {
        value.lower() for value in (*config.normalize.false_values, *shipped["false_values"])
    } | {"0", "0.0"}
    placeholders = {value.lower() for value in config.normalize.placeholders} | {""}
    text = values.fillna("").astype(str).str.strip().str.lower()
    parsed = pd.Series(np.nan, index=values.index)
    parsed[text.isin(truthy)] = 1.0
    parsed[text.isin(falsy)] = 0.0
    bad = ~(text.isin(truthy) | text.isin(falsy) | text.isin(placeholders))
    return parsed, bad


def _raw_rows(connection: duckdb.DuckDBPyConnection, file: SourceFile) -> pd.DataFrame:
    """Read one source file as text, indexed by its spreadsheet row number like `_row`."""
    path = literal(str(file.path))
    if file.file_format == "parquet":
        reader = f"read_parquet({path})"
    else:
        options = ", ".join(
            f"{key} = {_option(value)}"
            for key, value in file.csv_options.items()
            if key != "expected_fields"
        )
        reader = f"read_csv({path}, all_varchar = true{', ' + options if options else ''})"
    connection.execute(f"CREATE OR REPLACE TEMP TABLE raw_rows AS SELECT * FROM {reader}")
    frame = connection.execute(
        f"SELECT rowid + {file.first_data_row} AS _row, * FROM raw_rows"
    ).df()
    connection.execute("DROP TABLE raw_rows")
    return frame.set_index("_row")


def _option(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_option(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(str(k))}: {_option(v)}" for k, v in value.items()) + "}"
    if isinstance(value, int | float):
        return repr(value)
    return literal(str(value))


def _mapped(file: SourceFile, column: str) -> str | None:
    """Return the file's column that fills a contract column, found as the loader finds it."""
    by_lower = {name.strip().lower(): name for name in file.columns}
    mapped = file.source.columns.get(column)
    if mapped is not None:
        candidates = [mapped] if isinstance(mapped, str) else mapped
        found = [
            by_lower[name.strip().lower()]
            for name in candidates
            if name.strip().lower() in by_lower
        ]
        return found[0] if found else None
    return next((name for name in file.columns if normalize_header(name) == column), None)


def _personal(column: str, values: pd.Series) -> bool:
    """Tell whether a column names a person or contains contact details, by header or values."""
    if normalize_header(column) in PERSONAL_HEADERS:
        return True
    present = values.dropna().astype(str)
    return bool(len(present)) and present.str.contains("@", regex=False).mean() >= 0.5


def typed_features(frame: pd.DataFrame, placeholders: list[str]) -> pd.DataFrame:
    """Turn text columns into numbers where nearly every value is one, else trimmed lower text.

    Placeholders such as "Select" become missing. Case and spacing variants of one value
    ("Google", "google ") become one category.
    """
    missing = {value.lower() for value in placeholders} | {""}
    typed = {}
    for column in frame.columns:
        text = frame[column].astype("string").str.strip()
        text = text.mask(text.str.lower().isin(missing))
        present = int(text.notna().sum())
        numbers = pd.to_numeric(_decimal_points(text), errors="coerce")
        if present and numbers.notna().sum() >= 0.95 * present:
            typed[column] = numbers.astype(float)
        else:
            typed[column] = text.str.lower().astype(object).where(text.notna(), None)
    return pd.DataFrame(typed, index=frame.index)


def match_excludes(exclude: tuple[str, ...], columns: list[str]) -> tuple[set[str], list[str]]:
    """Return the columns named in `exclude`, ignoring case and spacing, and the unmatched names."""
    by_key = {column.strip().lower(): column for column in columns}
    matched = {by_key[name.strip().lower()] for name in exclude if name.strip().lower() in by_key}
    unmatched = [name for name in exclude if name.strip().lower() not in by_key]
    return matched, unmatched


def _decimal_points(text: pd.Series) -> pd.Series:
    """Rewrite a column's numbers with commas as plain numbers, when the commas are unambiguous.

    "1,200" and "12,345.6" group thousands, "2,5" is a decimal comma. A column mixing the two
    kinds, or with "1,234" alone (either reading fits), is left as text.
    """
    commas = text.dropna()
    commas = commas[commas.str.contains(",", regex=False)]
    if commas.empty:
        return text
    if commas.str.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?").all() and (
        commas.str.contains(".", regex=False).any() or commas.str.len().gt(5).any()
    ):
        return text.str.replace(",", "", regex=False)
    if (
        commas.str.fullmatch(r"-?\d+,\d+").all()
        and not commas.str.fullmatch(r"-?\d{1,3},\d{3}").all()
    ):
        return text.str.replace(",", ".", regex=False)
    return text


def _screen(features: pd.DataFrame, left_out: dict[str, str]) -> pd.DataFrame:
    """Drop columns that cannot help: empty, a single value, or a distinct value per row."""
    keep = []
    rows = len(features)
    for column in features.columns:
        values = features[column]
        distinct = values.nunique(dropna=True)
        if distinct == 0:
            left_out[column] = "empty"
        elif distinct == 1 and values.notna().all():
            left_out[column] = f"a single value ({values.dropna().iloc[0]!s:.40})"
        elif distinct == 1:
            # One value or blank is a flag: a category "given" against missing.
            features[column] = values.notna().map({True: "given", False: None}).astype(object)
            keep.append(column)
        elif distinct >= IDENTIFIER_SHARE * rows and (
            values.dtype == object or _whole_numbers(values)
        ):
            left_out[column] = (
                f"an identifier ({distinct:,} distinct values in {rows:,} rows); its order "
                "may follow time, which a random split would leak"
            )
        else:
            keep.append(column)
    return features[keep]


def _whole_numbers(values: pd.Series) -> bool:
    present = values.dropna()
    return bool(len(present)) and bool(np.all(np.mod(present.to_numpy(dtype=float), 1) == 0))


def _row_problems(
    rows: pd.DataFrame,
    files: list[str],
    positions: np.ndarray,
    column: str,
    message: str,
    expected: str,
) -> list[Problem]:
    """List the first MAX_LABEL_PROBLEMS invalid values of a column, then a line for the rest."""
    problems = [
        Problem(
            files[int(rows["_file"].iloc[position])],
            message,
            row=int(rows["_row"].iloc[position]),
            column=column,
            value=str(rows[column].iloc[position]),
            expected=expected,
        )
        for position in positions[:MAX_LABEL_PROBLEMS]
    ]
    hidden = len(positions) - len(problems)
    if hidden:
        file = files[int(rows["_file"].iloc[positions[MAX_LABEL_PROBLEMS]])]
        problems.append(
            Problem(
                file,
                f"{hidden:,} more {'row' if hidden == 1 else 'rows'} with an {message} in "
                f"column {column!r}",
                count=hidden,
            )
        )
    return problems


def _check_numbers(features: pd.DataFrame, rows: pd.DataFrame, files: list[str]) -> None:
    """Raise InputError for numbers no model can learn from: infinite or beyond ±1e15."""
    problems: list[Problem] = []
    for column in features.columns:
        if features[column].dtype == object:
            continue
        values = features[column].to_numpy(dtype=float)
        invalid = np.isinf(values) | (np.abs(np.nan_to_num(values)) > MAX_NUMBER)
        if invalid.any():
            positions = rows.index.get_indexer(features.index[invalid])
            problems += _row_problems(
                rows,
                files,
                positions,
                column,
                "invalid number",
                f"a finite number between {-MAX_NUMBER:g} and {MAX_NUMBER:g}",
            )
    if problems:
        raise InputError(problems)


def lead_training_set(
    data_dir: Path,
    config: ScoringConfig,
    label: str | None = None,
    exclude: tuple[str, ...] = (),
    progress: Progress | None = None,
) -> TrainingSet:
    """Read the contacts table's files: the label, and every other column as a candidate."""
    with tempfile.TemporaryDirectory(prefix="nextbest-train-") as workdir:
        connection = _connect(workdir)
        try:
            files, report = _load(connection, data_dir, config, workdir, ("contacts",), progress)
            loaded = connection.execute(
                "SELECT _file, _row, created_at, lead_source, converted FROM contacts "
                "ORDER BY _file, _row"
            ).df()
            frames = []
            all_files = [file.display for file in files]
            for file in files:
                if progress:
                    progress(f"Reading the columns of {file.display}")
                raw = _raw_rows(connection, file)
                raw.insert(0, "_file", all_files.index(file.display))
                frames.append(raw.reset_index())
        finally:
            connection.close()
    raw = pd.concat(frames, ignore_index=True)
    # Rows the loader dropped (no contact id, a duplicate) are not in `loaded` and stay out.
    rows = loaded.merge(raw, on=["_file", "_row"], how="inner", suffixes=("", " (source)"))
    label_column = label
    left_out: dict[str, str] = {}
    if label is None:
        mapped = {_mapped(file, "converted") for file in files} - {None}
        if not mapped:
            raise InputError(
                [
                    Problem(
                        files[0].display,
                        "no label column",
                        column="converted",
                        expected="a column mapped to converted in the config, or --label COLUMN",
                    )
                ]
            )
        label_column = sorted(mapped)[0]
        labels = rows["converted"].map({True: 1.0, False: 0.0})
    else:
        if label not in raw.columns:
            known = ", ".join(column for column in raw.columns if not column.startswith("_"))
            raise InputError(
                [
                    Problem(
                        files[0].display,
                        f"no column named {label!r} for --label",
                        expected=f"one of {known}",
                    )
                ]
            )
        labels, bad = parse_labels(rows[label], config)
        if bad.any():
            raise InputError(
                _row_problems(
                    rows,
                    all_files,
                    np.flatnonzero(bad.to_numpy()),
                    label,
                    "invalid yes/no value",
                    "1/0, yes/no, true/false or a value listed in normalize.true_values and "
                    "normalize.false_values",
                )
            )
    assert label_column is not None
    mapped_away = {
        name
        for file in files
        for column in PERSONAL_COLUMNS
        if (name := _mapped(file, column)) is not None
    }
    dated_by = {_mapped(file, "created_at") for file in files} - {None}
    converted = {_mapped(file, "converted") for file in files} - {None}
    notes: list[str] = []
    unlabelled = int(labels.isna().sum())
    if unlabelled:
        notes.append(f"{unlabelled:,} rows have no label and were left out")
    keep = labels.notna().to_numpy()
    candidates = [column for column in raw.columns if not column.startswith("_")]
    excluded, unmatched = match_excludes(exclude, candidates)
    for column in candidates:
        if column == label_column:
            left_out[column] = "the label"
        elif column in converted:
            left_out[column] = "the outcome mapped to converted, not the label chosen"
        elif column in mapped_away or _personal(column, raw[column]):
            left_out[column] = "names the lead or holds personal data"
        elif column in dated_by:
            left_out[column] = "dates the lead: orders the split, never a feature"
        elif column in excluded:
            left_out[column] = "excluded in the config or with --exclude"
    features = typed_features(
        rows.loc[keep, [column for column in candidates if column not in left_out]],
        config.normalize.placeholders,
    )
    _check_numbers(features, rows, all_files)
    features = features.reset_index(drop=True)
    features = _screen(features, left_out)
    dates = rows.loc[keep, "created_at"].reset_index(drop=True)
    if dates.isna().all():
        dates = None
    sources = rows.loc[keep, "lead_source"].reset_index(drop=True)
    if sources.isna().all():
        sources = None
    return TrainingSet(
        level="leads",
        label=label_column,
        features=features,
        labels=labels[keep].to_numpy(dtype=int),
        dates=dates,
        sources=sources,
        left_out=left_out,
        notes=notes
        + [warning for warning in report.warnings if "ignored columns not in" not in warning],
        unmatched_exclude=unmatched,
        conversion_label=label is None or label_column in converted,
    )


# -- Accounts ------------------------------------------------------------------------------------


def month_starts(first: date, last: date) -> list[date]:
    """Return the first day of every month from `first`'s month to `last`'s, inclusive."""
    months = []
    current = date(first.year, first.month, 1)
    while current <= last:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def _signal_points(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Points per account and signal family ('fit:industry', 'engagement:activity:demo')."""
    return connection.execute(
        """
        SELECT account_id,
               component || ':' || regexp_replace(
                   CASE WHEN component = 'intent' THEN 'topics' ELSE signal END,
                   ':unknown$', '') AS family,
               sum(points) AS points
        FROM signals GROUP BY ALL
        """
    ).df()


def _decayed_counts(
    connection: duckdb.DuckDBPyConnection, grid: list[float], lookback: int
) -> pd.DataFrame:
    """Activities per account and type, each weighted by exp(-age ln 2 / h) for every h."""
    sums = ", ".join(
        f"sum(exp(-age * {math.log(2) / half_life!r})) AS {quote(f'h{half_life:g}')}"
        for half_life in grid
    )
    return connection.execute(
        f"SELECT account_id, type, {sums} FROM touches "
        f"WHERE age >= 0 AND age <= {lookback} GROUP BY ALL"
    ).df()


def account_training_set(
    data_dir: Path,
    config: ScoringConfig,
    exclude: tuple[str, ...] = (),
    progress: Progress | None = None,
    snapshot_progress: Callable[[int, int], None] | None = None,
) -> TrainingSet:
    """Build a row per won or lost opportunity, with its account's signals before its creation."""
    grid = sorted(set(config.learning.half_life_grid))
    with tempfile.TemporaryDirectory(prefix="nextbest-train-") as workdir:
        connection = _connect(workdir)
        try:
            _files, report = _load(connection, data_dir, config, workdir, None, progress)
            for table in BASE_TABLES:
                connection.execute(f"CREATE TEMP TABLE base_{table} AS SELECT * FROM {table}")
            if progress:
                progress("Finding outcomes")
            resolve_identities(connection, config, LoadReport())
            outcomes = connection.execute(
                """
                SELECT opportunity_id, account_key AS account_id, created_at, closed_at,
                       outcome, product, lead_source
                FROM opportunities
                WHERE outcome IN ('won', 'lost') AND account_key IS NOT NULL
                ORDER BY created_at, opportunity_id
                """
            ).df()
            (open_deals, unmatched) = connection.execute(
                "SELECT count(*) FILTER (WHERE outcome NOT IN ('won', 'lost')), "
                "count(*) FILTER (WHERE outcome IN ('won', 'lost') AND account_key IS NULL) "
                "FROM opportunities"
            ).fetchone()
            if outcomes.empty:
                raise InputError(
                    [
                        Problem(
                            str(data_dir),
                            "no won or lost opportunities to learn from",
                            expected="an opportunities file with outcomes won and lost, "
                            "each naming a known account",
                        )
                    ]
                )
            outcomes["snapshot"] = [
                date(day.year, day.month, 1) for day in pd.to_datetime(outcomes["created_at"])
            ]
            snapshots = sorted(outcomes["snapshot"].unique())
            available = available_components(report)
            weights = effective_weights(config, available)
            rows = []
            decay_rows = []
            for number, snapshot in enumerate(snapshots, start=1):
                if snapshot_progress:
                    snapshot_progress(number - 1, len(snapshots))
                as_of = datetime.combine(snapshot, time())
                for table in BASE_TABLES:
                    connection.execute(
                        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM base_{table}"
                    )
                snapshot_report = LoadReport()
                apply_as_of(connection, as_of, snapshot_report)
                resolve_identities(connection, config, snapshot_report)
                prepare(connection, config, as_of)
                build_signals(connection, config, as_of)
                components = compute_components(connection, config, weights)
                points = _signal_points(connection).pivot_table(
                    index="account_id", columns="family", values="points", aggfunc="sum"
                )
                wanted = outcomes[outcomes["snapshot"] == snapshot]
                frame = wanted.merge(
                    components[["account_id", *COMPONENTS, "negative", "composite"]],
                    on="account_id",
                    how="left",
                ).merge(points, left_on="account_id", right_index=True, how="left")
                rows.append(frame)
                decayed = _decayed_counts(connection, grid, config.engagement.lookback_days)
                decay_rows.append(
                    wanted[["opportunity_id", "account_id"]].merge(decayed, on="account_id")
                )
            if snapshot_progress:
                snapshot_progress(len(snapshots), len(snapshots))
        finally:
            connection.close()
    table = pd.concat(rows, ignore_index=True)
    notes = [
        f"{len(table):,} won or lost opportunities at {len(snapshots)} monthly "
        f"{'snapshot' if len(snapshots) == 1 else 'snapshots'} "
        f"({snapshots[0]:%Y-%m} to {snapshots[-1]:%Y-%m})"
    ]
    if open_deals:
        notes.append(f"{open_deals:,} open opportunities have no outcome yet and were left out")
    if unmatched:
        notes.append(f"{unmatched:,} won or lost opportunities name no known account")
    rejected = report.tables["opportunities"].rejected
    if rejected:
        detail = ", ".join(f"{count:,} {why}" for why, count in rejected.items())
        notes.append(
            f"{sum(rejected.values()):,} opportunities were rejected on loading ({detail})"
        )
    families = [
        column
        for column in table.columns
        if isinstance(column, str)
        and column.split(":", 1)[0] in (*COMPONENTS, "negative")
        and ":" in column
    ]
    points = table[families].astype(float).fillna(0.0)
    features = points.copy()
    left_out: dict[str, str] = {}
    for column in ("product", "lead_source"):
        if table[column].notna().any():
            features[f"opportunity:{column}"] = (
                table[column].astype("string").str.strip().str.lower().astype(object)
            )
    excluded, unmatched = match_excludes(exclude, list(features.columns))
    for column in sorted(excluded):
        left_out[column] = "excluded in the config or with --exclude"
    features = features.drop(columns=sorted(excluded))
    left_out["opportunity:amount"] = (
        "an opportunity's amount is often its close value, known only after the outcome"
    )

    features = _screen(features, left_out)
    decay = _decay_features(table, decay_rows, grid)
    return TrainingSet(
        level="accounts",
        label="won",
        features=features,
        labels=(table["outcome"] == "won").to_numpy(dtype=int),
        dates=pd.to_datetime(table["created_at"]),
        sources=table["lead_source"] if table["lead_source"].notna().any() else None,
        left_out=left_out,
        notes=notes + report.warnings,
        components=table[[*COMPONENTS, "negative", "composite"]].astype(float).fillna(0.0),
        points=points,
        available=available,
        decay=decay,
        unmatched_exclude=unmatched,
    )


def _decay_features(
    table: pd.DataFrame, decay_rows: list[pd.DataFrame], grid: list[float]
) -> dict[str, dict[float, np.ndarray]]:
    """Per activity type and half-life, each training row's decayed count (0 when none)."""
    decayed = pd.concat(decay_rows, ignore_index=True) if decay_rows else pd.DataFrame()
    if decayed.empty:
        return {}
    order = table[["opportunity_id"]]
    result: dict[str, dict[float, np.ndarray]] = {}
    for activity_type, group in decayed.groupby("type"):
        aligned = order.merge(group, on="opportunity_id", how="left")
        result[str(activity_type)] = {
            half_life: aligned[f"h{half_life:g}"].fillna(0.0).to_numpy(dtype=float)
            for half_life in grid
        }
    return result
