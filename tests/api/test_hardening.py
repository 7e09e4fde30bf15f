"""Hostile and broken input to the service: its responses and what it writes to its log."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from nextbest.api.cli import app as cli
from nextbest.api.conversations import Conversations
from nextbest.api.keys import KeyStore
from nextbest.api.main import MAX_BODY_BYTES, create_app
from nextbest.api.mcp_server import McpServices, call_tool
from nextbest.api.request_ids import loggable_path
from nextbest.scoring import store as store_module
from nextbest.scoring.store import RunStore
from nextbest.settings import Settings, get_settings
from tests.fake_openai import FakeOpenAI, Reply


@pytest.fixture
def client(scored_sample: tuple[Path, str], tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(home=tmp_path), scored_sample[1])) as test_client:
        yield test_client


def _headers(url: str, scope: str = "write") -> dict[str, str]:
    return {"Authorization": f"Bearer {KeyStore(RunStore(url)).create(scope)[1]}"}  # type: ignore[arg-type]


def test_logged_path_escapes_control_characters() -> None:
    forged = "/v1/accounts/x\n2026-12-05 01:07:26 ERROR nextbest.api: forged\x1b[31m\x00"

    assert loggable_path(forged) == (
        "/v1/accounts/x\\u000a2026-12-05 01:07:26 ERROR nextbest.api: forged\\u001b[31m\\u0000"
    )
    assert loggable_path("/" + "a" * 300) == "/" + "a" * 199 + "…"


def test_log_line_cannot_be_forged(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="nextbest.api")

    client.get("/v1/accounts/x%0A2026-12-05%20ERROR%20nextbest.api:%20forged")

    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 1
    assert "\n" not in lines[0]
    assert lines[0].startswith("GET /v1/accounts/x\\u000a2026-12-05 ERROR nextbest.api: forged 404")


def test_conversations_one_key_cannot_evict_others() -> None:
    conversations = Conversations(limit=10, per_key=4)
    kept = conversations.start("other", session=None, mode="rules")  # type: ignore[arg-type]

    started = [conversations.start("busy", None, "rules") for _ in range(20)]  # type: ignore[arg-type]

    assert conversations.get(kept.conversation_id, "other") is kept
    assert [conversations.get(item.conversation_id, "busy") for item in started[-4:]] == started[
        -4:
    ]
    assert conversations.get(started[0].conversation_id, "busy") is None
    assert len(conversations) == 5


def test_oversized_body_is_rejected(client: TestClient, scored_sample: tuple[Path, str]) -> None:
    body = b'{"message": "' + b"a" * MAX_BODY_BYTES + b'"}'

    response = client.post(
        "/v1/chat",
        content=body,
        headers=_headers(scored_sample[1]) | {"Content-Type": "application/json"},
    )

    assert response.status_code == 413


def test_long_message_error_is_short(client: TestClient, scored_sample: tuple[Path, str]) -> None:
    response = client.post(
        "/v1/chat", json={"message": "a" * 100_000}, headers=_headers(scored_sample[1])
    )

    assert response.status_code == 422
    assert len(response.content) < 1_000
    assert response.json()["detail"][0]["input"] == "a" * 200 + "…"


def test_lone_surrogate_message_rejected_unlogged(
    client: TestClient, scored_sample: tuple[Path, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = '{"message": "Please brief Mariana mariana.romano@example.com \\ud800"}'

    response = client.post(
        "/v1/chat",
        content=body.encode(),
        headers=_headers(scored_sample[1]) | {"Content-Type": "application/json"},
    )

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "string_unicode",
            "loc": ["body", "message"],
            "msg": "Input should be a valid string, unable to parse raw data as a unicode string",
            "input": "Please brief Mariana mariana.romano@example.com \\ud800",
        }
    ]
    assert response.headers["X-Request-ID"]
    assert "mariana" not in caplog.text.lower()


@pytest.mark.parametrize(
    ("path", "params", "location"),
    [
        ("/v1/accounts/a%00b", {}, ["path", "account_id"]),
        ("/v1/accounts", {"owner": "a\x00b"}, ["query", "owner"]),
        ("/v1/accounts", {"topic": "a" * 201}, ["query", "topic"]),
        ("/v1/accounts", {"run_id": "a\x1bb"}, ["query", "run_id"]),
    ],
)
def test_bad_text_rejected_before_store(
    client: TestClient,
    scored_sample: tuple[Path, str],
    path: str,
    params: dict[str, str],
    location: list[str],
) -> None:
    response = client.get(path, params=params, headers=_headers(scored_sample[1], "read"))

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == location


def test_account_id_with_a_slash(client: TestClient, scored_sample: tuple[Path, str]) -> None:
    headers = _headers(scored_sample[1])

    lookup = client.get("/v1/accounts/ACC%2F1", headers=headers)
    brief = client.post("/v1/accounts/ACC%2F1/brief", headers=headers)

    assert (lookup.status_code, brief.status_code) == (404, 404)
    assert lookup.json()["detail"].startswith("no account 'ACC/1' in run ")
    assert brief.json()["detail"].startswith("no account 'ACC/1' in the run of 2026-12-01")


def test_method_not_allowed_lists_allow(client: TestClient) -> None:
    answers = {path: client.delete(path) for path in ("/v1/runs", "/v1/chat", "/healthz")}

    assert {path: answer.status_code for path, answer in answers.items()} == {
        "/v1/runs": 405,
        "/v1/chat": 405,
        "/healthz": 405,
    }
    assert answers["/v1/runs"].headers["Allow"] == "GET, POST"
    assert answers["/v1/chat"].headers["Allow"] == "POST"
    assert answers["/healthz"].headers["Allow"] == "GET, HEAD"


def test_store_errors_hide_the_store_url(
    client: TestClient, scored_sample: tuple[Path, str]
) -> None:
    response = client.get(
        "/v1/accounts", params={"run_id": "nope"}, headers=_headers(scored_sample[1], "read")
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "no run 'nope'; GET /v1/runs lists the stored runs"}


def test_key_check_with_store_down_is_503(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    url = f"sqlite:///{path}"
    RunStore(url)
    KeyStore(RunStore(url))
    with TestClient(create_app(Settings(home=tmp_path), url)) as client:
        with sqlite3.connect(path) as connection:
            connection.execute("DROP TABLE api_keys")
        response = client.get(
            "/v1/accounts", headers={"Authorization": "Bearer nb_00000000_never-checked"}
        )

    assert response.status_code == 503
    assert response.json() == {
        "detail": "the run store is unavailable; the server log has the details"
    }


def test_brief_after_model_failure_is_not_cached(
    scored_sample: tuple[Path, str], tmp_path: Path
) -> None:
    headers = _headers(scored_sample[1])
    with FakeOpenAI([Reply(status=500)]) as fake:
        settings = Settings(
            home=tmp_path,
            openai_api_key="sk-test-not-a-real-key",
            openai_base_url=fake.base_url,
            llm_timeout=5.0,
            llm_max_retries=0,
        )
        with TestClient(create_app(settings, scored_sample[1])) as client:
            first = client.post("/v1/accounts/ACC-000166/brief", headers=headers)
            served = fake.served
            second = client.post("/v1/accounts/ACC-000166/brief", headers=headers)

    assert first.json()["generated_by"] == "rules-fallback"
    assert second.json()["generated_by"] == "rules-fallback"
    assert fake.served > served


def test_serve_checks_data_dir_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEXTBEST_DATA_DIR", str(tmp_path / "missing"))
    get_settings.cache_clear()

    result = CliRunner().invoke(cli, ["serve", "--db", f"sqlite:///{tmp_path / 'runs.db'}"])
    get_settings.cache_clear()

    assert result.exit_code == 2
    assert f"NEXTBEST_DATA_DIR: {tmp_path / 'missing'} is not a folder" in result.stderr


def test_api_key_name_must_be_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["api-key", "create", "--name", "x\ny", "--db", f"sqlite:///{tmp_path / 'runs.db'}"],
    )

    assert result.exit_code == 2
    assert "--name: expected up to 100 printable characters, without line breaks" in (result.stderr)


def test_postgres_scheme_gets_a_hint() -> None:
    with pytest.raises(store_module.StoreUnavailableError) as raised:
        RunStore("postgres://user:secret@127.0.0.1/db")

    assert str(raised.value) == (
        "invalid run store URL: SQLAlchemy spells the scheme postgresql://, not postgres://"
    )


def test_mcp_rejects_unknown_and_control_arguments(
    scored_sample: tuple[Path, str], tmp_path: Path
) -> None:
    services = McpServices(Settings(home=tmp_path), RunStore(scored_sample[1]))

    misspelt = call_tool(services, "top_accounts", {"teir": "C", "limit": 2})
    nul = call_tool(services, "account_score", {"account_id": "a\x00b"})

    assert misspelt.is_error
    assert misspelt.content[0].text == (
        "unknown argument 'teir' for top_accounts; it takes: tier, owner, topic, limit"
    )
    assert nul.is_error
    assert nul.content[0].text == (
        "invalid argument account_id for account_score: control characters are not allowed"
    )


def test_as_of_out_of_range_rejected(client: TestClient, scored_sample: tuple[Path, str]) -> None:
    response = client.post(
        "/v1/runs", json={"as_of": "9999-12-31"}, headers=_headers(scored_sample[1], "admin")
    )
    command = CliRunner().invoke(
        cli, ["score", str(scored_sample[0]), "--as-of", "9999-12-31", "--db", "sqlite://"]
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == (
        "Value error, expected a date from 1970-01-01 to 2099-12-31"
    )
    assert command.exit_code == 2
    assert "--as-of: 9999-12-31 is out of range; expected 1970-01-01 to 2099-12-31" in (
        command.stderr
    )


def test_health_answers_head(client: TestClient) -> None:
    assert client.head("/healthz").status_code == 200
    assert client.head("/readyz").status_code == 200
