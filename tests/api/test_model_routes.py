"""The brief and chat routes with a model: the real openai client against a fake server."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from nextbest.api.keys import KeyStore
from nextbest.api.main import create_app
from nextbest.scoring.store import RunStore
from nextbest.settings import Settings
from tests.fake_openai import FakeOpenAI, Reply, brief_draft, tool_call

ACCOUNT = "ACC-000166"


def _settings(fake: FakeOpenAI, home: Path) -> Settings:
    return Settings(
        home=home,
        openai_api_key="sk-test-not-a-real-key",
        openai_base_url=fake.base_url,
        llm_model="fake-model",
        llm_timeout=5.0,
        llm_max_retries=0,
    )


def _headers(url: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KeyStore(RunStore(url)).create('write')[1]}"}


def test_brief_route_uses_the_model_once(scored_sample: tuple[Path, str], tmp_path: Path) -> None:
    script = [
        tool_call("account_score", account_id=ACCOUNT),
        tool_call("buying_group", account_id=ACCOUNT),
        tool_call("BriefDraft", **brief_draft()),
    ]
    headers = _headers(scored_sample[1])
    with (
        FakeOpenAI(script) as fake,
        TestClient(create_app(_settings(fake, tmp_path), scored_sample[1])) as client,
    ):
        first = client.post(f"/v1/accounts/{ACCOUNT}/brief", headers=headers)
        served = fake.served
        again = client.post(f"/v1/accounts/{ACCOUNT}/brief", headers=headers)

    brief = first.json()
    assert first.status_code == 200
    assert brief["generated_by"] == "llm"
    assert brief["drafts"]["email_subject"] == "Your Sentinel Detect demo"
    assert [request["model"] for request in fake.requests] == ["fake-model"] * 3
    assert again.json() == brief
    assert (served, fake.served) == (3, 3)


def test_chat_route_streams_the_models_answer(
    scored_sample: tuple[Path, str], tmp_path: Path
) -> None:
    script = [
        tool_call("top_accounts", limit=1),
        Reply(content="Zelanta Payments Ltd leads the list.\nCall its security lead first."),
    ]
    with (
        FakeOpenAI(script) as fake,
        TestClient(create_app(_settings(fake, tmp_path), scored_sample[1])) as client,
    ):
        response = client.post(
            "/v1/chat", json={"message": "who is top?"}, headers=_headers(scored_sample[1])
        )

    events = [
        (block.split("\n")[0][7:], json.loads(block.split("\n")[1][6:]))
        for block in response.text.strip().split("\n\n")
        if block.startswith("event: ")
    ]
    assert events[0][1]["mode"] == "llm"
    assert [data["text"] for name, data in events if name == "delta"] == [
        "Zelanta Payments Ltd leads the list.\n",
        "Call its security lead first.",
    ]
    assert events[-1] == (
        "done",
        {"conversation_id": events[0][1]["conversation_id"], "generated_by": "llm"},
    )
    assert fake.requests[0]["messages"][-1]["content"] == "who is top?"
