"""What the service promises around its routes: a described schema, closed CORS, clean logs."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nextbest.api.keys import KeyStore
from nextbest.api.main import create_app
from nextbest.scoring.store import RunStore
from nextbest.settings import Settings


def _token(url: str, scope: str) -> str:
    return KeyStore(RunStore(url)).create(scope)[1]  # type: ignore[arg-type]


def test_openapi_describes_every_field_and_parameter(tmp_path: Path) -> None:
    document = create_app(Settings(home=tmp_path)).openapi()

    bare_fields = [
        f"{name}.{field}"
        for name, schema in document["components"]["schemas"].items()
        for field, spec in schema.get("properties", {}).items()
        if not spec.get("description")
    ]
    bare_parameters = [
        f"{method.upper()} {path} {parameter['name']}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for parameter in operation.get("parameters", [])
        if not parameter.get("description")
    ]
    assert bare_fields == []
    assert bare_parameters == []
    assert set(document["paths"]) >= {
        "/v1/accounts",
        "/v1/accounts/{account_id}",
        "/v1/accounts/{account_id}/brief",
        "/v1/chat",
        "/v1/runs",
        "/v1/runs/jobs/{job_id}",
        "/healthz",
        "/readyz",
    }
    assert "`delta`" in document["paths"]["/v1/chat"]["post"]["description"]


def test_cors_is_closed_by_default(scored_sample: tuple[Path, str], tmp_path: Path) -> None:
    origin = {"Origin": "https://crm.example.com"}
    with TestClient(create_app(Settings(home=tmp_path), scored_sample[1])) as client:
        preflight = client.options(
            "/v1/accounts", headers=origin | {"Access-Control-Request-Method": "GET"}
        )
        answer = client.get("/healthz", headers=origin)

    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in answer.headers


def test_cors_allows_only_configured_origins(
    scored_sample: tuple[Path, str], tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path, cors_origins=["https://crm.example.com"])
    request = {
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    }
    with TestClient(create_app(settings, scored_sample[1])) as client:
        allowed = client.options(
            "/v1/accounts", headers={"Origin": "https://crm.example.com"} | request
        )
        other = client.options("/v1/accounts", headers={"Origin": "https://evil.example"} | request)

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://crm.example.com"
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers


def test_log_lines_omit_keys_and_messages(
    scored_sample: tuple[Path, str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    token = _token(scored_sample[1], "write")
    headers = {"Authorization": f"Bearer {token}", "X-Request-ID": "rep-42"}
    with TestClient(create_app(Settings(home=tmp_path), scored_sample[1])) as client:
        caplog.set_level(logging.INFO, logger="nextbest.api")
        client.post("/v1/chat", json={"message": "brief for ACC-000166"}, headers=headers)
        client.get("/v1/accounts", params={"owner": "Dana Whitfield"}, headers=headers)
        forged = client.get("/healthz", headers={"X-Request-ID": "x\nINFO fake line"})

    lines = [record.getMessage() for record in caplog.records]
    assert re.fullmatch(r"POST /v1/chat 200 \d+\.\dms request_id=rep-42", lines[0])
    assert re.fullmatch(r"GET /v1/accounts 200 \d+\.\dms request_id=rep-42", lines[1])
    text = "\n".join(lines)
    assert token not in text
    assert "brief for" not in text
    assert "Dana" not in text
    assert forged.headers["X-Request-ID"] != "x\nINFO fake line"
    assert len(forged.headers["X-Request-ID"]) == 16


def test_query_parameter_misspelt_rejected(scored_sample: tuple[Path, str], tmp_path: Path) -> None:
    headers = {"Authorization": f"Bearer {_token(scored_sample[1], 'read')}"}
    with TestClient(create_app(Settings(home=tmp_path), scored_sample[1])) as client:
        response = client.get("/v1/accounts", params={"teir": "A"}, headers=headers)

    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "extra_forbidden",
                "loc": ["query", "teir"],
                "msg": "Unknown query parameter; this route takes: limit, offset, owner, "
                "qualified, run_id, sort, tier, topic",
                "input": "A",
            }
        ]
    }
