"""Read source files into the canonical tables in DuckDB, validating and normalising every value.

Each file is read as text, mapped column by column onto the contract, and parsed with SQL
expressions, so millions of rows never pass through Python. Invalid values are collected for the
whole file and raised together; recoverable oddities are normalised and counted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from nextbest.scoring.config import ScoringConfig
from nextbest.scoring.contract import ACTIVITY_TYPES, OUTCOMES, TABLES, Kind, Table
from nextbest.scoring.errors import InputError, Problem
from nextbest.scoring.sources import MAX_LINE_BYTES, SourceFile, normalize_header
from nextbest.scoring.sql import literal, quote, text_list

MAX_EXAMPLES = 3
OFFSET_FORMATS = ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%d %H:%M:%S%z"]
NON_NEGATIVE = frozenset({"employees", "annual_revenue"})
# Larger numbers are errors: 1e15 dollars is about ten times the world's yearly output, and sums
# of numbers near the float limit (1e308) overflow to infinity.
MAX_NUMBER = 1e15
CLEAN_PREFIX = "__nextbest_clean_"
OUTCOME_SYNONYMS = {
    "closed won": "won",
    "closed_won": "won",
    "closed lost": "lost",
    "closed_lost": "lost",
}

Progress = Callable[[str], None]


@dataclass
class TableReport:
    """Row counts of one table: read, loaded, normalised, rejected, after as-of, unmatched."""

    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    normalised: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    after_as_of: int = 0
    unmatched: int = 0
    matched_by: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, object]:
        return {
            "files": self.files,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "normalised": dict(sorted(self.normalised.items())),
            "rejected": dict(sorted(self.rejected.items())),
            "after_as_of": self.after_as_of,
            "unmatched": self.unmatched,
            "matched_by": dict(sorted(self.matched_by.items())),
        }


@dataclass
class LoadReport:
    tables: dict[str, TableReport] = field(
        default_factory=lambda: {name: TableReport() for name in TABLES}
    )
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "tables": {name: report.to_dict() for name, report in self.tables.items()},
            "warnings": self.warnings,
        }


@dataclass
class _Column:
    """The SQL that computes one contract column from a source file."""

    name: str
    kind: Kind
    source: str | None
    text_sql: str
    clean_sql: str | None = None
    value_sql: str = ""
    expected: str = ""
    mixed_sql: str | None = None
    range_sql: str | None = None


class _FileLoader:
    """Stage one source file as a table of contract columns plus its row numbers."""

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        config: ScoringConfig,
        file: SourceFile,
        index: int,
        report: LoadReport,
    ) -> None:
        self.connection = connection
        self.config = config
        self.file = file
        self.table = TABLES[file.table]
        self.raw = f"raw_{index}"
        self.staged = f"staged_{index}"
        self.index = index
        self.report = report
        self.table_report = report.tables[file.table]

    def _source_column(self, name: str) -> str | None:
        source = self.file.source
        by_lower = {column.strip().lower(): column for column in self.file.columns}
        mapped = source.columns.get(name)
        if mapped is not None:
            candidates = [mapped] if isinstance(mapped, str) else mapped
            for candidate in candidates:
                if candidate.strip().lower() in by_lower:
                    return by_lower[candidate.strip().lower()]
            return None
        for column in self.file.columns:
            if normalize_header(column) == name:
                return column
        return None

    def _mapping_problem(self, name: str) -> Problem:
        mapped = self.file.source.columns.get(name)
        if mapped is not None:
            candidates = mapped if isinstance(mapped, str) else " or ".join(mapped)
            return Problem(
                self.file.display,
                "mapped column not found",
                column=candidates,
                expected=f"a column for {self.table.name}.{name}; the file has "
                + ", ".join(self.file.columns),
            )
        return Problem(
            self.file.display,
            "missing required column",
            column=name,
            expected=f"a column named {name!r} in the {self.table.name} table, "
            "or a mapping for it under the config's sources",
        )

    def read(self) -> None:
        path = literal(str(self.file.path))
        if self.file.file_format == "parquet":
            reader = f"read_parquet({path})"
        else:
            options = ", ".join(
                f"{key} = {self._option(value)}"
                for key, value in self.file.csv_options.items()
                if key != "expected_fields"
            )
            reader = f"read_csv({path}, all_varchar = true{', ' + options if options else ''})"
        longer_lines = reader[:-1] + f", max_line_size = {MAX_LINE_BYTES})"
        for attempt in (reader, longer_lines):
            try:
                self.connection.execute(
                    f"CREATE OR REPLACE TEMP TABLE {self.raw} AS SELECT * FROM {attempt}"
                )
                break
            except duckdb.Error as error:
                # A line beyond the sniffed sample may exceed DuckDB's default limit; one retry
                # with a larger limit, then the first line of DuckDB's message.
                if "max_line_size" in str(error) and attempt is reader:
                    continue
                first_line = str(error).splitlines()[0]
                raise InputError(
                    [Problem(self.file.display, f"cannot be read as CSV: {first_line}")]
                ) from None
        (rows,) = self.connection.execute(f"SELECT count(*) FROM {self.raw}").fetchone()
        self.table_report.rows_read += rows
        self.table_report.files.append(self.file.display)
        ragged = self._extra_fields()
        if ragged:
            raise InputError(ragged)
        if rows == 0:
            if self.table.name == "accounts":
                raise InputError(
                    [
                        Problem(
                            self.file.display,
                            "file has no data rows",
                            expected="at least one account",
                        )
                    ]
                )
            self.report.warnings.append(f"{self.file.display}: no data rows, only a header")

    def _extra_fields(self) -> list[Problem]:
        """Report rows with more fields than the header, found when reading leniently."""
        expected = self.file.csv_options.get("expected_fields")
        if expected is None:
            return []
        extra = [quote(column) for column in self.file.columns[expected:]]
        if not extra:
            return []
        condition = " OR ".join(f"{column} IS NOT NULL" for column in extra)
        rows = self.connection.execute(
            f"SELECT rowid + {self.file.first_data_row} FROM {self.raw} WHERE {condition} "
            f"ORDER BY rowid LIMIT {MAX_EXAMPLES + 1}"
        ).fetchall()
        problems = [
            Problem(
                self.file.display,
                "row has more fields than the header",
                row=row,
                expected=f"{expected} fields, as in the header; quote values that contain "
                "the delimiter",
            )
            for (row,) in rows[:MAX_EXAMPLES]
        ]
        if len(rows) > MAX_EXAMPLES:
            problems.append(Problem(self.file.display, "more rows have extra fields"))
        return problems

    @staticmethod
    def _option(value: object) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return "[" + ", ".join(literal(str(item)) for item in value) + "]"
        if isinstance(value, int):
            return str(value)
        return literal(str(value))

    def _source_types(self) -> dict[str, str]:
        rows = self.connection.execute(f"DESCRIBE {self.raw}").fetchall()
        return {row[0]: str(row[1]) for row in rows}

    def _clean_text(self, column: str, source_type: str) -> str:
        placeholders = [value.strip().lower() for value in self.config.normalize.placeholders]
        raw = f"CAST({quote(column)} AS VARCHAR)" if source_type != "VARCHAR" else quote(column)
        # Testing the ends first halves the cost of TRIM on millions of values that need none.
        text = (
            f"CASE WHEN starts_with({raw}, ' ') OR ends_with({raw}, ' ') OR {raw} = '' "
            f"THEN NULLIF(TRIM({raw}), '') ELSE {raw} END"
        )
        if source_type != "VARCHAR" or not placeholders:
            return text
        # Placeholders are short, so the length test skips the lower-casing for most values.
        longest = max(len(value) for value in placeholders)
        return (
            f"CASE WHEN length({raw}) <= {longest + 4} AND lower(TRIM({raw})) "
            f"IN ({text_list(placeholders)}) THEN NULL ELSE {text} END"
        )

    def _mapped_values(self, name: str, text: str) -> str:
        mapping = self.file.source.values.get(name)
        if not mapping:
            return text
        default = mapping.get("*")
        cases = " ".join(
            f"WHEN {literal(key.strip().lower())} THEN {literal(value)}"
            for key, value in mapping.items()
            if key != "*"
        )
        otherwise = literal(default) if default is not None else text
        return (
            f"CASE WHEN {text} IS NULL THEN NULL "
            f"ELSE CASE lower({text}) {cases} ELSE {otherwise} END END"
        )

    def _date_formats(self, text: str) -> list[str]:
        """Order the candidate formats so the one that parses most of a sample comes first."""
        source = self.file.source
        month_first = list(self.config.normalize.date_formats)
        day_first = [self._swap_day_month(fmt) for fmt in month_first]
        preferred, fallback = (
            (day_first, month_first)
            if self.config.normalize.day_first
            else (month_first, day_first)
        )
        formats = preferred + [fmt for fmt in fallback if fmt not in preferred]
        if source.date_format:
            return [source.date_format] + [fmt for fmt in formats if fmt != source.date_format]
        sample = self.connection.execute(
            f"SELECT DISTINCT t FROM (SELECT {text} AS t FROM {self.raw} LIMIT 20000) "
            "WHERE t IS NOT NULL LIMIT 2000"
        ).fetchall()
        if not sample:
            return formats
        counts = self.connection.execute(
            "SELECT "
            + ", ".join(f"count(try_strptime(t, {literal(fmt)}))" for fmt in formats)
            + " FROM (VALUES "
            + ", ".join(f"({literal(value)})" for (value,) in sample)
            + ") AS sample(t)"
        ).fetchone()
        best = max(range(len(formats)), key=lambda position: (counts[position], -position))
        return [formats[best], *formats[:best], *formats[best + 1 :]]

    @staticmethod
    def _swap_day_month(fmt: str) -> str:
        if fmt.startswith("%m/%d"):
            return "%d/%m" + fmt[5:]
        if fmt.startswith("%d/%m"):
            return "%m/%d" + fmt[5:]
        return fmt

    def _column(self, name: str, source_column: str | None, source_type: str) -> _Column:
        contract_column = self.table.column(name)
        kind = contract_column.kind
        file_date = self.file.source.file_date
        if source_column is None and file_date is not None and file_date.column == name:
            match = re.search(file_date.pattern, self.file.display)
            value = match.group(1) if match and match.groups() else None
            parsed = datetime.strptime(value, file_date.format) if value else None
            if parsed is None:
                raise InputError(
                    [
                        Problem(
                            self.file.display,
                            f"no date for column {name!r} in the file name",
                            expected=f"a name matching {file_date.pattern!r}",
                        )
                    ]
                )
            sql = f"TIMESTAMP {literal(parsed.isoformat(sep=' '))}"
            return _Column(name, kind, None, "NULL", value_sql=sql)
        if source_column is None:
            return _Column(name, kind, None, "NULL", value_sql=self._null_of(kind))

        # The cleaned text is computed once in an inner query and read here by name, because
        # DuckDB evaluates a repeated expression inside CASE branches again for every use.
        clean = self._mapped_values(name, self._clean_text(source_column, source_type))
        text = quote(CLEAN_PREFIX + name)
        column = _Column(name, kind, source_column, text, clean)
        unit = self.file.source.units.get(name, 1.0)
        native_number = source_type in {
            "DOUBLE",
            "FLOAT",
            "BIGINT",
            "INTEGER",
            "SMALLINT",
            "TINYINT",
            "HUGEINT",
            "UBIGINT",
            "UINTEGER",
        } or source_type.startswith("DECIMAL")
        if kind is Kind.TEXT:
            column.value_sql = text
            if name == "type" and self.table.name == "activities":
                vocabulary = text_list(list(ACTIVITY_TYPES))
                snake = f"regexp_replace(lower({text}), '[^a-z0-9]+', '_', 'g')"
                # Canonical labels skip the regular expression, which costs seconds per 10M rows.
                column.value_sql = (
                    f"CASE WHEN {text} IN ({vocabulary}) THEN {text} "
                    f"WHEN {snake} IN ({vocabulary}) THEN {snake} END"
                )
                column.expected = (
                    "an activity type: "
                    + ", ".join(ACTIVITY_TYPES)
                    + "; map other labels under the source's values.type"
                )
            elif name == "outcome":
                cases = " ".join(
                    f"WHEN {literal(key)} THEN {literal(value)}"
                    for key, value in OUTCOME_SYNONYMS.items()
                )
                lower = f"lower({text})"
                column.value_sql = (
                    f"CASE WHEN {lower} IN ({text_list(list(OUTCOMES))}) THEN {lower} "
                    f"ELSE CASE {lower} {cases} END END"
                )
                column.expected = (
                    "won, lost or open; map other stages under the source's values.outcome"
                )
        elif kind in (Kind.NUMBER, Kind.INTEGER):
            if native_number:
                number = f"CAST({quote(source_column)} AS DOUBLE)"
            else:
                # Only "$" is dropped: amounts are in US dollars, and "€5,000" needs a unit.
                stripped = rf"regexp_replace({text}, '[\s$,_]|%$', '', 'g')"
                # Commas must group thousands: "50000000,50" is a decimal comma, and dropping it
                # would read a number 100 times too large.
                grouped = (
                    f"(NOT contains({text}, ',') OR regexp_full_match({text}, "
                    "'[^,0-9]*[0-9]{1,3}(,[0-9]{3})+([.][0-9]*)?[^,0-9]*'))"
                )
                number = f"CASE WHEN {grouped} THEN TRY_CAST({stripped} AS DOUBLE) END"
                if kind is Kind.INTEGER:
                    pattern = "'^([0-9,. ]+)\\s*[-–]\\s*([0-9,. ]+)$'"
                    bounds = f"regexp_extract({text}, {pattern}, ['lo', 'hi'])"
                    low = f"TRY_CAST(regexp_replace({bounds}.lo, '[ ,.]', '', 'g') AS DOUBLE)"
                    high = f"TRY_CAST(regexp_replace({bounds}.hi, '[ ,.]', '', 'g') AS DOUBLE)"
                    at_least = f"regexp_extract({text}, '^([0-9,. ]+)\\+$', 1)"
                    plus = f"TRY_CAST(regexp_replace({at_least}, '[ ,.]', '', 'g') AS DOUBLE)"
                    column.range_sql = (
                        f"({number} IS NULL AND ({low} IS NOT NULL OR {plus} IS NOT NULL))"
                    )
                    number = f"COALESCE({number}, round(({low} + {high}) / 2), {plus})"
            if unit != 1.0:
                number = f"({number} * {unit!r})"
            number = (
                f"(CASE WHEN isfinite({number}) AND abs({number}) <= {MAX_NUMBER!r} "
                f"THEN {number} END)"
            )
            column.expected = "a whole number" if kind is Kind.INTEGER else "a number"
            if name in NON_NEGATIVE:
                number = f"(CASE WHEN {number} >= 0 THEN {number} END)"
                column.expected += f" from 0 to {MAX_NUMBER:g}"
            else:
                column.expected += f" between {-MAX_NUMBER:g} and {MAX_NUMBER:g}"
            if kind is Kind.NUMBER and not native_number:
                # "2,5" is rejected, and a reader used to decimal commas needs to know why.
                column.expected += ", written with a decimal point"
            if kind is Kind.INTEGER:
                number = f"TRY_CAST(round({number}) AS BIGINT)"
            column.value_sql = number
            if name == "score":
                column.value_sql = f"CASE WHEN {number} BETWEEN 0 AND 100 THEN {number} END"
                column.expected = "a score from 0 to 100"
        elif kind is Kind.DATE:
            if source_type.startswith(("TIMESTAMP", "DATE")):
                column.value_sql = f"CAST({quote(source_column)} AS TIMESTAMP)"
            else:
                formats = self._date_formats(clean)
                main = f"try_strptime({text}, {literal(formats[0])})"
                # Offsets such as +02:00 give TIMESTAMPTZ, which DuckDB casts to UTC here.
                with_offset = (
                    f"CAST(try_strptime({text}, [{text_list(OFFSET_FORMATS)}]) AS TIMESTAMP)"
                )
                column.value_sql = (
                    f"COALESCE({main}, try_strptime({text}, [{text_list(formats[1:])}]), "
                    f"{with_offset})"
                )
                column.mixed_sql = f"{main} IS NULL"
                column.expected = (
                    f"a date such as 2026-03-31 or in this column's format {formats[0]}; "
                    "set date_format on the source for another"
                )
        elif kind is Kind.BOOLEAN:
            if source_type == "BOOLEAN":
                column.value_sql = quote(source_column)
            else:
                truthy = text_list([value.lower() for value in self.config.normalize.true_values])
                falsy = text_list([value.lower() for value in self.config.normalize.false_values])
                column.value_sql = (
                    f"CASE WHEN lower({text}) IN ({truthy}) THEN TRUE "
                    f"WHEN lower({text}) IN ({falsy}) THEN FALSE END"
                )
                column.expected = (
                    f"yes or no: one of {', '.join(self.config.normalize.true_values)} or "
                    f"{', '.join(self.config.normalize.false_values)}"
                )
        return column

    @staticmethod
    def _null_of(kind: Kind) -> str:
        return {
            Kind.TEXT: "CAST(NULL AS VARCHAR)",
            Kind.INTEGER: "CAST(NULL AS BIGINT)",
            Kind.NUMBER: "CAST(NULL AS DOUBLE)",
            Kind.DATE: "CAST(NULL AS TIMESTAMP)",
            Kind.BOOLEAN: "CAST(NULL AS BOOLEAN)",
        }[kind]

    def plan(self) -> list[_Column]:
        types = self._source_types()
        problems: list[Problem] = []
        columns: list[_Column] = []
        for contract_column in self.table.columns:
            source_column = self._source_column(contract_column.name)
            file_date = self.file.source.file_date
            dated_by_name = file_date is not None and file_date.column == contract_column.name
            # A preset lists columns an export may have; a user's mapping names columns it must.
            mapped_by_user = (
                contract_column.name in self.file.source.columns and not self.file.source.preset
            )
            if source_column is None and (
                mapped_by_user or (contract_column.required and not dated_by_name)
            ):
                problems.append(self._mapping_problem(contract_column.name))
                continue
            columns.append(
                self._column(
                    contract_column.name, source_column, types.get(source_column or "", "VARCHAR")
                )
            )
        mapped = {column.name for column in columns if column.source or column.text_sql != "NULL"}
        mapped |= {column.name for column in columns if column.value_sql.startswith("TIMESTAMP")}
        for group in self.table.one_of:
            if not mapped & set(group):
                problems.append(
                    Problem(
                        self.file.display,
                        "missing columns",
                        expected=f"at least one of {', '.join(group)} to find each row's account",
                    )
                )
        if problems:
            raise InputError(problems)
        used = {column.source for column in columns if column.source}
        ignored = [column for column in self.file.columns if column not in used]
        if ignored and not self.file.source.distinct and not self.file.source.preset:
            self.report.warnings.append(
                f"{self.file.display}: ignored columns not in the {self.table.name} table: "
                + ", ".join(ignored)
            )
        return columns

    def stage(self, columns: list[_Column]) -> None:
        """Create the staged table and count what normalisation changed.

        A placeholder or blank is a value present in the file but missing after cleaning, so
        comparing non-missing counts before and after finds them without a second scan of text.
        """
        mapped = [column for column in columns if column.source is not None]
        selected = [f"{self.index} AS _file", f"rowid + {self.file.first_data_row} AS _row"]
        for column in columns:
            selected.append(f"{column.value_sql} AS {quote(column.name)}")
            if column.expected:
                selected.append(f"{column.text_sql} AS {quote('_text_' + column.name)}")
            if column.mixed_sql:
                selected.append(f"{column.mixed_sql} AS {quote('_mixed_' + column.name)}")
            if column.range_sql:
                selected.append(f"{column.range_sql} AS {quote('_range_' + column.name)}")
        present = [f"count({quote(column.source or '')})" for column in mapped]
        raw_counts = (
            self.connection.execute(f"SELECT {', '.join(present)} FROM {self.raw}").fetchone()
            if present
            else ()
        )
        cleaned = ", ".join(
            f"{column.clean_sql} AS {quote(CLEAN_PREFIX + column.name)}"
            for column in columns
            if column.clean_sql
        )
        inner = f"SELECT *, rowid{', ' + cleaned if cleaned else ''} FROM {self.raw}"
        self.connection.execute(
            f"CREATE OR REPLACE TEMP TABLE {self.staged} AS "
            f"SELECT {', '.join(selected)} FROM ({inner})"
        )
        self.connection.execute(f"DROP TABLE {self.raw}")

        checks = []
        for column in mapped:
            cleaned = "_text_" + column.name if column.expected else column.name
            checks.append(f"count({quote(cleaned)})")
            if column.mixed_sql:
                checks.append(
                    f"count(*) FILTER (WHERE {quote('_mixed_' + column.name)} "
                    f"AND {quote(column.name)} IS NOT NULL)"
                )
            if column.range_sql:
                checks.append(f"count(*) FILTER (WHERE {quote('_range_' + column.name)})")
        if not checks:
            return
        counts = iter(
            self.connection.execute(f"SELECT {', '.join(checks)} FROM {self.staged}").fetchone()
        )
        normalised = self.table_report.normalised
        for column, before in zip(mapped, raw_counts, strict=True):
            normalised["placeholder or blank values"] += before - next(counts)
            if column.mixed_sql:
                normalised[f"{column.name} in another date format"] += next(counts)
            if column.range_sql:
                normalised[f"{column.name} ranges set to their midpoint"] += next(counts)
        self.table_report.normalised = +normalised

    def validate(self, columns: list[_Column]) -> list[Problem]:
        typed = [column for column in columns if column.expected]
        if not typed:
            return []
        counts = self.connection.execute(
            "SELECT "
            + ", ".join(
                f"count(*) FILTER (WHERE {quote('_text_' + column.name)} IS NOT NULL "
                f"AND {quote(column.name)} IS NULL)"
                for column in typed
            )
            + f" FROM {self.staged}"
        ).fetchone()
        problems = []
        for column, invalid in zip(typed, counts, strict=True):
            if invalid == 0:
                continue
            examples = self.connection.execute(
                f"SELECT _row, {quote('_text_' + column.name)} FROM {self.staged} "
                f"WHERE {quote('_text_' + column.name)} IS NOT NULL "
                f"AND {quote(column.name)} IS NULL "
                f"ORDER BY _row LIMIT {MAX_EXAMPLES}"
            ).fetchall()
            message = self._invalid_message(column)
            for row, value in examples:
                problems.append(
                    Problem(
                        self.file.display,
                        message,
                        row=row,
                        column=column.source,
                        value=value,
                        expected=column.expected,
                    )
                )
            if invalid > len(examples):
                problems.append(
                    Problem(
                        self.file.display,
                        f"{invalid - len(examples):,} more "
                        f"{'row' if invalid - len(examples) == 1 else 'rows'} with "
                        f"{'an' if message[0] in 'aeiou' else 'a'} {message} in column "
                        f"{column.source!r}",
                        count=invalid - len(examples),
                    )
                )
        return problems

    def _invalid_message(self, column: _Column) -> str:
        if column.name == "type" and self.table.name == "activities":
            return "unknown activity type"
        if column.name == "outcome":
            return "unknown opportunity outcome"
        if column.name == "score":
            return "invalid or out-of-range score"
        return {
            Kind.NUMBER: "invalid number",
            Kind.INTEGER: "invalid whole number",
            Kind.DATE: "invalid date",
            Kind.BOOLEAN: "invalid yes/no value",
            Kind.TEXT: "invalid value",
        }[column.kind]


def _reject_missing(
    connection: duckdb.DuckDBPyConnection, name: str, table: Table, report: TableReport
) -> None:
    required = [
        column.name
        for column in table.columns
        if column.required
        and not (table.name == "opportunities" and column.name == "account_id")
        and not (table.name == "accounts" and column.name == "name")
    ]
    for column in required:
        (missing,) = connection.execute(
            f"SELECT count(*) FROM {name} WHERE {quote(column)} IS NULL"
        ).fetchone()
        if missing:
            report.rejected[f"missing {column}"] += missing
            connection.execute(f"DELETE FROM {name} WHERE {quote(column)} IS NULL")


def _check_duplicates(
    connection: duckdb.DuckDBPyConnection,
    table: Table,
    displays: dict[int, str],
    report: TableReport,
) -> list[Problem]:
    """Drop exact duplicate rows (counted) and report conflicting rows that share a key."""
    key = table.key
    if key is None:
        return []
    columns = ", ".join(quote(column) for column in table.column_names)
    (before,) = connection.execute(f"SELECT count(*) FROM {table.name}").fetchone()
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {table.name} AS SELECT * FROM {table.name} "
        f"QUALIFY row_number() OVER (PARTITION BY {columns} ORDER BY _file, _row) = 1"
    )
    (after,) = connection.execute(f"SELECT count(*) FROM {table.name}").fetchone()
    if before > after:
        report.normalised["duplicate rows removed"] += before - after
    duplicates = connection.execute(
        f"SELECT {quote(key)}, list(_file ORDER BY _file, _row), list(_row ORDER BY _file, _row) "
        f"FROM {table.name} GROUP BY {quote(key)} HAVING count(*) > 1 "
        f"ORDER BY min(_file), min(_row) LIMIT {MAX_EXAMPLES + 1}"
    ).fetchall()
    problems = []
    for value, files, rows in duplicates[:MAX_EXAMPLES]:
        first = f"{displays[files[0]]} row {rows[0]}"
        problems.append(
            Problem(
                displays[files[1]],
                f"duplicate {key} (first seen at {first})",
                row=rows[1],
                column=key,
                value=value,
                expected=f"each {key} once",
            )
        )
    if len(duplicates) > MAX_EXAMPLES:
        problems.append(Problem(table.name, f"more duplicate {key} values not listed"))
    return problems


def _combine(
    connection: duckdb.DuckDBPyConnection,
    table: Table,
    staged: list[tuple[int, SourceFile]],
    report: TableReport,
) -> None:
    """Union a table's staged files into one table; merge `distinct` sources into a row per key."""
    columns = ", ".join(quote(column) for column in table.column_names)
    plain = [
        f"SELECT _file, _row, {columns} FROM staged_{i}" for i, f in staged if not f.source.distinct
    ]
    distinct = [
        f"SELECT _file, _row, {columns} FROM staged_{i}" for i, f in staged if f.source.distinct
    ]
    parts = list(plain)
    if distinct and table.key:
        key = quote(table.key)
        union = " UNION ALL ".join(distinct)
        aggregates = ", ".join(
            f"any_value({quote(column)} ORDER BY _file, _row) AS {quote(column)}"
            for column in table.column_names
            if column != table.key
        )
        (repeated,) = connection.execute(
            f"SELECT count(*) - count(DISTINCT {key}) FROM ({union}) WHERE {key} IS NOT NULL"
        ).fetchone()
        if repeated:
            report.normalised["repeated rows merged"] += repeated
        parts.append(
            f"SELECT min(_file) AS _file, min(_row) AS _row, {key}, {aggregates} "
            f"FROM ({union}) WHERE {key} IS NOT NULL GROUP BY {key}"
        )
    elif distinct:
        parts.extend(distinct)
    if len(plain) == 1 and not distinct:
        # One file fills the table: renaming skips copying what may be millions of rows. The
        # staging helper columns stay, and nothing downstream reads them.
        connection.execute(f"ALTER TABLE staged_{staged[0][0]} RENAME TO {table.name}")
        return
    if parts:
        body = " UNION ALL BY NAME ".join(f"SELECT * FROM ({part})" for part in parts)
        connection.execute(f"CREATE OR REPLACE TEMP TABLE {table.name} AS {body}")
        for index, _ in staged:
            connection.execute(f"DROP TABLE staged_{index}")
        return
    empty = ", ".join(
        f"{_FileLoader._null_of(column.kind)} AS {quote(column.name)}" for column in table.columns
    )
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {table.name} AS "
        f"SELECT 0 AS _file, 0 AS _row, {empty} LIMIT 0"
    )


def load_tables(
    connection: duckdb.DuckDBPyConnection,
    files: list[SourceFile],
    config: ScoringConfig,
    report: LoadReport,
    progress: Progress | None = None,
) -> None:
    """Create one canonical table per contract table, with `_file` and `_row` for messages."""
    problems: list[Problem] = []
    staged: dict[str, list[tuple[int, SourceFile]]] = {name: [] for name in TABLES}
    displays = {index: file.display for index, file in enumerate(files)}
    for index, file in enumerate(files):
        if progress:
            progress(f"Reading {file.display} ({file.table})")
        loader = _FileLoader(connection, config, file, index, report)
        try:
            loader.read()
            columns = loader.plan()
        except InputError as error:
            problems.extend(error.problems)
            continue
        loader.stage(columns)
        problems.extend(loader.validate(columns))
        staged[file.table].append((index, file))
    if problems:
        raise InputError(problems)

    for name, table in TABLES.items():
        _combine(connection, table, staged[name], report.tables[name])
        _reject_missing(connection, name, table, report.tables[name])
        problems.extend(_check_duplicates(connection, table, displays, report.tables[name]))
        report.tables[name].normalised = +report.tables[name].normalised
    if problems:
        raise InputError(problems)

    (unnamed,) = connection.execute("SELECT count(*) FROM accounts WHERE name IS NULL").fetchone()
    if unnamed:
        report.tables["accounts"].normalised["name missing, account_id used"] += unnamed
        connection.execute("UPDATE accounts SET name = account_id WHERE name IS NULL")
