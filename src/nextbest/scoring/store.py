"""The run store: every scoring run with its accounts and leads, in any SQLAlchemy database.

A run is written in one transaction, so a reader sees the previous run or the new one, never half.
"""

from __future__ import annotations

import functools
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from nextbest.scoring.errors import StoreError, StoreUnavailableError
from nextbest.scoring.runs import ScoredRun

T = TypeVar("T")
DEFAULT_DB_PATH = Path(".nextbest") / "nextbest.db"
# Signal lists and leads take most of a run's space (about 0.5 GB per 100,000 accounts in
# SQLite), so only the newest runs keep them. Older runs keep scores, tiers and reasons.
DEFAULT_KEEP_DETAILS = 5
INSERT_BATCH = 20_000
CONNECT_TIMEOUT_SECONDS = 10
POOL_TIMEOUT_SECONDS = 10
SECRET_PARAMETERS = ("pass", "secret", "token", "key")

metadata = sa.MetaData()
# Account and contact ids come from the customer's exports and have no length limit.
# NOTE: PostgreSQL tables created by earlier versions keep VARCHAR(200) and reject longer ids,
# because no migration alters them. SQLite ignores the length.
ID_TYPE = sa.Text

runs_table = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.String(40), primary_key=True),
    sa.Column("created_at", sa.DateTime, nullable=False, index=True),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("config_hash", sa.String(64), nullable=False),
    sa.Column("model_version", sa.String(64), nullable=True),
    sa.Column("input_fingerprint", sa.String(64), nullable=False),
    sa.Column("data_dir", sa.Text, nullable=False),
    sa.Column("accounts", sa.Integer, nullable=False),
    sa.Column("report", sa.Text, nullable=False),
    sa.Column("config", sa.Text, nullable=False),
    sa.Column("details_kept", sa.Boolean, nullable=False, default=True),
)

run_accounts_table = sa.Table(
    "run_accounts",
    metadata,
    sa.Column("run_id", sa.String(40), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("account_id", ID_TYPE, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("rank", sa.Integer, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("tier", sa.String(1), nullable=False),
    sa.Column("qualified", sa.Boolean, nullable=False),
    sa.Column("disqualified_because", sa.Text),
    sa.Column("fit", sa.Float, nullable=False),
    sa.Column("intent", sa.Float, nullable=False),
    sa.Column("relationship", sa.Float, nullable=False),
    sa.Column("engagement", sa.Float, nullable=False),
    sa.Column("negative", sa.Float, nullable=False),
    sa.Column("reasons", sa.Text, nullable=False),
    sa.Column("signals", sa.Text, nullable=False),
    sa.Column("domain", sa.Text),
    sa.Column("industry", sa.Text),
    sa.Column("country", sa.Text),
    sa.Column("owner", sa.Text),
    sa.Column("top_lead_id", sa.Text),
    sa.Column("top_lead_name", sa.Text),
    sa.Column("top_lead_score", sa.Float),
    # Stores made by earlier versions lack these two, so `_add_missing_columns` adds them.
    sa.Column("top_product", sa.Text),
    sa.Column("top_product_probability", sa.Float),
    sa.Index("ix_run_accounts_rank", "run_id", "rank"),
)
# Score history reads one account across runs.
account_index = sa.Index("ix_run_accounts_account", run_accounts_table.c.account_id)

run_leads_table = sa.Table(
    "run_leads",
    metadata,
    sa.Column("run_id", sa.String(40), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("contact_id", ID_TYPE, primary_key=True),
    sa.Column("account_id", ID_TYPE, index=True),
    sa.Column("lead_name", sa.Text),
    sa.Column("title", sa.Text),
    sa.Column("persona", sa.Text),
    sa.Column("lead_source", sa.Text),
    sa.Column("lead_score", sa.Float, nullable=False),
    sa.Column("engagement", sa.Float, nullable=False),
    sa.Column("persona_fit", sa.Float, nullable=False),
    sa.Column("source_quality", sa.Float, nullable=False),
    sa.Column("penalty", sa.Float, nullable=False),
)

run_evidence_table = sa.Table(
    "run_evidence",
    metadata,
    sa.Column("run_id", sa.String(40), sa.ForeignKey("runs.run_id"), primary_key=True),
    sa.Column("account_id", ID_TYPE, primary_key=True),
    sa.Column("evidence", sa.Text, nullable=False),
)

# Orders `accounts` can sort by: rank and name ascending, components best first.
SORTS = ("rank", "name", "fit", "intent", "relationship", "engagement")
EVIDENCE_KEYS = ("contacts", "timeline", "seen", "intent", "opportunities", "products")
ACCOUNT_FIELDS = [column.name for column in run_accounts_table.columns if column.name != "run_id"]
LEAD_FIELDS = [column.name for column in run_leads_table.columns if column.name != "run_id"]
SCORE_FIELDS = (
    "account_id",
    "score",
    "tier",
    "qualified",
    "fit",
    "intent",
    "relationship",
    "engagement",
    "negative",
)


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    created_at: datetime
    as_of: date
    config_hash: str
    model_version: str | None
    input_fingerprint: str
    data_dir: str
    accounts: int
    report: dict[str, Any]
    config: dict[str, Any]
    details_kept: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "as_of": self.as_of.isoformat(),
            "config_hash": self.config_hash,
            "model_version": self.model_version,
            "input_fingerprint": self.input_fingerprint,
            "data_dir": self.data_dir,
            "accounts": self.accounts,
            "report": self.report,
            "config": self.config,
            "details_kept": self.details_kept,
        }


def _reason(error: SQLAlchemyError) -> str:
    """Return the database's own message, without the SQL statement and its parameters."""
    return str(getattr(error, "orig", None) or error).splitlines()[0]


def _reading(method: Callable[..., T]) -> Callable[..., T]:
    """Turn database errors while reading the store into a StoreUnavailableError."""

    @functools.wraps(method)
    def wrapper(store: RunStore, *args: Any, **kwargs: Any) -> T:
        try:
            return method(store, *args, **kwargs)
        except SQLAlchemyError as error:
            reason = _reason(error)
            # A missing table means the database is not a nextbest store; other errors are
            # about the connection or the query, and the question would mislead.
            missing_table = any(
                words in reason for words in ("no such table", "no such column", "does not exist")
            )
            hint = "; is it a nextbest store?" if missing_table else ""
            raise StoreUnavailableError(
                f"cannot read the run store {store._safe_url()}: {reason}{hint}"
            ) from None

    return wrapper


def sqlite_path(url: str | None) -> Path | None:
    """Return the file of an SQLite store URL (the default store when None), else None."""
    try:
        parsed = sa.make_url(url or default_db_url())
    except (SQLAlchemyError, ValueError):
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _sqlite_wal(connection: Any, _record: Any) -> None:
    """Let readers go on while a run is being saved: in WAL mode they see the last commit."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def default_db_url() -> str:
    return f"sqlite:///{DEFAULT_DB_PATH}"


def _column_values(series: pd.Series) -> list[Any]:
    """Return a column as plain Python values, with pandas' missing values as None."""
    values = series.astype(object).where(series.notna(), None).tolist()
    if series.dtype == bool:
        return [bool(value) for value in values]
    return values


class RunStore:
    """Reads and writes scoring runs. Open one per process, because it keeps a connection pool."""

    def __init__(self, url: str | None = None, keep_details: int = DEFAULT_KEEP_DETAILS) -> None:
        if keep_details < 1:
            raise StoreUnavailableError(f"keep_details must be at least 1, got {keep_details}")
        self.keep_details = keep_details
        self._created = False
        self._creating = threading.Lock()
        self._runs: dict[str, RunInfo] = {}
        self.url = url or default_db_url()
        example = "expected a SQLAlchemy URL such as sqlite:///runs.db or postgresql://host/db"
        try:
            parsed = sa.make_url(self.url)
        except (SQLAlchemyError, ValueError):
            raise StoreUnavailableError(f"invalid run store URL; {example}") from None
        if parsed.drivername in ("postgres", "postgres+psycopg"):
            raise StoreUnavailableError(
                "invalid run store URL: SQLAlchemy spells the scheme postgresql://, not postgres://"
            )
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            path = Path(parsed.database)
            if path.is_dir():
                raise StoreUnavailableError(f"run store {path} is a folder; {example}")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreUnavailableError(
                    f"cannot create the folder for the run store {path}: {error.strerror}"
                ) from None
        if parsed.drivername == "postgresql":
            # SQLAlchemy's default PostgreSQL driver is psycopg2, but nextbest depends on psycopg 3.
            parsed = parsed.set(drivername="postgresql+psycopg")
        try:
            options: dict[str, Any] = {}
            if parsed.get_backend_name() == "postgresql":
                # A server that stops answering fails reads within seconds instead of holding
                # every thread; a URL's own connect_timeout takes precedence.
                options["pool_timeout"] = POOL_TIMEOUT_SECONDS
                if "connect_timeout" not in parsed.query:
                    options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
            self.engine = sa.create_engine(parsed, **options)
            if parsed.get_backend_name() == "sqlite" and parsed.database not in (
                None,
                "",
                ":memory:",
            ):
                sa.event.listen(self.engine, "connect", _sqlite_wal)
        except ImportError as error:
            raise StoreUnavailableError(
                f"no database driver for {self._safe_url()} ({error}); install the driver "
                "package for that database, such as psycopg for PostgreSQL"
            ) from None
        except (SQLAlchemyError, ValueError) as error:
            raise StoreUnavailableError(
                f"cannot open the run store {self._safe_url()}: {error}"
            ) from None

    def _safe_url(self) -> str:
        """Return the URL for messages with the password, and any secret in the query, masked."""
        try:
            url = sa.make_url(self.url)
        except (SQLAlchemyError, ValueError):
            return "(invalid URL)"
        secrets_masked = {
            key: "***" if any(word in key.lower() for word in SECRET_PARAMETERS) else value
            for key, value in url.query.items()
        }
        text = unquote(url.set(query=secrets_masked).render_as_string(hide_password=True))
        scheme, _, rest = text.partition("://")
        if rest.split("/", 1)[0].count("@") > 1:
            # A password containing "@" leaves part of itself in the host; mask up to the last "@".
            location, _, path = rest.partition("/")
            rest = "***@" + location.rsplit("@", 1)[1] + ("/" + path if path else "")
        return f"{scheme}://{rest}"

    def _create(self) -> None:
        """Create missing tables and indexes, once per store object."""
        if self._created:
            return
        # Threads of a server start together; one creates, the others wait for it.
        with self._creating:
            if self._created:
                return
            self.create_tables(metadata)
            try:
                # Stores made before this index get it too; create_all skips existing tables.
                account_index.create(self.engine, checkfirst=True)
                for table in metadata.sorted_tables:
                    self._add_missing_columns(table)
            except SQLAlchemyError as error:
                raise StoreUnavailableError(
                    f"cannot open the run store {self._safe_url()}: {_reason(error)}"
                ) from None
            self._created = True

    def _add_missing_columns(self, table: sa.Table) -> None:
        """Add the nullable columns that a table made by an earlier version lacks.

        A table that lacks a required column is not a nextbest table, so it is left alone and
        the first read reports it. Two processes may migrate the same store at once, so a
        column that appears meanwhile is not an error.
        """
        existing = {column["name"] for column in sa.inspect(self.engine).get_columns(table.name)}
        missing = [column for column in table.columns if column.name not in existing]
        if any(not column.nullable for column in missing):
            return
        for column in missing:
            with self.engine.begin() as connection:
                dialect = connection.dialect
                # PostgreSQL skips a column that exists, but SQLite has no IF NOT EXISTS here.
                guard = " IF NOT EXISTS" if dialect.name == "postgresql" else ""
                statement = (
                    f"ALTER TABLE {dialect.identifier_preparer.quote(table.name)} "
                    f"ADD COLUMN{guard} {dialect.identifier_preparer.quote(column.name)} "
                    f"{column.type.compile(dialect=dialect)}"
                )
                try:
                    connection.exec_driver_sql(statement)
                except OperationalError as error:
                    if "duplicate column" not in _reason(error):
                        raise

    def create_tables(self, tables: sa.MetaData) -> None:
        """Create the missing tables of `tables` in the store's database, such as the API keys."""
        try:
            tables.create_all(self.engine)
        except SQLAlchemyError as error:
            raise StoreUnavailableError(
                f"cannot open the run store {self._safe_url()}: {_reason(error)}"
            ) from None

    def save(self, run: ScoredRun, model_version: str | None = None) -> RunInfo:
        """Write a run and all its rows in one transaction and return its record."""
        self._create()
        created_at = datetime.now(UTC).replace(tzinfo=None)
        run_id = f"{created_at:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
        accounts = run.accounts.assign(
            reasons=run.accounts["reasons"].map(json.dumps),
            qualified=run.accounts["qualified"].astype(bool),
        )
        info = RunInfo(
            run_id=run_id,
            created_at=created_at,
            as_of=run.as_of,
            config_hash=run.config_hash,
            model_version=model_version,
            input_fingerprint=run.input_fingerprint,
            data_dir=run.data_dir,
            accounts=len(accounts),
            report=run.report.to_dict() | {"weights": run.weights},
            config=run.config,
        )
        row = info.to_dict() | {
            "created_at": created_at,
            "as_of": run.as_of,
            "report": json.dumps(info.report),
            "config": json.dumps(info.config, sort_keys=True),
            "details_kept": True,
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(runs_table.insert(), [row])
                self._insert(connection, run_accounts_table, run_id, accounts, ACCOUNT_FIELDS)
                self._insert(connection, run_leads_table, run_id, run.leads, LEAD_FIELDS)
                if run.evidence is not None:
                    self._insert(
                        connection,
                        run_evidence_table,
                        run_id,
                        run.evidence,
                        ["account_id", "evidence"],
                    )
                self._prune_details(connection)
        except OperationalError as error:
            raise StoreUnavailableError(
                f"cannot save the run to {self._safe_url()}: {_reason(error)}"
            ) from None
        except SQLAlchemyError as error:
            raise StoreError(
                f"cannot save the run to {self._safe_url()}: {_reason(error)}"
            ) from None
        return info

    @staticmethod
    def _insert(
        connection: sa.Connection,
        table: sa.Table,
        run_id: str,
        frame: pd.DataFrame,
        fields: list[str],
    ) -> None:
        """Insert a frame's rows through the driver's executemany, in batches.

        Going around SQLAlchemy's per-row parameter processing makes 600,000 rows take seconds
        instead of tens of seconds on SQLite.
        """
        columns = ["run_id", *fields]
        marker = {"qmark": "?", "numeric": ":{}", "named": ":{}"}.get(
            connection.dialect.paramstyle, "%s"
        )
        placeholders = ", ".join(
            marker.format(position + 1) if "{}" in marker else marker
            for position in range(len(columns))
        )
        if connection.dialect.paramstyle == "named":
            placeholders = ", ".join(f":{column}" for column in columns)
        statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})"
        # Rows in primary-key order make the index inserts sequential, several times faster
        # than inserting in rank order.
        frame = frame.sort_values(fields[0], kind="stable")
        values = [_column_values(frame[field]) for field in fields]
        rows = [(run_id, *row) for row in zip(*values, strict=True)]
        for start in range(0, len(rows), INSERT_BATCH):
            batch = rows[start : start + INSERT_BATCH]
            if connection.dialect.paramstyle == "named":
                connection.exec_driver_sql(
                    statement, [dict(zip(columns, row, strict=True)) for row in batch]
                )
            else:
                connection.exec_driver_sql(statement, batch)

    def _prune_details(self, connection: sa.Connection) -> None:
        """Drop signal lists, leads and evidence of all but the newest `keep_details` runs."""
        older = (
            sa.select(runs_table.c.run_id)
            .where(runs_table.c.details_kept)
            .order_by(runs_table.c.created_at.desc(), runs_table.c.run_id.desc())
            .offset(self.keep_details)
        )
        run_ids = [row.run_id for row in connection.execute(older)]
        if not run_ids:
            return
        accounts = run_accounts_table
        connection.execute(
            accounts.update().where(accounts.c.run_id.in_(run_ids)).values(signals="[]")
        )
        for table in (run_leads_table, run_evidence_table):
            connection.execute(table.delete().where(table.c.run_id.in_(run_ids)))
        connection.execute(
            runs_table.update().where(runs_table.c.run_id.in_(run_ids)).values(details_kept=False)
        )

    def _info(self, row: sa.Row[Any]) -> RunInfo:
        return RunInfo(
            run_id=row.run_id,
            created_at=row.created_at,
            as_of=row.as_of,
            config_hash=row.config_hash,
            model_version=row.model_version,
            input_fingerprint=row.input_fingerprint,
            data_dir=row.data_dir,
            accounts=row.accounts,
            report=json.loads(row.report),
            config=json.loads(row.config),
            details_kept=row.details_kept,
        )

    @_reading
    def runs(self, limit: int = 20) -> list[RunInfo]:
        self._create()
        query = (
            sa.select(runs_table)
            .order_by(runs_table.c.created_at.desc(), runs_table.c.run_id.desc())
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [self._info(row) for row in connection.execute(query)]

    @_reading
    def run(self, run_id: str | None = None) -> RunInfo:
        """Return the run with this id, or the latest run."""
        self._create()
        runs = runs_table
        # Find the run first and read its record (with its report and config to parse) only
        # when this store has not read it before: a server asks for the latest run on every
        # request. Only details_kept changes after a run is saved.
        query = sa.select(runs.c.run_id, runs.c.details_kept)
        if run_id:
            query = query.where(runs.c.run_id == run_id)
        query = query.order_by(runs.c.created_at.desc(), runs.c.run_id.desc()).limit(1)
        with self.engine.connect() as connection:
            found = connection.execute(query).first()
            cached = self._runs.get(found.run_id) if found is not None else None
            if (
                cached is not None
                and found is not None
                and cached.details_kept == found.details_kept
            ):
                return cached
            row = None
            if found is not None:
                full = sa.select(runs).where(runs.c.run_id == found.run_id)
                row = connection.execute(full).first()
        if row is None:
            if run_id:
                raise StoreError(
                    f"run {run_id!r} not found in {self._safe_url()}; "
                    "`nextbest runs` lists the stored runs"
                )
            raise StoreError(
                f"no scoring run in {self._safe_url()} yet; run `nextbest score DATA_DIR` first"
            )
        info = self._info(row)
        if len(self._runs) >= 100:
            self._runs.clear()
        self._runs[info.run_id] = info
        return info

    @staticmethod
    def _account_filters(
        run_id: str,
        tier: str | None = None,
        account_id: str | None = None,
        owner: str | None = None,
        topic: str | None = None,
        qualified: bool | None = None,
    ) -> list[sa.ColumnElement[bool]]:
        table = run_accounts_table
        conditions = [table.c.run_id == run_id]
        if tier:
            conditions.append(table.c.tier == tier)
        if account_id is not None:
            conditions.append(table.c.account_id == account_id)
        if owner:
            conditions.append(sa.func.lower(table.c.owner) == owner.strip().lower())
        if qualified is not None:
            conditions.append(table.c.qualified == qualified)
        if topic:
            needle = json.dumps(f"topic:{topic.strip().lower()}")
            conditions.append(sa.func.lower(table.c.signals).contains(needle, autoescape=True))
        return conditions

    @_reading
    def accounts(
        self,
        run_id: str,
        tier: str | None = None,
        limit: int | None = None,
        account_id: str | None = None,
        owner: str | None = None,
        topic: str | None = None,
        offset: int = 0,
        qualified: bool | None = None,
        sort: str = "rank",
        signals: bool = True,
    ) -> list[dict[str, Any]]:
        """Accounts of a run in rank order, or by `sort` (one of SORTS), rank breaking ties.

        `owner` and `topic` match case-insensitively; `topic` keeps accounts with a scored intent
        signal on that topic. `signals=False` leaves out the signal lists, the bulk of a row.
        """
        if sort not in SORTS:
            raise StoreError(
                f"cannot sort accounts by {sort!r}; expected one of {', '.join(SORTS)}"
            )
        table = run_accounts_table
        conditions = self._account_filters(run_id, tier, account_id, owner, topic, qualified)
        order = [table.c.rank]
        if sort == "name":
            order.insert(0, sa.func.lower(table.c.name))
        elif sort != "rank":
            order.insert(0, table.c[sort].desc())
        columns = [column for column in table.columns if signals or column.name != "signals"]
        query = sa.select(*columns).where(*conditions).order_by(*order).offset(offset)
        if limit:
            query = query.limit(limit)
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [self._account(dict(row)) for row in rows]

    @_reading
    def count_accounts(
        self,
        run_id: str,
        tier: str | None = None,
        owner: str | None = None,
        topic: str | None = None,
        qualified: bool | None = None,
    ) -> int:
        """Return how many accounts of a run pass the same filters as `accounts`."""
        conditions = self._account_filters(run_id, tier, None, owner, topic, qualified)
        query = sa.select(sa.func.count()).select_from(run_accounts_table).where(*conditions)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    @_reading
    def tier_counts(self, run_ids: list[str]) -> dict[str, dict[str, int]]:
        """Return accounts per tier, and qualified accounts, of each run."""
        table = run_accounts_table
        query = (
            sa.select(
                table.c.run_id,
                table.c.tier,
                sa.func.count().label("accounts"),
                sa.func.sum(sa.case((table.c.qualified, 1), else_=0)).label("qualified"),
            )
            .where(table.c.run_id.in_(run_ids))
            .group_by(table.c.run_id, table.c.tier)
        )
        counts: dict[str, dict[str, int]] = {
            run_id: {"A": 0, "B": 0, "C": 0, "qualified": 0} for run_id in run_ids
        }
        with self.engine.connect() as connection:
            for row in connection.execute(query):
                counts[row.run_id][row.tier] = int(row.accounts)
                counts[row.run_id]["qualified"] += int(row.qualified or 0)
        return counts

    @_reading
    def account_scores(self, run_id: str) -> pd.DataFrame:
        """Return every account of a run with its score, tier, qualification and components."""
        table = run_accounts_table
        columns = [table.c[name] for name in SCORE_FIELDS]
        query = sa.select(*columns).where(table.c.run_id == run_id).order_by(table.c.rank)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return pd.DataFrame(rows, columns=list(SCORE_FIELDS)).astype({"qualified": bool})

    @_reading
    def find_accounts(self, run_id: str, text: str, limit: int = 5) -> list[dict[str, Any]]:
        """Accounts whose id is `text`, or whose name contains it, case-insensitively.

        Exact id and exact name matches come first, then by rank.
        """
        table = run_accounts_table
        needle = text.strip().lower()
        exact = sa.or_(
            sa.func.lower(table.c.account_id) == needle, sa.func.lower(table.c.name) == needle
        )
        query = (
            sa.select(table)
            .where(
                table.c.run_id == run_id,
                sa.or_(exact, sa.func.lower(table.c.name).contains(needle, autoescape=True)),
            )
            .order_by(sa.case((exact, 0), else_=1), table.c.rank)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [self._account(dict(row)) for row in rows]

    @_reading
    def history(self, account_id: str, limit: int = 20) -> list[dict[str, Any]]:
        """Return the account's score, tier and rank in each stored run, newest first."""
        accounts, runs = run_accounts_table, runs_table
        query = (
            sa.select(
                runs.c.run_id,
                runs.c.as_of,
                runs.c.created_at,
                accounts.c.score,
                accounts.c.tier,
                accounts.c.rank,
            )
            .join(accounts, accounts.c.run_id == runs.c.run_id)
            .where(accounts.c.account_id == account_id)
            .order_by(runs.c.created_at.desc(), runs.c.run_id.desc())
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [dict(row) for row in connection.execute(query).mappings()]

    @_reading
    def account_names(self, run_id: str) -> list[tuple[str, str]]:
        """Return every account's id and name in a run, for suggestions when a lookup fails."""
        table = run_accounts_table
        query = sa.select(table.c.account_id, table.c.name).where(table.c.run_id == run_id)
        with self.engine.connect() as connection:
            return [(row.account_id, row.name) for row in connection.execute(query)]

    @staticmethod
    def _account(row: dict[str, Any]) -> dict[str, Any]:
        row.pop("run_id", None)
        row["reasons"] = json.loads(row["reasons"])
        if "signals" in row:
            row["signals"] = json.loads(row["signals"])
        return row

    @_reading
    def leads(
        self, run_id: str, account_id: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        table = run_leads_table
        query = sa.select(table).where(table.c.run_id == run_id)
        if account_id is not None:
            query = query.where(table.c.account_id == account_id)
        query = query.order_by(table.c.lead_score.desc(), table.c.contact_id)
        if limit:
            query = query.limit(limit)
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [{key: value for key, value in row.items() if key != "run_id"} for row in rows]

    @_reading
    def evidence(self, run_id: str, account_id: str) -> dict[str, Any] | None:
        """Return the account's evidence lists, or None when the run did not keep them."""
        table = run_evidence_table
        query = sa.select(table.c.evidence).where(
            table.c.run_id == run_id, table.c.account_id == account_id
        )
        with self.engine.connect() as connection:
            value = connection.execute(query).scalar()
        if value is None:
            return None
        evidence = json.loads(value)
        return {key: evidence.get(key) or [] for key in EVIDENCE_KEYS}

    @_reading
    def previous_run(self, run_id: str, backtests: bool = True) -> RunInfo | None:
        """Return the run stored just before this one, or None when it is the first.

        With `backtests=False`, runs as of a later date than this one's are passed over, and of
        the others the one with the latest as-of date is returned, so that a backtest stored in
        between is not taken for the previous state of the accounts.
        """
        current = self.run(run_id)
        runs = runs_table
        earlier = sa.or_(
            runs.c.created_at < current.created_at,
            sa.and_(runs.c.created_at == current.created_at, runs.c.run_id < current.run_id),
        )
        order = [runs.c.created_at.desc(), runs.c.run_id.desc()]
        query = sa.select(runs).where(earlier)
        if not backtests:
            query = query.where(runs.c.as_of <= current.as_of)
            order.insert(0, runs.c.as_of.desc())
        query = query.order_by(*order).limit(1)
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else self._info(row)

    @_reading
    def tiers(self, run_id: str) -> dict[str, tuple[str, float]]:
        """Return every account's tier and score in a run, by account id."""
        table = run_accounts_table
        query = sa.select(table.c.account_id, table.c.tier, table.c.score).where(
            table.c.run_id == run_id
        )
        with self.engine.connect() as connection:
            return {row.account_id: (row.tier, row.score) for row in connection.execute(query)}
