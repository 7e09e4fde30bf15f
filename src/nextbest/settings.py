"""Runtime settings: where things live and which models to use.

Read from the environment (and a `.env` file) only when `get_settings()` is first called, never
at import time. Tests build a `Settings` object directly or clear the cache.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_HOME = Path(".nextbest")


class Settings(BaseSettings):
    """Every setting has an environment variable: `NEXTBEST_` and the field name in capitals."""

    model_config = SettingsConfigDict(env_prefix="NEXTBEST_", env_file=".env", extra="ignore")

    home: Path = Field(DEFAULT_HOME, description="Folder for the run store and the content index.")
    db: str | None = Field(
        None, description="SQLAlchemy URL of the run store; default: a SQLite file in `home`."
    )
    chroma_path: Path | None = Field(
        None, description="Folder of the persistent Chroma index; default: `home`/chroma."
    )
    content_collection: str = Field("content", description="Chroma collection of the library.")
    embedding_provider: Literal["local", "openai"] = Field(
        "local",
        description="`local`: all-MiniLM-L6-v2 bundled in a pip package, on the CPU, offline. "
        "`openai`: the embeddings endpoint of OPENAI_BASE_URL.",
    )
    openai_embedding_model: str = Field("text-embedding-3-small")
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("OPENAI_API_KEY", "NEXTBEST_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("OPENAI_BASE_URL", "NEXTBEST_OPENAI_BASE_URL")
    )
    llm_model: str = Field("gpt-4o-mini", description="Chat model of the agent.")
    llm_timeout: float = Field(60.0, gt=0, description="Seconds before a model call is abandoned.")
    llm_max_retries: int = Field(2, ge=0, le=10, description="Retries of a failed model call.")
    llm_budget: float = Field(
        120.0, gt=0, description="Seconds the agent may spend on one brief or chat turn in all."
    )
    share_contact_details: bool = Field(
        False, description="Send contact emails and phone numbers to the model."
    )
    data_dir: Path | None = Field(
        None, description="Folder of exports that `POST /v1/runs` scores."
    )
    config: Path | None = Field(
        None,
        description="Scoring config (YAML) that `POST /v1/runs` uses; default: the shipped one.",
    )
    cors_origins: list[str] = Field(
        [],
        description="Web origins allowed to call the API from a browser, such as "
        '["https://crm.example.com"]; none by default.',
    )

    @property
    def chroma_dir(self) -> Path:
        return self.chroma_path or self.home / "chroma"

    @property
    def llm_enabled(self) -> bool:
        return self.openai_api_key is not None and bool(self.openai_api_key.get_secret_value())

    slack_bot_token: SecretStr | None = Field(
        None, description="Bot token (xoxb-...) that the Slack bot posts with."
    )
    slack_signing_secret: SecretStr | None = Field(
        None, description="Signing secret that verifies requests to /slack/events."
    )
    slack_alert_channel: str | None = Field(
        None, description="Channel id or name that accounts newly in tier A are posted to."
    )
    slack_api_url: str = Field("https://slack.com/api/", description="Slack Web API base URL.")
    slack_app_token: SecretStr | None = Field(
        None, description="App-level token (xapp-...) for Socket Mode: `nextbest slack --socket`."
    )

    @property
    def slack_enabled(self) -> bool:
        """Whether /slack/events is served, which needs a bot token and a signing secret."""
        return _is_set(self.slack_bot_token) and _is_set(self.slack_signing_secret)

    @property
    def slack_alerts_enabled(self) -> bool:
        """Whether scoring runs post new tier-A accounts, which needs a channel and a bot token."""
        return bool(self.slack_alert_channel) and _is_set(self.slack_bot_token)


def _is_set(secret: SecretStr | None) -> bool:
    return secret is not None and bool(secret.get_secret_value().strip())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
