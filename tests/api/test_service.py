"""The HTTP service: API keys and scopes, health checks, and the account routes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from nextbest.api.cli import app as cli
from nextbest.api.keys import KeyStore, api_keys_table
from nextbest.api.main import create_app
from nextbest.scoring.store import RunStore, sqlite_path
from nextbest.settings import Settings, get_settings


@pytest.fixture
def client(scored_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The service over the scored sample, once on SQLite and once on PostgreSQL."""
    settings = Settings(home=tmp_path)
    with TestClient(create_app(settings, scored_url)) as test_client:
        yield test_client


def _key(url: str, scope: str) -> dict[str, str]:
    _, token = KeyStore(RunStore(url)).create(scope)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}"}


def test_health_checks_need_no_key(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert (ready["status"], ready["content"]) == ("ready", False)


def test_service_missing_or_invalid_key(client: TestClient) -> None:
    missing = client.get("/v1/accounts")
    wrong = client.get("/v1/accounts", headers={"Authorization": "Bearer nb_0000_nope"})

    assert (missing.status_code, missing.json()) == (
        401,
        {"detail": "missing API key: send `Authorization: Bearer KEY`"},
    )
    assert (wrong.status_code, wrong.json()) == (401, {"detail": "invalid API key"})


def test_accounts_are_listed_in_rank_order_with_filters(
    client: TestClient, scored_url: str
) -> None:
    headers = _key(scored_url, "read")

    page = client.get("/v1/accounts", params={"tier": "A", "limit": 5}, headers=headers).json()
    unqualified = client.get(
        "/v1/accounts", params={"qualified": "false", "limit": 500}, headers=headers
    ).json()

    assert [row["account_id"] for row in page["accounts"]][:3] == [
        "ACC-000166",
        "ACC-000030",
        "ACC-000053",
    ]
    assert {row["tier"] for row in page["accounts"]} == {"A"}
    assert (page["total"], page["limit"], page["as_of"]) == (200, 5, "2026-12-01")
    assert unqualified["accounts"]
    assert not any(row["qualified"] for row in unqualified["accounts"])


def test_one_account_has_components_reasons_and_history(
    client: TestClient, scored_url: str
) -> None:
    response = client.get("/v1/accounts/ACC-000166", headers=_key(scored_url, "admin"))

    account = response.json()
    assert response.status_code == 200
    assert (account["tier"], account["score"], account["rank"]) == ("A", 94.7, 1)
    assert set(account["components"]) == {
        "fit",
        "intent",
        "relationship",
        "engagement",
        "negative",
    }
    assert account["history"][0]["score"] == 94.7
    # The sample has too few won deals with a product to learn propensity from.
    assert (account["top_product"], account["top_product_probability"]) == (None, None)
    assert response.headers["X-Request-ID"]


def test_openapi_describes_top_product(tmp_path: Path) -> None:
    schemas = create_app(Settings(home=tmp_path)).openapi()["components"]["schemas"]

    for model in ("AccountSummary", "AccountDetail"):
        fields = schemas[model]["properties"]
        assert fields["top_product"]["description"].startswith(
            "The product the account is most likely to buy"
        )
        probability = fields["top_product_probability"]["anyOf"][0]
        assert (probability["minimum"], probability["maximum"]) == (0, 1)


def test_service_unknown_account_404(client: TestClient, scored_url: str) -> None:
    response = client.get("/v1/accounts/NOPE", headers=_key(scored_url, "read"))

    assert response.status_code == 404
    assert response.json()["detail"].startswith("no account 'NOPE' in run ")


def test_api_key_create_last_line(store_url: str) -> None:
    get_settings.cache_clear()

    result = CliRunner().invoke(
        cli, ["api-key", "create", "--scope", "write", "--name", "crm", "--db", store_url]
    )

    token = result.stdout.strip().splitlines()[-1]
    assert result.exit_code == 0, result.output
    assert token.startswith("nb_")
    store = RunStore(store_url)
    key = KeyStore(store).check(token)
    assert key is not None
    assert (key.name, key.scope) == ("crm", "write")
    with store.engine.connect() as connection:
        rows = connection.execute(sa.select(api_keys_table)).all()
    assert len(rows) == 1
    assert token not in repr(rows)
    database_file = sqlite_path(store_url)
    if database_file is not None:
        assert token not in database_file.read_bytes().decode("latin-1")


def test_api_key_scope_order() -> None:
    from nextbest.api.keys import ApiKey

    reader = ApiKey("k1", "r", "read")

    assert reader.allows("read")
    assert not reader.allows("write")
    assert ApiKey("k2", "a", "admin").allows("write")


def test_brief_route_scope_and_cache(client: TestClient, scored_url: str) -> None:
    reader = _key(scored_url, "read")
    writer = _key(scored_url, "write")

    rejected = client.post("/v1/accounts/ACC-000166/brief", headers=reader)
    first = client.post("/v1/accounts/ACC-000166/brief", headers=writer)
    second = client.post("/v1/accounts/ACC-000166/brief", headers=writer)

    assert rejected.status_code == 403
    assert rejected.json() == {"detail": "this API key has scope 'read'; this route needs 'write'"}
    assert first.status_code == 200
    assert (first.json()["tier"], first.json()["generated_by"]) == ("A", "rules")
    assert second.json() == first.json()
    assert len(client.app.state.services.briefs) == 1


def test_brief_route_unknown_account(client: TestClient, scored_url: str) -> None:
    response = client.post("/v1/accounts/NOPE/brief", headers=_key(scored_url, "admin"))

    assert response.status_code == 404
    assert response.json()["detail"].startswith("no account 'NOPE' in the run of 2026-12-01")
