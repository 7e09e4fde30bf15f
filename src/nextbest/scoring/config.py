"""The scoring configuration: shipped defaults merged with a user's YAML file."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from nextbest.scoring.contract import ACTIVITY_TYPES, TABLES
from nextbest.scoring.errors import ConfigError

# Windows longer than a century are typos, and DuckDB's intervals overflow far beyond it.
MAX_DAYS = 36_500


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class FileDate(_Strict):
    """A date taken from the file name, for files whose rows carry none (e.g. a weekly feed)."""

    column: str
    pattern: str = Field(description="Regular expression whose first group is the date.")
    format: str = Field(description="strptime format of that group, e.g. '%Y%m%d'.")


class Source(_Strict):
    """One mapping of source files onto a contract table.

    `columns` maps a contract column to the source's column, or to a list of candidates of which
    the first present is used. `values` maps source values (ignoring case) to contract values, with
    "*" for every other value. `units` multiplies a number column, e.g. 1000000 for revenue in
    millions. A `fallback` source is read only when no other source fills its table, and a
    `distinct` one keeps one row per key, taking the first non-missing value of each column.
    """

    table: str
    files: str = Field(description="Glob relative to the data folder, e.g. 'sales_pipeline.csv'.")
    preset: str | None = None
    columns: dict[str, str | list[str]] = Field(default_factory=dict)
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    units: dict[str, float] = Field(default_factory=dict)
    date_format: str | None = None

    @field_validator("date_format")
    @classmethod
    def _valid_format(cls, fmt: str | None) -> str | None:
        if fmt is not None:
            _check_date_format(fmt)
        return fmt

    delimiter: str | None = None
    encoding: str | None = None
    header: bool = True
    names: list[str] | None = None
    distinct: bool = False
    fallback: bool = False
    file_date: FileDate | None = None

    @field_validator("table")
    @classmethod
    def _known_table(cls, table: str) -> str:
        if table not in TABLES:
            raise ValueError(f"must be one of {', '.join(TABLES)}, got {table!r}")
        return table

    @model_validator(mode="after")
    def _known_columns(self) -> Source:
        known = set(TABLES[self.table].column_names)
        file_date = [self.file_date.column] if self.file_date else []
        for key in (*self.columns, *self.values, *self.units, *file_date):
            if key not in known:
                raise ValueError(
                    f"{key!r} is not a column of table {self.table!r}; "
                    f"expected one of {', '.join(sorted(known))}"
                )
        if not self.header and not self.names:
            raise ValueError("a source with header: false needs names, one per column")
        return self


class Normalize(_Strict):
    placeholders: list[str]
    date_formats: list[str] = Field(min_length=1)
    day_first: bool
    true_values: list[str] = Field(min_length=1)
    false_values: list[str] = Field(min_length=1)

    @field_validator("date_formats")
    @classmethod
    def _valid_formats(cls, formats: list[str]) -> list[str]:
        for fmt in formats:
            _check_date_format(fmt)
        return formats

    @model_validator(mode="after")
    def _distinct_booleans(self) -> Normalize:
        both = {value.lower() for value in self.true_values} & {
            value.lower() for value in self.false_values
        }
        if both:
            raise ValueError(f"true_values and false_values share {', '.join(sorted(both))}")
        return self


def _check_date_format(fmt: str) -> None:
    """Raise ValueError unless DuckDB's strptime understands the format."""
    connection = duckdb.connect()
    try:
        connection.execute("SELECT try_strptime('2020-01-01', ?)", [fmt])
    except duckdb.Error:
        raise ValueError(
            f"{fmt!r} is not a valid date format; use strptime codes such as %Y-%m-%d"
        ) from None
    finally:
        connection.close()


class Identity(_Strict):
    fuzzy_name_threshold: float = Field(ge=0, le=100)
    free_mail_domains: list[str]


def _check_pattern(pattern: str) -> str:
    """Raise ValueError unless DuckDB's regular expressions (RE2) accept the pattern."""
    connection = duckdb.connect()
    try:
        connection.execute("SELECT regexp_matches('', ?)", [pattern])
    except duckdb.Error as error:
        reason = str(error).splitlines()[0].split("Error: ", 1)[-1]
        raise ValueError(f"{pattern!r} is not a valid regular expression ({reason})") from None
    finally:
        connection.close()
    return pattern


class PersonaRule(_Strict):
    persona: str
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _valid_pattern(cls, pattern: str) -> str:
        return _check_pattern(pattern)


class SeniorityRule(_Strict):
    seniority: str
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _valid_pattern(cls, pattern: str) -> str:
        return _check_pattern(pattern)


class Band(_Strict):
    min: float
    max: float | None
    match: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if self.max is not None and self.max < self.min:
            raise ValueError(f"max ({self.max:g}) must not be below min ({self.min:g})")
        return self


NonNegative = Annotated[float, Field(ge=0)]
Match = Annotated[float, Field(ge=0, le=1)]


class Fit(_Strict):
    weights: dict[Literal["industry", "employees", "revenue", "geography", "personas"], NonNegative]
    industries: dict[str, Match]
    other_industry: float = Field(ge=0, le=1)
    unknown: float = Field(ge=0, le=1)
    employee_bands: list[Band]
    revenue_bands: list[Band]
    countries: dict[str, Match]
    other_country: float = Field(ge=0, le=1)
    personas: dict[str, Match]


class Intent(_Strict):
    topics: dict[str, float]
    surge_threshold: float = Field(ge=0, lt=100)
    lookback_weeks: int = Field(ge=1, le=MAX_DAYS // 7)
    half_life_days: float = Field(gt=0)
    points_per_surge: float = Field(ge=0)
    scale: float = Field(gt=0)


class BuyingGroup(_Strict):
    window_days: int = Field(ge=1, le=MAX_DAYS)
    points_per_contact: float = Field(ge=0)
    points_per_persona: float = Field(ge=0)
    max_points: float = Field(ge=0)


class Velocity(_Strict):
    recent_days: int = Field(ge=1, le=MAX_DAYS)
    prior_days: int = Field(ge=1, le=MAX_DAYS)
    weight: float = Field(ge=0)
    max_points: float = Field(ge=0)

    @model_validator(mode="after")
    def _monotone(self) -> Velocity:
        limit = self.prior_days / self.recent_days
        if self.weight > limit:
            raise ValueError(
                f"weight must be at most prior_days / recent_days = {limit:g}, "
                f"got {self.weight:g}, "
                "or an added activity could lower engagement"
            )
        return self


class Engagement(_Strict):
    points: dict[str, float]
    half_life_days: dict[str, float]
    lookback_days: int = Field(ge=1, le=MAX_DAYS)
    scale: float = Field(gt=0)
    buying_group: BuyingGroup
    velocity: Velocity

    @field_validator("points", "half_life_days")
    @classmethod
    def _known_types(cls, mapping: dict[str, float]) -> dict[str, float]:
        for key, value in mapping.items():
            if key != "default" and key not in ACTIVITY_TYPES:
                raise ValueError(
                    f"{key!r} is not an activity type; expected one of {', '.join(ACTIVITY_TYPES)}"
                )
            if value < 0:
                raise ValueError(f"{key!r} must be 0 or more, got {value:g}")
        return mapping

    def half_life(self, activity_type: str) -> float:
        return self.half_life_days.get(activity_type, self.half_life_days.get("default", 30.0))


class Relationship(_Strict):
    open_opportunity: float
    open_amount_points: float
    open_amount_scale: float = Field(gt=0)
    won_opportunity: float
    max_won_opportunities: int = Field(ge=0)
    customer: float
    meeting: float
    meeting_window_days: int = Field(ge=1, le=MAX_DAYS)
    max_meetings: int = Field(ge=0)
    contact: float
    max_contacts: int = Field(ge=0)
    scale: float = Field(gt=0)


class Negative(_Strict):
    poor_fit_industries: list[str]
    poor_fit_industry: float = Field(ge=0)
    competitors: list[str]
    competitor: float = Field(ge=0)
    unsubscribed_contact: float = Field(ge=0)
    max_unsubscribed: float = Field(ge=0)
    inactive_days: int = Field(ge=1, le=MAX_DAYS)
    inactive: float = Field(ge=0)
    recent_loss_days: int = Field(ge=1, le=MAX_DAYS)
    recent_loss: float = Field(ge=0)
    free_mail_contact: float = Field(ge=0)
    max_free_mail: float = Field(ge=0)


class Composite(_Strict):
    weights: dict[Literal["fit", "intent", "relationship", "engagement"], NonNegative]

    @field_validator("weights")
    @classmethod
    def _sum_to_one(cls, weights: dict[str, float]) -> dict[str, float]:
        total = sum(weights.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"must add up to 1, got {total:g}")
        return weights


class Tiers(_Strict):
    A: float = Field(ge=0, le=100)
    B: float = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Tiers:
        if self.B > self.A:
            raise ValueError(f"B ({self.B:g}) must not exceed A ({self.A:g})")
        return self


class Qualification(_Strict):
    min_fit: float = Field(ge=0, le=100)
    countries: list[str]


class Leads(_Strict):
    weights: dict[Literal["engagement", "persona", "source"], NonNegative]
    engagement_scale: float = Field(gt=0)
    seniority: dict[str, float]
    sources: dict[str, float]
    unknown_source: float = Field(ge=0, le=1)
    free_mail: float = Field(ge=0)
    student: float = Field(ge=0)
    unsubscribed: float = Field(ge=0)


class Learning(_Strict):
    exclude: list[str]
    min_outcomes: int = Field(ge=2)
    test_fraction: float = Field(gt=0, lt=1)
    half_life_grid: list[Annotated[float, Field(gt=0, le=MAX_DAYS)]] = Field(min_length=1)


class ScoringConfig(_Strict):
    """Everything that shapes a score, validated. Equal configs have equal hashes."""

    sources: list[Source]
    normalize: Normalize
    identity: Identity
    personas: list[PersonaRule]
    seniority: list[SeniorityRule]
    fit: Fit
    intent: Intent
    engagement: Engagement
    relationship: Relationship
    negative: Negative
    composite: Composite
    tiers: Tiers
    qualification: Qualification
    leads: Leads
    products: dict[str, list[str]]
    learning: Learning
    max_reasons: int = Field(ge=1, le=20)

    def config_hash(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def defaults_text() -> str:
    """Return the shipped defaults file, comments included."""
    return resources.files("nextbest.scoring").joinpath("defaults.yaml").read_text("utf-8")


# Mappings that list the user's own vocabulary are replaced whole, not merged, so a config that
# names its industries or topics does not inherit the sample product's.
REPLACED_MAPPINGS = frozenset(
    {"fit.industries", "fit.countries", "intent.topics", "products", "leads.sources"}
)


def _merge(base: dict[str, Any], override: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        path = f"{prefix}{key}"
        if (
            isinstance(value, dict)
            and isinstance(merged.get(key), dict)
            and path not in REPLACED_MAPPINGS
        ):
            merged[key] = _merge(merged[key], value, f"{path}.")
        else:
            merged[key] = value
    return merged


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder; expected a YAML config file") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the config file: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not a UTF-8 text file ({error.reason})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise ConfigError(f"{path}{where}: invalid YAML: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    return data


def load_config(path: Path | None = None) -> ScoringConfig:
    """Load the defaults, merge the user's file over them and validate the result."""
    settings = yaml.safe_load(defaults_text())
    origin = "the shipped defaults"
    if path is not None:
        settings = _merge(settings, _read_yaml(path))
        origin = str(path)
    try:
        return ScoringConfig.model_validate(settings)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            where = ".".join(str(part) for part in item["loc"])
            problems.append(f"  {where}: {item['msg']}")
        raise ConfigError(f"{origin}: invalid config\n" + "\n".join(problems)) from None
