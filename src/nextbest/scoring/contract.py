"""The data contract: the canonical tables, their columns and types.

Every source file is mapped onto these tables before anything else reads it. Column names are
canonical; a source's own names and values reach them through the mapping in the config.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """The type a contract column is parsed into."""

    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    DATE = "date"
    BOOLEAN = "boolean"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    required: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    # At least one column of each group must be mapped, e.g. an activity needs some way to
    # reach its account.
    one_of: tuple[tuple[str, ...], ...] = ()
    # The column whose values must be unique within the table.
    key: str | None = None
    # The column that dates a row, for --as-of.
    dated_by: str | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


ACTIVITY_TYPES: tuple[str, ...] = (
    "web_visit",
    "pricing_page_view",
    "content_download",
    "email_open",
    "email_click",
    "email_reply",
    "webinar_registered",
    "webinar_attended",
    "event_attended",
    "form_fill",
    "demo_request",
    "trial_signup",
    "meeting",
    "call",
    "social_engagement",
    "ad_click",
    "unsubscribe",
    "other",
)

OUTCOMES: tuple[str, ...] = ("won", "lost", "open")

ACCOUNTS = Table(
    "accounts",
    (
        Column("account_id", required=True),
        Column("name", required=True),
        Column("domain"),
        Column("industry"),
        Column("employees", Kind.INTEGER),
        Column("annual_revenue", Kind.NUMBER),
        Column("country"),
        Column("region"),
        Column("owner"),
        Column("is_customer", Kind.BOOLEAN),
        Column("parent_account_id"),
    ),
    key="account_id",
)

CONTACTS = Table(
    "contacts",
    (
        Column("contact_id", required=True),
        Column("account_id"),
        Column("company"),
        Column("email"),
        Column("phone"),
        Column("first_name"),
        Column("last_name"),
        Column("title"),
        Column("department"),
        Column("seniority"),
        Column("persona"),
        Column("lead_source"),
        Column("created_at", Kind.DATE),
        Column("unsubscribed", Kind.BOOLEAN),
        Column("converted", Kind.BOOLEAN),
    ),
    key="contact_id",
    dated_by="created_at",
)

ACTIVITIES = Table(
    "activities",
    (
        Column("occurred_at", Kind.DATE, required=True),
        Column("type", required=True),
        Column("account_id"),
        Column("contact_id"),
        Column("email"),
        Column("domain"),
        Column("company"),
        Column("channel"),
        Column("detail"),
        Column("topic"),
        Column("activity_id"),
    ),
    one_of=(("account_id", "contact_id", "email", "domain", "company"),),
    dated_by="occurred_at",
)

INTENT = Table(
    "intent",
    (
        Column("topic", required=True),
        Column("score", Kind.NUMBER, required=True),
        Column("week", Kind.DATE, required=True),
        Column("account_id"),
        Column("domain"),
        Column("company"),
        Column("category"),
    ),
    one_of=(("account_id", "domain", "company"),),
    dated_by="week",
)

OPPORTUNITIES = Table(
    "opportunities",
    (
        Column("opportunity_id", required=True),
        Column("account_id", required=True),
        Column("created_at", Kind.DATE, required=True),
        Column("outcome", required=True),
        Column("closed_at", Kind.DATE),
        Column("amount", Kind.NUMBER),
        Column("stage"),
        Column("product"),
        Column("lead_source"),
    ),
    key="opportunity_id",
    dated_by="created_at",
)

TABLES: dict[str, Table] = {
    table.name: table for table in (ACCOUNTS, CONTACTS, ACTIVITIES, INTENT, OPPORTUNITIES)
}
