"""Read content assets from Markdown files with YAML front matter and from CSV files.

A Markdown file starts with a front matter block between two `---` lines, which sets the fields
id, title, url, type, stage, topics, personas and industries. The text after the block is the
body, and `id` defaults to the file name without its suffix. A CSV file has a header row with
those columns and a `body` column, and one asset per row. List fields accept a YAML list or one
string with the items separated by `;` or `|`.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from charset_normalizer import from_bytes

from nextbest.content.models import STAGES, ContentAsset, Stage
from nextbest.scoring.errors import InputError, Problem

logger = logging.getLogger(__name__)

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
CSV_SUFFIXES = frozenset({".csv"})
FRONT_MATTER_FIELDS = ("id", "title", "url", "type", "stage", "topics", "personas", "industries")
CSV_REQUIRED_COLUMNS = ("id", "title", "url", "type", "stage")
CSV_COLUMNS = (*FRONT_MATTER_FIELDS, "body")
MAX_PROBLEMS_PER_FILE = 20

_LIST_SEPARATORS = re.compile(r"[;|]")
_TYPE_SEPARATORS = re.compile(r"[\s\-]+")
_TYPE_PATTERN = re.compile(r"[a-z0-9_]+")
# Characters besides ASCII and letters that cp1252 text from Western tools commonly contains.
_WESTERN_PUNCTUATION = frozenset("\u00a0‘’‚“”„–—•…€£¥©®™°§¶«»¿¡·×÷±½¼¾²³µ")

_EXPECTED = {
    "id": "a non-empty asset id",
    "title": "a non-empty title",
    "url": "an absolute http or https URL",
    "type": "a content type such as case_study, whitepaper or webinar",
    "stage": "awareness, consideration or decision",
    "list": "a list of names, or names separated by ';' or '|'",
}
_FOLDER_EXPECTED = "a folder of Markdown (.md) or CSV (.csv) content files"
_FRONT_MATTER_EXPECTED = "a first line '---', then one 'field: value' per line, then a line '---'"

# An asset with the file it came from and, for CSV, its row number (the header is row 1).
_Located = tuple[ContentAsset, str, int | None]


def read_assets(path: Path) -> list[ContentAsset]:
    """Read every asset in a folder, recursively, or in one Markdown or CSV file.

    Files and folders whose names start with a dot are skipped. Returns the assets sorted by id.

    Raises:
        InputError: with every problem of every file, including ids used by two assets.
    """
    files = _asset_files(path)
    root = path if path.is_dir() else path.parent
    located: list[_Located] = []
    problems: list[Problem] = []
    for file in files:
        display = file.relative_to(root).as_posix()
        try:
            text = _decode(file.read_bytes(), display)
        except OSError as error:
            problems.append(Problem(display, f"cannot read the file: {error.strerror or error}"))
            continue
        if file.suffix.lower() in CSV_SUFFIXES:
            found, file_problems = _read_csv(text, display)
        else:
            found, file_problems = _read_markdown(text, display, default_id=file.stem)
        located.extend(found)
        problems.extend(_capped(file_problems, display))
    problems.extend(_duplicate_ids(located))
    if problems:
        raise InputError(problems)
    return sorted((asset for asset, _, _ in located), key=lambda asset: asset.id)


def normalise_type(value: str) -> str:
    """Return a content type in its stored form: lowercase, words joined by underscores."""
    return _TYPE_SEPARATORS.sub("_", value.strip().lower())


def _asset_files(path: Path) -> list[Path]:
    if not path.exists():
        raise InputError([Problem(str(path), "not found", expected=_FOLDER_EXPECTED)])
    suffixes = MARKDOWN_SUFFIXES | CSV_SUFFIXES
    if path.is_file():
        if path.suffix.lower() not in suffixes:
            message = "is not a Markdown (.md) or CSV (.csv) file"
            raise InputError([Problem(str(path), message, expected=_FOLDER_EXPECTED)])
        return [path]
    files = sorted(
        file
        for file in path.rglob("*")
        if file.is_file()
        and file.suffix.lower() in suffixes
        and not any(part.startswith(".") for part in file.relative_to(path).parts)
    )
    if not files:
        message = "contains no Markdown (.md) or CSV (.csv) files"
        raise InputError([Problem(str(path), message, expected=_FOLDER_EXPECTED)])
    return files


def _decode(data: bytes, display: str) -> str:
    """Decode UTF-8 (with or without a byte order mark), UTF-16 with a BOM, or a guessed codec."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Statistical detectors mistake short Western text, such as one accented name, for Big5 or
    # cp1250. So cp1252, the usual codec of Windows tools in Western Europe and the Americas, is
    # tried first, and kept when it yields only letters and common punctuation.
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    if text and all(
        char.isascii() or char.isalpha() or char in _WESTERN_PUNCTUATION for char in text
    ):
        logger.info("%s is not UTF-8; read it as cp1252", display)
        return text
    match = from_bytes(data).best()
    if match is not None:
        logger.info("%s is not UTF-8; read it as %s", display, match.encoding)
        return str(match)
    logger.warning("%s is not UTF-8 and its codec is unknown; read it as cp1252", display)
    return data.decode("cp1252", errors="replace")


def _read_markdown(
    text: str, display: str, default_id: str
) -> tuple[list[_Located], list[Problem]]:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return [], [Problem(display, "missing YAML front matter", expected=_FRONT_MATTER_EXPECTED)]
    closing = next(
        (index for index in range(1, len(lines)) if lines[index].strip() in {"---", "..."}), None
    )
    if closing is None:
        message = "the front matter has no closing '---' line"
        return [], [Problem(display, message, expected=_FRONT_MATTER_EXPECTED)]

    try:
        fields = yaml.safe_load("".join(lines[1:closing]))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        # The mark counts lines of the front matter from 0; the file has the '---' line first.
        where = f" at line {mark.line + 2}" if mark is not None else ""
        reason = getattr(error, "problem", None) or str(error)
        message = f"invalid YAML in the front matter{where}: {reason}"
        expected = "one 'field: value' per line; quote values that contain ': '"
        return [], [Problem(display, message, expected=expected)]
    if fields is None:
        fields = {}
    if not isinstance(fields, dict):
        message = "the front matter is not a list of 'field: value' lines"
        return [], [Problem(display, message, expected=_FRONT_MATTER_EXPECTED)]

    values = {str(key).strip().lower(): value for key, value in fields.items()}
    unknown = sorted(set(values) - set(FRONT_MATTER_FIELDS))
    if unknown:
        logger.warning("%s: ignored unknown front-matter fields %s", display, ", ".join(unknown))

    body = "".join(lines[closing + 1 :]).strip()
    reader = _FieldReader(display, row=None)
    asset = reader.asset(values, body=body, default_id=default_id)
    return ([(asset, display, None)] if asset else []), reader.problems


def _read_csv(text: str, display: str) -> tuple[list[_Located], list[Problem]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        expected = f"a header row with the columns {', '.join(CSV_COLUMNS)}"
        return [], [Problem(display, "the file is empty", expected=expected)]
    except csv.Error as error:
        return [], [Problem(display, f"invalid CSV in the header row: {error}")]
    names = [name.strip().lower() for name in header]
    missing = [column for column in CSV_REQUIRED_COLUMNS if column not in names]
    if missing:
        expected = f"a header row with the columns {', '.join(CSV_COLUMNS)}"
        return [], [
            Problem(display, "missing required column", column=column, expected=expected)
            for column in missing
        ]
    unknown = sorted(set(names) - set(CSV_COLUMNS))
    if unknown:
        logger.warning("%s: ignored unknown columns %s", display, ", ".join(unknown))

    located: list[_Located] = []
    problems: list[Problem] = []
    row_number = 1
    try:
        for row_number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(names):
                message = f"the row has {len(cells)} fields but the header has {len(names)}"
                expected = "one field per column; quote fields that contain commas or line breaks"
                problems.append(Problem(display, message, row=row_number, expected=expected))
                continue
            # The first column of a repeated name wins.
            values = dict(reversed(list(zip(names, cells, strict=True))))
            field_reader = _FieldReader(display, row=row_number)
            asset = field_reader.asset(values, body=values.get("body", "").strip(), default_id=None)
            problems.extend(field_reader.problems)
            if asset is not None:
                located.append((asset, display, row_number))
    except csv.Error as error:
        problems.append(Problem(display, f"invalid CSV: {error}", row=row_number + 1))
    return located, problems


class _FieldReader:
    """Validate the fields of one asset and record each problem with the asset's location."""

    def __init__(self, display: str, row: int | None) -> None:
        self.display = display
        # None for Markdown, where fields are front-matter fields rather than CSV columns.
        self.row = row
        self.problems: list[Problem] = []

    def asset(
        self, values: Mapping[str, object], body: str, default_id: str | None
    ) -> ContentAsset | None:
        """Build the asset, or return None after recording every invalid field."""
        asset_id = self._text("id", values.get("id"), required=default_id is None) or default_id
        title = self._text("title", values.get("title"))
        url = self._url(values.get("url"))
        content_type = self._type(values.get("type"))
        stage = self._stage(values.get("stage"))
        topics = self._names("topics", values.get("topics"))
        personas = self._names("personas", values.get("personas"))
        industries = self._names("industries", values.get("industries"))
        if self.problems or not (asset_id and title and url and content_type and stage):
            return None
        return ContentAsset(
            id=asset_id,
            title=title,
            url=url,
            type=content_type,
            stage=stage,
            topics=topics,
            personas=personas,
            industries=industries,
            body=body,
            source=self.display,
        )

    def _missing(self, field: str, expected: str) -> None:
        if self.row is None:
            message = f"missing front-matter field {field!r}"
            self.problems.append(Problem(self.display, message, expected=expected))
        else:
            self.problems.append(
                Problem(self.display, "missing value", self.row, field, expected=expected)
            )

    def _invalid(self, field: str, value: object, expected: str) -> None:
        value_text = value if isinstance(value, str) else repr(value)
        if self.row is None:
            message = f"invalid front-matter field {field!r}"
            self.problems.append(
                Problem(self.display, message, value=value_text, expected=expected)
            )
        else:
            self.problems.append(
                Problem(self.display, "invalid value", self.row, field, value_text, expected)
            )

    def _text(self, field: str, value: object, required: bool = True) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self._missing(field, _EXPECTED[field])
            return None
        # YAML reads unquoted numbers and dates as such; they are still valid text.
        if isinstance(value, bool) or not isinstance(value, str | int | float | date):
            self._invalid(field, value, _EXPECTED[field])
            return None
        return " ".join(str(value).split())

    def _url(self, value: object) -> str | None:
        text = self._text("url", value)
        if text is None:
            return None
        parts = urlsplit(text)
        if parts.scheme.lower() not in {"http", "https"} or not parts.netloc or " " in text:
            self._invalid("url", text, _EXPECTED["url"])
            return None
        return text

    def _type(self, value: object) -> str | None:
        text = self._text("type", value)
        if text is None:
            return None
        content_type = normalise_type(text)
        if not _TYPE_PATTERN.fullmatch(content_type):
            self._invalid("type", text, _EXPECTED["type"])
            return None
        return content_type

    def _stage(self, value: object) -> Stage | None:
        text = self._text("stage", value)
        if text is None:
            return None
        for stage in STAGES:
            if text.lower() == stage:
                return stage
        self._invalid("stage", text, _EXPECTED["stage"])
        return None

    def _names(self, field: str, value: object) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            items: list[object] = list(_LIST_SEPARATORS.split(value))
        elif isinstance(value, list):
            items = list(value)
        else:
            self._invalid(field, value, _EXPECTED["list"])
            return ()
        names: list[str] = []
        seen: set[str] = set()
        for item in items:
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self._invalid(field, value, _EXPECTED["list"])
                return ()
            name = " ".join(str(item).split())
            if name and name.lower() not in seen:
                seen.add(name.lower())
                names.append(name)
        return tuple(names)


def _duplicate_ids(located: list[_Located]) -> list[Problem]:
    first_seen: dict[str, str] = {}
    problems = []
    for asset, display, row in located:
        location = display if row is None else f"{display} row {row}"
        if asset.id not in first_seen:
            first_seen[asset.id] = location
            continue
        problems.append(
            Problem(
                display,
                f"duplicate asset id (first seen in {first_seen[asset.id]})",
                row=row,
                column=None if row is None else "id",
                value=asset.id,
                expected="each asset id once in the library",
            )
        )
    return problems


def _capped(problems: list[Problem], display: str) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS_PER_FILE:
        return problems
    hidden = len(problems) - MAX_PROBLEMS_PER_FILE
    return [
        *problems[:MAX_PROBLEMS_PER_FILE],
        Problem(display, f"{hidden:,} more problems not listed", count=hidden),
    ]
