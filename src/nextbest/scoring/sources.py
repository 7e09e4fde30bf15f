"""Find the files in a data folder and decide which contract table each one fills, and how."""

from __future__ import annotations

import codecs
import csv
import fnmatch
import io
import re
import shutil
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import duckdb
import yaml
from charset_normalizer import from_bytes

from nextbest.scoring.config import ScoringConfig, Source
from nextbest.scoring.errors import InputError, Problem

TABLE_FILE_NAMES: dict[str, str] = {
    **dict.fromkeys(("accounts", "account", "companies", "company"), "accounts"),
    **dict.fromkeys(("contacts", "contact", "leads", "lead", "people"), "contacts"),
    **dict.fromkeys(
        ("activities", "activity", "engagement", "engagements", "events"), "activities"
    ),
    **dict.fromkeys(("intent", "intent_data", "surge", "topics"), "intent"),
    **dict.fromkeys(("opportunities", "opportunity", "deals", "deal", "pipeline"), "opportunities"),
}
DATA_SUFFIXES = {".csv", ".tsv", ".txt", ".parquet", ".pq"}
SNIFF_BYTES = 1 << 16
DELIMITERS = ",;\t|"
WESTERN_PUNCTUATION = frozenset("€£¥©®°±·«»–—‘’“”…•¡¿§ ")
# DuckDB's default maximum line is 2 MB, which long free-text fields can exceed. A larger limit
# doubles the read time of every file, so it is set only for files that need it.
MAX_LINE_BYTES = 1 << 26

FileFormat = Literal["csv", "parquet"]


@dataclass(frozen=True)
class SourceFile:
    """One file to load, the table it fills and the mapping that gets it there."""

    path: Path
    display: str
    table: str
    source: Source
    file_format: FileFormat
    columns: tuple[str, ...]
    origin: str
    csv_options: dict[str, Any] = field(default_factory=dict)

    @property
    def first_data_row(self) -> int:
        """The spreadsheet-style number of the first data row (the header is row 1)."""
        return 2 if self.source.header and self.file_format == "csv" else 1


@dataclass
class Discovery:
    files: list[SourceFile]
    warnings: list[str]


@dataclass(frozen=True)
class Preset:
    name: str
    source: Source
    signatures: tuple[tuple[str, ...], ...]
    also: tuple[Source, ...]


def normalize_header(name: str) -> str:
    """Turn a header such as 'Account ID' or 'account-id' into 'account_id'."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


@cache
def presets() -> dict[str, Preset]:
    text = resources.files("nextbest.scoring").joinpath("presets.yaml").read_text("utf-8")
    result = {}
    for name, spec in yaml.safe_load(text).items():
        spec = dict(spec)
        signatures = tuple(tuple(columns) for columns in spec.pop("signature", []))
        also_specs = spec.pop("also", [])
        spec.setdefault("files", "*")
        source = Source.model_validate(spec)
        also = tuple(
            Source.model_validate(
                {
                    "files": source.files,
                    "header": source.header,
                    "names": source.names,
                    **extra,
                }
            )
            for extra in also_specs
        )
        result[name] = Preset(name, source.model_copy(update={"preset": name}), signatures, also)
    return result


def _sniff_bytes(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(SNIFF_BYTES)


def _detect_format(path: Path, display: str, head: bytes) -> FileFormat:
    if not head:
        raise InputError(
            [Problem(display, "file is empty", expected="a header row and at least one data row")]
        )
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        message = "is a ZIP archive or an Excel workbook, not CSV or Parquet"
        raise InputError([Problem(display, message, expected="CSV; export the sheet as CSV")])
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        message = "is an old Excel (.xls) workbook, not CSV or Parquet"
        raise InputError([Problem(display, message, expected="CSV; export the sheet as CSV")])
    if path.suffix.lower() in {".parquet", ".pq"}:
        raise InputError([Problem(display, "is not a Parquet file", expected="Parquet data")])
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if b"\x00" in head and not utf16:
        message = "is a binary file, not CSV or Parquet"
        raise InputError([Problem(display, message, expected="text in CSV format")])
    return "csv"


def _detect_encoding(head: bytes, configured: str | None) -> str:
    if configured:
        return configured
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head
    if len(head) == SNIFF_BYTES:
        # The read may have cut a multi-byte character in two; decode whole lines only.
        sample = head[: head.rfind(b"\n") + 1] or head
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _reads_as_western(sample):
        return "cp1252"
    guess = from_bytes(sample).best()
    return guess.encoding if guess is not None else "cp1252"


def _reads_as_western(sample: bytes) -> bool:
    """Tell whether bytes decode as cp1252 into Western European letters and punctuation.

    Statistical detectors mistake short Western text, such as a name with one accent, for
    Big5 or cp1250; cp1252 is the usual encoding of non-UTF-8 exports from Western CRMs.
    """
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return all(
        char.isascii() or (char.isalpha() and ord(char) < 0x250) or char in WESTERN_PUNCTUATION
        for char in text
    )


def _to_utf8(path: Path, encoding: str, workdir: Path) -> Path:
    """Copy a file in another encoding to UTF-8, streaming, so DuckDB can read it."""
    target = workdir / f"{len(list(workdir.iterdir()))}-{path.name}"
    with (
        path.open("r", encoding=encoding, newline="") as source,
        target.open("w", encoding="utf-8", newline="") as sink,
    ):
        shutil.copyfileobj(source, sink, 1 << 20)
    return target


def _csv_columns(path: Path, options: dict[str, Any]) -> tuple[str, ...]:
    connection = duckdb.connect()
    try:
        relation = connection.read_csv(str(path), all_varchar=True, **options)
        return tuple(relation.columns)
    finally:
        connection.close()


def _parquet_columns(path: Path) -> tuple[str, ...]:
    connection = duckdb.connect()
    try:
        return tuple(connection.read_parquet(str(path)).columns)
    finally:
        connection.close()


@dataclass(frozen=True)
class _Opened:
    path: Path
    file_format: FileFormat
    options: dict[str, Any]
    columns: tuple[str, ...]
    notice: str | None = None


def _open(path: Path, display: str, source: Source | None, workdir: Path) -> _Opened:
    """Sniff a file's format and encoding and read its header."""
    head = _sniff_bytes(path)
    file_format = _detect_format(path, display, head)
    if file_format == "parquet":
        try:
            return _Opened(path, "parquet", {}, _parquet_columns(path))
        except duckdb.Error as error:
            first_line = str(error).splitlines()[0]
            raise InputError(
                [Problem(display, f"is not a readable Parquet file: {first_line}")]
            ) from None

    encoding = _detect_encoding(head, source.encoding if source else None)
    notice = None
    if not (source and source.encoding) and encoding not in {"utf-8", "utf-16"}:
        notice = (
            f"{display}: not UTF-8, read as {encoding}; set encoding on its source in the "
            "config if the text looks wrong"
        )
    readable = path
    if encoding.replace("_", "-").lower() not in {"utf-8", "utf8", "ascii"}:
        try:
            readable = _to_utf8(path, encoding, workdir)
        except (UnicodeDecodeError, LookupError) as error:
            message = f"cannot be read as {encoding} text ({error})"
            raise InputError([Problem(display, message, expected="UTF-8 text")]) from None
    if not head.strip(b"\xef\xbb\xbf \r\n\t"):
        message = "file is empty"
        raise InputError([Problem(display, message, expected="a header row and data rows")])

    options: dict[str, Any] = {"header": source.header if source else True}
    if source and source.delimiter:
        options["sep"] = source.delimiter
    if source and source.names:
        options["names"] = source.names
    try:
        columns = _csv_columns(readable, options)
    except duckdb.Error as error:
        columns = ()
        if "max_line_size" in str(error):
            options["max_line_size"] = MAX_LINE_BYTES
            columns = _csv_columns(readable, options)
    header = _python_header(readable, source.delimiter if source else None)
    if options["header"] and header is not None and len(header[1]) != len(columns):
        # DuckDB's dialect sniffer gives up on rows with more or fewer fields than the header
        # and falls back to one column. Reading with the delimiter Python's sniffer found keeps
        # every row; the loader then reports rows with extra fields.
        delimiter, names = header
        options |= {"sep": delimiter, "strict_mode": False, "null_padding": True}
        try:
            columns = _csv_columns(readable, options)
        except duckdb.Error as error:
            first_line = str(error).splitlines()[0]
            raise InputError([Problem(display, f"is not valid CSV: {first_line}")]) from None
        options["expected_fields"] = len(names)
    elif not columns:
        raise InputError([Problem(display, "is not valid CSV", expected="comma-separated text")])
    return _Opened(readable, "csv", options, columns, notice)


def _python_header(path: Path, delimiter: str | None) -> tuple[str, list[str]] | None:
    """Return the delimiter and header fields as Python's csv module reads them, if it can."""
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
        sample = handle.read(SNIFF_BYTES)
    if not sample.strip():
        return None
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
        except csv.Error:
            # The sniffer wants the same field count on every line; the header alone decides.
            first_line = sample.splitlines()[0]
            delimiter = max(DELIMITERS, key=first_line.count)
            if first_line.count(delimiter) == 0:
                return None
    try:
        header = next(csv.reader(io.StringIO(sample), delimiter=delimiter))
    except (csv.Error, StopIteration):
        return None
    return delimiter, header


def _signature_matches(preset: Preset, columns: tuple[str, ...]) -> bool:
    present = {column.strip().lower() for column in columns}
    return any(
        all(name.strip().lower() in present for name in signature)
        for signature in preset.signatures
    )


def _headerless_preset(name: str) -> Preset | None:
    for preset in presets().values():
        if preset.source.header or not fnmatch.fnmatch(name, preset.source.files):
            continue
        return preset
    return None


def _expand(source: Source) -> tuple[Source, tuple[Source, ...]]:
    """Merge a config source over the preset it names, if any."""
    if source.preset is None:
        return source, ()
    preset = presets().get(source.preset)
    if preset is None:
        raise InputError(
            [
                Problem(
                    "config",
                    "unknown preset",
                    column="sources.preset",
                    value=source.preset,
                    expected=f"one of {', '.join(presets())}",
                )
            ]
        )
    explicit = source.model_dump(exclude_unset=True)
    merged = preset.source.model_dump()
    for key, value in explicit.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    also = tuple(extra.model_copy(update={"files": source.files}) for extra in preset.also)
    return Source.model_validate(merged), also


def discover(
    data_dir: Path, config: ScoringConfig, workdir: Path, required: str = "accounts"
) -> Discovery:
    """Decide, for every file in the data folder, which table it fills and how.

    Files claimed by the config's sources come first. The rest are recognised by a headerless
    preset's file name, by a preset's header signature, or by their own name (accounts.csv,
    deals.parquet, ...). Anything else is skipped with a warning. The `required` table must be
    filled: accounts for scoring, contacts for learning from leads.
    """
    if data_dir.is_file():
        raise InputError(
            [
                Problem(
                    str(data_dir),
                    "is a file, not a folder",
                    expected=f"the folder that contains it, {data_dir.parent}",
                )
            ]
        )
    if not data_dir.is_dir():
        raise InputError([Problem(str(data_dir), "data folder not found", expected="a folder")])

    candidates = sorted(
        path for path in data_dir.iterdir() if path.is_file() and not path.name.startswith(".")
    )
    claimed: set[Path] = set()
    planned: list[tuple[Path, Source, str]] = []
    problems: list[Problem] = []
    warnings: list[str] = []

    for source in config.sources:
        expanded, also = _expand(source)
        matches = [path for path in candidates if fnmatch.fnmatch(path.name, source.files)]
        if not matches:
            problems.append(
                Problem(
                    str(data_dir),
                    f"no file matches the {source.table} source",
                    value=source.files,
                    expected="a file name or glob relative to the data folder",
                )
            )
        for path in matches:
            claimed.add(path)
            planned.append((path, expanded, "config"))
            planned.extend((path, extra, "config") for extra in also)

    opened: dict[Path, _Opened] = {}
    for path in candidates:
        if path in claimed:
            continue
        display = path.name
        stem_table = TABLE_FILE_NAMES.get(normalize_header(path.stem))
        if path.suffix.lower() not in DATA_SUFFIXES:
            if stem_table:
                problems.append(
                    Problem(
                        display,
                        f"wrong file type for the {stem_table} table",
                        value=path.suffix,
                        expected="a .csv, .tsv, .txt or .parquet file",
                    )
                )
            else:
                warnings.append(f"{display}: skipped, not a CSV or Parquet file")
            continue
        try:
            headerless = _headerless_preset(path.name)
            probe = _open(path, display, headerless.source if headerless else None, workdir)
        except InputError as error:
            problems.extend(error.problems)
            continue

        if (
            headerless
            and probe.file_format == "csv"
            and len(probe.columns) == len(headerless.source.names or ())
        ):
            opened[path] = probe
            planned.append((path, headerless.source, f"preset {headerless.name}"))
            planned.extend((path, extra, f"preset {headerless.name}") for extra in headerless.also)
            continue
        header = _open(path, display, None, workdir) if headerless else probe
        matched = [
            preset for preset in presets().values() if _signature_matches(preset, header.columns)
        ]
        if matched:
            preset = matched[0]
            opened[path] = header
            planned.append((path, preset.source, f"preset {preset.name}"))
            planned.extend((path, extra, f"preset {preset.name}") for extra in preset.also)
            continue
        if stem_table:
            opened[path] = header
            planned.append((path, Source(table=stem_table, files=path.name), "file name"))
            continue
        warnings.append(
            f"{display}: skipped, its name and header match no table; "
            "name it after a table (accounts.csv, contacts.csv, ...) or map it under `sources`"
        )

    if problems:
        raise InputError(problems)

    filled = {source.table for _, source, _ in planned if not source.fallback}
    files: list[SourceFile] = []
    for path, source, origin in planned:
        if source.fallback and source.table in filled:
            continue
        display = path.name
        probe = opened.get(path)
        if probe is None or (source.names and probe.options.get("names") != source.names):
            try:
                probe = _open(path, display, source, workdir)
            except InputError as error:
                problems.extend(error.problems)
                continue
            opened[path] = probe
        if probe.notice and probe.notice not in warnings:
            warnings.append(probe.notice)
        files.append(
            SourceFile(
                path=probe.path,
                display=display,
                table=source.table,
                source=source,
                file_format=probe.file_format,
                columns=probe.columns,
                origin=origin,
                csv_options=probe.options,
            )
        )
    if problems:
        raise InputError(problems)
    if not any(file.table == required for file in files):
        raise InputError(
            [
                Problem(
                    str(data_dir),
                    f"no {required} table found",
                    expected=f"a file named {required}.csv (or .parquet), a recognised export, "
                    f"or a source mapped to the {required} table in the config",
                )
            ]
        )
    return Discovery(files, warnings)
