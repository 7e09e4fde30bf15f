"""POST /v1/chat: server-sent events, conversations that keep context, and their owners."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nextbest.agent.rules import rules_brief
from nextbest.api.keys import KeyStore
from nextbest.api.main import create_app
from nextbest.scoring.store import RunStore
from nextbest.settings import Settings
from nextbest.tools import ToolDeps


@pytest.fixture
def client(scored_sample: tuple[Path, str], tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(home=tmp_path), scored_sample[1])) as test_client:
        yield test_client


def _key(url: str, scope: str = "write") -> dict[str, str]:
    _, token = KeyStore(RunStore(url)).create(scope)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}"}


def _events(text: str) -> list[tuple[str, object]]:
    """Parse a text/event-stream body into (event, data) pairs, skipping comments."""
    events = []
    for block in text.strip().split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith(":")]
        if not lines:
            continue
        name = next(line[7:] for line in lines if line.startswith("event: "))
        data = "\n".join(line[6:] for line in lines if line.startswith("data: "))
        events.append((name, json.loads(data)))
    return events


def test_chat_streams_the_top_accounts(client: TestClient, scored_sample: tuple[Path, str]) -> None:
    response = client.post(
        "/v1/chat", json={"message": "top 3 tier A accounts"}, headers=_key(scored_sample[1])
    )

    events = _events(response.text)
    names = [name for name, _ in events]
    text = "".join(data["text"] for name, data in events if name == "delta")  # type: ignore[index]
    accounts = dict(events)["accounts"]
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert names == ["start", "delta", "delta", "delta", "delta", "accounts", "done"]
    assert events[0][1] == {"conversation_id": events[-1][1]["conversation_id"], "mode": "rules"}  # type: ignore[index]
    assert text.splitlines()[0] == "Top accounts as of 2026-12-01:"
    assert text.splitlines()[1].startswith("1. ")
    assert [row["account_id"] for row in accounts["accounts"]] == [  # type: ignore[index]
        "ACC-000166",
        "ACC-000030",
        "ACC-000053",
    ]
    assert events[-1][1]["generated_by"] == "rules"  # type: ignore[index]


def test_chat_brief_event_is_the_rules_brief(
    client: TestClient, scored_sample: tuple[Path, str]
) -> None:
    response = client.post(
        "/v1/chat", json={"message": "brief for ACC-000166"}, headers=_key(scored_sample[1])
    )

    brief = dict(_events(response.text))["brief"]
    expected = rules_brief(ToolDeps.latest(RunStore(scored_sample[1])), "ACC-000166")
    assert brief == json.loads(expected.model_dump_json())


def test_chat_conversation_keeps_the_account(
    client: TestClient, scored_sample: tuple[Path, str]
) -> None:
    headers = _key(scored_sample[1])
    first = _events(
        client.post("/v1/chat", json={"message": "why ACC-000030"}, headers=headers).text
    )
    conversation_id = first[0][1]["conversation_id"]  # type: ignore[index]

    follow_up = _events(
        client.post(
            "/v1/chat",
            json={"message": "brief", "conversation_id": conversation_id},
            headers=headers,
        ).text
    )

    assert dict(first)["account"]["account_id"] == "ACC-000030"  # type: ignore[index]
    assert follow_up[0][1]["conversation_id"] == conversation_id  # type: ignore[index]
    assert dict(follow_up)["brief"]["account_id"] == "ACC-000030"  # type: ignore[index]


def test_chat_another_keys_conversation_is_unknown(
    client: TestClient, scored_sample: tuple[Path, str]
) -> None:
    started = client.post("/v1/chat", json={"message": "help"}, headers=_key(scored_sample[1]))
    conversation_id = _events(started.text)[0][1]["conversation_id"]  # type: ignore[index]

    other = client.post(
        "/v1/chat",
        json={"message": "brief", "conversation_id": conversation_id},
        headers=_key(scored_sample[1]),
    )

    assert other.status_code == 404
    assert other.json() == {
        "detail": f"no conversation {conversation_id!r}: it ended or was never started; "
        "send the message without conversation_id to start a new one"
    }


def test_chat_needs_write_scope_and_a_message(
    client: TestClient, scored_sample: tuple[Path, str]
) -> None:
    reader = client.post(
        "/v1/chat", json={"message": "top"}, headers=_key(scored_sample[1], "read")
    )
    empty = client.post("/v1/chat", json={"message": ""}, headers=_key(scored_sample[1]))

    assert reader.status_code == 403
    assert empty.status_code == 422
    assert empty.json()["detail"][0]["loc"] == ["body", "message"]


def test_chat_llm_unconfigured_conflict(
    client: TestClient, scored_sample: tuple[Path, str]
) -> None:
    response = client.post(
        "/v1/chat", json={"message": "top", "llm": True}, headers=_key(scored_sample[1])
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "no language model is configured on this server (its operator sets "
        "OPENAI_API_KEY); leave llm out or send llm=false for the rule-based answer"
    }


def test_chat_unknown_account_is_answered_not_failed(
    client: TestClient, scored_sample: tuple[Path, str]
) -> None:
    response = client.post(
        "/v1/chat", json={"message": "why ACC-999999"}, headers=_key(scored_sample[1])
    )

    events = _events(response.text)
    assert [name for name, _ in events][-1] == "done"
    assert events[1][1]["text"].startswith("no account 'ACC-999999'")  # type: ignore[index]
