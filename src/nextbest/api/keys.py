"""API keys: created once, shown once, stored only as a hash, each with one scope."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from nextbest.scoring.errors import StoreError, StoreUnavailableError
from nextbest.scoring.store import RunStore

Scope = Literal["read", "write", "admin"]
SCOPES: tuple[Scope, ...] = ("read", "write", "admin")
PREFIX = "nb_"
# A valid key is looked up again after this long, so the database is not read on every request.
REMEMBER_SECONDS = 60.0
MAX_REMEMBERED = 10_000

metadata = sa.MetaData()
api_keys_table = sa.Table(
    "api_keys",
    metadata,
    sa.Column("key_id", sa.String(16), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("scope", sa.String(8), nullable=False),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    name: str
    scope: Scope

    def allows(self, needed: Scope) -> bool:
        return SCOPES.index(self.scope) >= SCOPES.index(needed)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class KeyStore:
    """API keys in the same database as the runs."""

    def __init__(self, store: RunStore, remember: float = REMEMBER_SECONDS) -> None:
        self.engine = store.engine
        store.create_tables(metadata)
        self.remember = remember
        # Keys already checked, by hash of the presented token, with when they were checked.
        self._known: dict[str, tuple[ApiKey, float]] = {}

    def create(self, scope: Scope, name: str = "") -> tuple[ApiKey, str]:
        """Create a key and return it with its full text, which is never stored."""
        key_id = secrets.token_hex(4)
        secret = secrets.token_urlsafe(24)
        token = f"{PREFIX}{key_id}_{secret}"
        row = {
            "key_id": key_id,
            "name": name or f"{scope} key",
            "scope": scope,
            "secret_hash": _hash(token),
            "created_at": datetime.now(UTC).replace(tzinfo=None),
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(api_keys_table.insert(), [row])
        except SQLAlchemyError as error:
            raise StoreError(f"cannot save the API key: {type(error).__name__}") from None
        return ApiKey(key_id, row["name"], scope), token

    def remembered(self, token: str) -> ApiKey | None:
        """Return the key for a token checked in the last `remember` seconds, else None."""
        known = self._known.get(_hash(token))
        if known is not None and time.monotonic() - known[1] < self.remember:
            return known[0]
        return None

    def check(self, token: str) -> ApiKey | None:
        """Return the key for a presented token, or None when it is unknown or malformed."""
        if not token.startswith(PREFIX) or token.count("_") < 2:
            return None
        known = self.remembered(token)
        if known is not None:
            return known
        digest = _hash(token)
        key_id = token[len(PREFIX) :].split("_", 1)[0]
        query = sa.select(api_keys_table).where(api_keys_table.c.key_id == key_id)
        try:
            with self.engine.connect() as connection:
                row = connection.execute(query).first()
        except SQLAlchemyError as error:
            reason = str(getattr(error, "orig", None) or error).splitlines()[0]
            raise StoreUnavailableError(f"cannot read the API keys: {reason}") from None
        if row is None or not hmac.compare_digest(row.secret_hash, digest):
            return None
        key = ApiKey(row.key_id, row.name, row.scope)
        if len(self._known) >= MAX_REMEMBERED:
            self._known.clear()
        self._known[digest] = (key, time.monotonic())
        return key
