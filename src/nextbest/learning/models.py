"""Learned models, versioned in the run store's database; one of them is active at a time.

A model is its training report (figures, weights, warnings) and an overlay: the scoring
settings it replaces (composite weights, decay half-lives, lead-source quality). Every
activation is recorded, so a rollback returns to the model active before the current one.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from nextbest.scoring.config import ScoringConfig, _merge
from nextbest.scoring.errors import ConfigError, StoreError, StoreUnavailableError
from nextbest.scoring.store import RunStore

metadata = sa.MetaData()
models_table = sa.Table(
    "models",
    metadata,
    sa.Column("version", sa.String(40), primary_key=True),
    sa.Column("created_at", sa.DateTime, nullable=False, index=True),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("data_dir", sa.Text, nullable=False),
    sa.Column("config_hash", sa.String(64), nullable=False),
    sa.Column("auc", sa.Float),
    sa.Column("baseline_auc", sa.Float),
    sa.Column("report", sa.Text, nullable=False),
    sa.Column("overlay", sa.Text, nullable=False),
)
activations_table = sa.Table(
    "model_activations",
    metadata,
    sa.Column("activation_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("version", sa.String(40), sa.ForeignKey("models.version"), nullable=False),
    sa.Column("activated_at", sa.DateTime, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
)


@dataclass(frozen=True)
class ModelRecord:
    version: str
    created_at: datetime
    level: str
    data_dir: str
    config_hash: str
    auc: float | None
    baseline_auc: float | None
    report: dict[str, Any]
    overlay: dict[str, Any]
    active: bool = False

    def summary(self) -> dict[str, Any]:
        """Return the fields `model list` shows, JSON-ready."""
        return {
            "version": self.version,
            "created_at": self.created_at.isoformat(sep=" "),
            "level": self.level,
            "data_dir": self.data_dir,
            "auc": self.auc,
            "baseline_auc": self.baseline_auc,
            "n_train": self.report.get("n_train"),
            "n_test": self.report.get("n_test"),
            "changes": sorted(changed_settings(self.overlay)),
            "active": self.active,
        }


def changed_settings(overlay: dict[str, Any], prefix: str = "") -> list[str]:
    """Return the dotted names of the settings an overlay replaces, e.g. composite.weights."""
    names = []
    for key, value in overlay.items():
        if isinstance(value, dict) and key not in ("weights", "sources", "half_life_days"):
            names.extend(changed_settings(value, f"{prefix}{key}."))
        else:
            names.append(f"{prefix}{key}")
    return names


def apply_overlay(config: ScoringConfig, overlay: dict[str, Any]) -> ScoringConfig:
    """Return the config with a model's learned settings in place of the configured ones."""
    merged = _merge(config.model_dump(mode="json"), overlay)
    try:
        return ScoringConfig.model_validate(merged)
    except ValueError as error:
        raise ConfigError(f"the model's learned settings do not fit this config: {error}") from None


def config_with_model(
    config: ScoringConfig, store: RunStore, model: str | None, data_dir: Path | None = None
) -> tuple[ScoringConfig, str | None, str | None]:
    """Return the config with a model's learned settings, the model's version and a note.

    `model` names a version, "none" for the config alone, or None for the active model. The
    active model applies only to the folder it was trained on, because its weights describe
    that data. A version named explicitly applies anywhere, with a note when the folder differs.
    """
    if model == "none":
        return config, None, None
    models = ModelStore(store)
    if model is None and models.active_version() is None:
        return config, None, None
    record = models.get(model)
    elsewhere = data_dir is not None and not _same_folder(record.data_dir, data_dir)
    if elsewhere and model is None:
        return (
            config,
            None,
            f"the active model {record.version} was trained on {record.data_dir}, not this "
            f"folder, so the config alone is used; pass --model {record.version} to use it",
        )
    note = (
        f"model {record.version} was trained on {record.data_dir}, not this folder"
        if elsewhere
        else None
    )
    return apply_overlay(config, record.overlay), record.version, note


def _same_folder(recorded: str, data_dir: Path) -> bool:
    try:
        return Path(recorded).resolve() == data_dir.resolve()
    except OSError:
        return False


class ModelStore:
    """Models in the same database as the runs."""

    def __init__(self, store: RunStore) -> None:
        self.engine = store.engine
        self._safe_url = store._safe_url
        store.create_tables(metadata)

    def _failed(self, doing: str, error: SQLAlchemyError) -> StoreError:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        return StoreUnavailableError(f"cannot {doing} in {self._safe_url()}: {reason}")

    @staticmethod
    def new_version() -> str:
        return f"m{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"

    def save(
        self,
        version: str,
        report: dict[str, Any],
        overlay: dict[str, Any],
        data_dir: str,
        config_hash: str,
        activate: bool = True,
    ) -> ModelRecord:
        """Store a trained model and make it the active one unless `activate` is False."""
        created_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        row = {
            "version": version,
            "created_at": created_at,
            "level": report["level"],
            "data_dir": data_dir,
            "config_hash": config_hash,
            "auc": report.get("auc"),
            "baseline_auc": report.get("baseline_auc"),
            "report": json.dumps(report),
            "overlay": json.dumps(overlay, sort_keys=True),
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(models_table.insert(), [row])
                if activate:
                    self._record(connection, version, "train")
        except SQLAlchemyError as error:
            raise self._failed("save the model", error) from None
        return self.get(version)

    @staticmethod
    def _record(connection: sa.Connection, version: str, action: str) -> None:
        connection.execute(
            activations_table.insert(),
            [
                {
                    "version": version,
                    "activated_at": datetime.now(UTC).replace(tzinfo=None),
                    "action": action,
                }
            ],
        )

    def _history(self, connection: sa.Connection) -> list[str]:
        """Return the activated versions, newest first."""
        query = sa.select(activations_table.c.version).order_by(
            activations_table.c.activation_id.desc()
        )
        return [row.version for row in connection.execute(query)]

    def active_version(self) -> str | None:
        try:
            with self.engine.connect() as connection:
                history = self._history(connection)
        except SQLAlchemyError as error:
            raise self._failed("read the models", error) from None
        return history[0] if history else None

    def _record_of(self, row: sa.Row[Any], active: str | None) -> ModelRecord:
        return ModelRecord(
            version=row.version,
            created_at=row.created_at,
            level=row.level,
            data_dir=row.data_dir,
            config_hash=row.config_hash,
            auc=row.auc,
            baseline_auc=row.baseline_auc,
            report=json.loads(row.report),
            overlay=json.loads(row.overlay),
            active=row.version == active,
        )

    def list(self) -> list[ModelRecord]:
        """Return every model, newest first."""
        query = sa.select(models_table).order_by(
            models_table.c.created_at.desc(), models_table.c.version.desc()
        )
        try:
            with self.engine.connect() as connection:
                active = next(iter(self._history(connection)), None)
                return [self._record_of(row, active) for row in connection.execute(query)]
        except SQLAlchemyError as error:
            raise self._failed("read the models", error) from None

    def get(self, version: str | None = None) -> ModelRecord:
        """Return the model of that version, or the active one when None."""
        try:
            with self.engine.connect() as connection:
                active = next(iter(self._history(connection)), None)
                wanted = version if version is not None else active
                if wanted is None:
                    raise StoreError("no model is active; train one with `nextbest train`")
                row = connection.execute(
                    sa.select(models_table).where(models_table.c.version == wanted)
                ).first()
        except SQLAlchemyError as error:
            raise self._failed("read the models", error) from None
        if row is None:
            raise StoreError(
                f"no model {wanted!r} in the store; `nextbest model list` shows the versions"
            )
        return self._record_of(row, active)

    def activate(self, version: str) -> ModelRecord:
        """Make a stored model the active one."""
        record = self.get(version)
        if record.active:
            return record
        try:
            with self.engine.begin() as connection:
                self._record(connection, version, "activate")
        except SQLAlchemyError as error:
            raise self._failed("activate the model", error) from None
        return self.get(version)

    def rollback(self) -> ModelRecord:
        """Reactivate the model that was active before the current one.

        Activations form a stack: training or activating pushes a model, a rollback pops one,
        so repeated rollbacks walk back through earlier models instead of swapping two.
        """
        try:
            with self.engine.begin() as connection:
                query = sa.select(activations_table).order_by(activations_table.c.activation_id)
                stack: list[str] = []
                for row in connection.execute(query):
                    if row.action == "rollback":
                        stack.pop()
                    else:
                        stack.append(row.version)
                if not stack:
                    raise StoreError("no model is active, so there is nothing to roll back")
                if len(stack) == 1:
                    raise StoreError(
                        f"{stack[0]} is the first model activated; there is none before it"
                    )
                previous = stack[-2]
                self._record(connection, previous, "rollback")
        except SQLAlchemyError as error:
            raise self._failed("roll back the model", error) from None
        return self.get(previous)
