"""The Slack bot: signed requests to /slack/events, a fake Slack Web API, tier-A alerts."""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from slack_sdk.signature import SignatureVerifier
from typer.testing import CliRunner

from nextbest.agent.brief import ContentChoice
from nextbest.agent.rules import rules_brief
from nextbest.api.cli import app as cli
from nextbest.api.keys import KeyStore
from nextbest.api.main import create_app
from nextbest.api.slack import USAGE, parse_command
from nextbest.api.slack_alerts import announce_new_tier_a
from nextbest.api.slack_blocks import brief_message, escape
from nextbest.scoring.config import load_config
from nextbest.scoring.runs import score_folder
from nextbest.scoring.store import RunStore
from nextbest.settings import Settings, get_settings
from nextbest.tools import ToolDeps
from tests.conftest import SAMPLE_AS_OF
from tests.fake_openai import FakeOpenAI, Reply, tool_call
from tests.fake_slack import BOT_USER_ID, TEAM_ID, FakeSlack

SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-bot-token"
USER = "U0000001"
CHANNEL = "C0000001"
TOP = "Zelanta Payments Ltd"  # ACC-000166, rank 1 of the scored sample


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


def _settings(home: Path, fake: FakeSlack, **overrides: Any) -> Settings:
    return Settings(
        home=home,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
        **overrides,
    )


@pytest.fixture
def client(
    scored_sample: tuple[Path, str], tmp_path: Path, fake: FakeSlack
) -> Iterator[TestClient]:
    app = create_app(_settings(tmp_path, fake), scored_sample[1])
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def store(scored_sample: tuple[Path, str]) -> RunStore:
    return RunStore(scored_sample[1])


def _headers(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature or ""}


def _command_body(fake: FakeSlack, text: str) -> str:
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "example",
            "channel_id": CHANNEL,
            "channel_name": "sales",
            "user_id": USER,
            "user_name": "ann",
            "command": "/nextbest",
            "text": text,
            "api_app_id": "A0000001",
            "response_url": fake.response_url(),
            "trigger_id": "1.2.3",
        }
    )


def _command(client: TestClient, fake: FakeSlack, text: str) -> Any:
    body = _command_body(fake, text)
    headers = {**_headers(body), "Content-Type": "application/x-www-form-urlencoded"}
    return client.post("/slack/events", content=body, headers=headers)


def _mention(client: TestClient, text: str, ts: str, thread_ts: str | None = None) -> Any:
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": USER,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": ts,
        "channel": CHANNEL,
        "event_ts": ts,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    body = json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A0000001",
            "type": "event_callback",
            "event_id": f"Ev{ts.replace('.', '')}",
            "event_time": int(float(ts)),
            "event": event,
        }
    )
    headers = {**_headers(body), "Content-Type": "application/json"}
    return client.post("/slack/events", content=body, headers=headers)


def _valid_blocks(blocks: list[dict[str, Any]]) -> None:
    """Check each block against slack_sdk's Block Kit models, which enforce Slack's limits."""
    assert 0 < len(blocks) <= 50
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    texts = []
    for block in blocks:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts.extend(item["text"] for item in block.get("fields", []))
        texts.extend(item["text"] for item in block.get("elements", []))
    return texts


def _top_line(row: dict[str, Any]) -> str:
    reason = f": {row['reasons'][0]}" if row["reasons"] else ""
    return f"{row['rank']}. {row['name']} ({row['account_id']}), tier {row['tier']}, " + (
        f"score {row['score']:g}{reason}"
    )


def test_slack_top_tier_a_exact_reply(client: TestClient, fake: FakeSlack, store: RunStore) -> None:
    response = _command(client, fake, "top A")

    reply = fake.wait_for("response_url")[0]
    rows = store.accounts(store.run().run_id, tier="A", limit=10)
    assert (response.status_code, response.text) == (200, "")
    assert reply.body["text"] == "Top tier A accounts as of 2026-12-01:\n" + "\n".join(
        _top_line(row) for row in rows
    )
    assert reply.body["text"].splitlines()[1] == (
        f"1. {TOP} (ACC-000166), tier A, score 94.7: "
        "Industry Financial Services is a 100% ICP match (+8.8)"
    )
    assert reply.body["response_type"] == "ephemeral"
    assert reply.body["blocks"][0]["text"]["text"] == "Top tier A accounts"
    assert reply.body["blocks"][2]["text"]["text"].startswith(f"1. *{TOP}* (ACC-000166), tier A")
    _valid_blocks(reply.body["blocks"])


def test_slack_calls_use_bot_token(client: TestClient, fake: FakeSlack) -> None:
    _command(client, fake, "top")

    fake.wait_for("response_url")
    auth = fake.calls_to("auth.test")
    assert len(auth) == 1
    assert auth[0].authorization == f"Bearer {BOT_TOKEN}"
    assert fake.calls_to("response_url")[0].authorization is None


def test_slack_why_lists_reasons(client: TestClient, fake: FakeSlack, store: RunStore) -> None:
    _command(client, fake, "why acc-000166")

    reply = fake.wait_for("response_url")[0]
    row = store.accounts(store.run().run_id, account_id="ACC-000166")[0]
    assert reply.body["text"] == (
        f"{TOP} (ACC-000166) is tier A, score 94.7, rank 1 of 200, because: "
        + "; ".join(row["reasons"])
    )
    blocks = reply.body["blocks"]
    assert blocks[0]["text"]["text"] == f"{TOP} (ACC-000166)"
    assert blocks[1]["text"]["text"].startswith("*Tier A*, score *94.7*, rank 1 of 200 · run `")
    assert [field["text"] for field in blocks[2]["fields"]] == [
        f"*{name.capitalize()}*\n{row[name]:.0f}"
        for name in ("fit", "intent", "relationship", "engagement", "negative")
    ]
    assert blocks[3]["text"]["text"] == "*Reasons*\n" + "\n".join(
        f"• {reason}" for reason in row["reasons"]
    )
    _valid_blocks(blocks)


def test_slack_brief_acks_then_responds(client: TestClient, fake: FakeSlack) -> None:
    response = _command(client, fake, "brief Zelanta Payments")

    reply = fake.wait_for("response_url")[0]
    blocks = reply.body["blocks"]
    texts = _texts(blocks)
    assert response.text == "Writing the brief for Zelanta Payments…"
    assert reply.body["text"].startswith(
        f"Brief for {TOP} (ACC-000166): tier A, score 94.7, rank 1. Next step: "
    )
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": f"{TOP} (ACC-000166)"},
    }
    assert texts[1].startswith("*Tier A*, score *94.7*, rank 1 · run `")
    assert texts[2].startswith("*Next step:* ")
    assert "\n*When:* " in texts[2]
    headings = [text.split("\n")[0] for text in texts]
    for heading in ("*Why now*", "*Whom to contact*", "*Channels*", "*Email draft*"):
        assert heading in headings
    assert texts[-1].startswith("Generated by rules. Sources: run ")
    _valid_blocks(blocks)


def test_slack_brief_hides_emails_by_default(client: TestClient, fake: FakeSlack) -> None:
    _command(client, fake, "brief ACC-000166")

    reply = fake.wait_for("response_url")[0]
    contacts = next(text for text in _texts(reply.body["blocks"]) if "Whom to contact" in text)
    assert "@" not in json.dumps(reply.body)
    assert "[redacted]" not in contacts


def test_slack_brief_shares_emails_when_set(
    scored_sample: tuple[Path, str], tmp_path: Path, fake: FakeSlack
) -> None:
    settings = _settings(tmp_path, fake, share_contact_details=True)
    with TestClient(create_app(settings, scored_sample[1])) as client:
        _command(client, fake, "brief ACC-000166")
        reply = fake.wait_for("response_url")[0]

    contacts = next(text for text in _texts(reply.body["blocks"]) if "Whom to contact" in text)
    assert "@" in contacts
    assert " · " in contacts.splitlines()[1]


def test_slack_unknown_account_suggests(client: TestClient, fake: FakeSlack) -> None:
    _command(client, fake, "why Zelanta Paymnts")

    reply = fake.wait_for("response_url")[0]
    assert reply.body["text"] == (
        f"no account 'Zelanta Paymnts' in the run of 2026-12-01; did you mean ACC-000166 ({TOP})?"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", USAGE),
        ("help", USAGE),
        ("top D", "`/nextbest top` takes a tier A, B or C, got 'D'."),
        ("why", "`/nextbest why` needs an account: an id such as ACC-000124, or a name."),
        ("brief  ", "`/nextbest brief` needs an account: an id such as ACC-000124, or a name."),
        ("rank ACC-000166", f"Unknown subcommand 'rank'.\n{USAGE}"),
    ],
)
def test_slack_command_usage_replies(
    client: TestClient, fake: FakeSlack, text: str, expected: str
) -> None:
    response = _command(client, fake, text)

    assert response.status_code == 200
    assert response.text == expected
    assert fake.calls_to("response_url") == []


def test_slack_mentions_answered_in_thread(client: TestClient, fake: FakeSlack) -> None:
    first = _mention(client, "why is ACC-000166 ranked so high?", ts="1764000000.000100")
    answer = fake.wait_for("chat.postMessage")[0]
    second = _mention(
        client, "what should I do about it?", ts="1764000060.000200", thread_ts="1764000000.000100"
    )
    follow_up = fake.wait_for("chat.postMessage", 2)[1]

    assert (first.status_code, second.status_code) == (200, 200)
    assert answer.authorization == f"Bearer {BOT_TOKEN}"
    assert (answer.body["channel"], answer.body["thread_ts"]) == (CHANNEL, "1764000000.000100")
    assert answer.body["text"].startswith(f"{TOP} (ACC-000166) is tier A, score 94.7, rank 1")
    assert answer.body["blocks"][0]["text"]["text"] == f"{TOP} (ACC-000166)"
    # The thread's session remembers the account, so "it" is ACC-000166.
    assert follow_up.body["thread_ts"] == "1764000000.000100"
    assert follow_up.body["text"].startswith(f"Brief for {TOP} (ACC-000166): tier A")
    _valid_blocks(follow_up.body["blocks"])


def test_slack_model_session_per_thread(
    scored_sample: tuple[Path, str], tmp_path: Path, fake: FakeSlack
) -> None:
    script = [
        tool_call("account_score", account_id="ACC-000166"),
        Reply(content="Zelanta Payments is tier A."),
        Reply(content="Their strongest topic is Threat Intelligence."),
        Reply(content="Ask me about any account."),
    ]
    with FakeOpenAI(script) as model:
        settings = _settings(
            tmp_path, fake, openai_api_key="sk-test", openai_base_url=model.base_url
        )
        with TestClient(create_app(settings, scored_sample[1])) as client:
            _mention(client, "How is Zelanta doing?", ts="1764000000.000100")
            fake.wait_for("chat.postMessage", 1)
            _mention(
                client, "And what are they researching?", "1764000001.000100", "1764000000.000100"
            )
            fake.wait_for("chat.postMessage", 2)
            _mention(client, "hello", ts="1764000002.000100")
            posted = fake.wait_for("chat.postMessage", 3)

    assert [call.body["text"] for call in posted] == [
        "Zelanta Payments is tier A.",
        "Their strongest topic is Threat Intelligence.",
        "Ask me about any account.",
    ]
    assert [call.body["thread_ts"] for call in posted] == [
        "1764000000.000100",
        "1764000000.000100",
        "1764000002.000100",
    ]
    same_thread = [message["role"] for message in model.requests[2]["messages"]]
    new_thread = [message["role"] for message in model.requests[3]["messages"]]
    assert same_thread == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert new_thread == ["system", "user"]


def test_slack_mention_without_question_gets_help(client: TestClient, fake: FakeSlack) -> None:
    _mention(client, "", ts="1764000000.000300")

    answer = fake.wait_for("chat.postMessage")[0]
    assert answer.body["text"].startswith("I can answer, without a language model:")


@pytest.mark.parametrize(
    "case", ["missing signature", "wrong secret", "stale timestamp", "changed body"]
)
def test_slack_rejects_unsigned_requests(client: TestClient, fake: FakeSlack, case: str) -> None:
    body = _command_body(fake, "top A")
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if case == "wrong secret":
        headers |= _headers(body, secret="not-the-signing-secret")
    elif case == "stale timestamp":
        headers |= _headers(body, timestamp=int(time.time()) - 6 * 60)
    elif case == "changed body":
        headers |= _headers(body)
        body = body.replace("top+A", "top+B")

    response = client.post("/slack/events", content=body, headers=headers)

    assert response.status_code == 401
    assert response.json() == {"error": "invalid request"}
    time.sleep(0.2)
    assert fake.calls == []


@pytest.mark.parametrize(
    "timestamp", ["yesterday", "\u00b2".encode("latin-1"), "9" * 400, "1" * 13]
)
def test_slack_rejects_garbage_timestamp(
    client: TestClient, fake: FakeSlack, timestamp: str
) -> None:
    body = _command_body(fake, "top")
    headers = {**_headers(body), "Content-Type": "application/x-www-form-urlencoded"}
    headers["X-Slack-Request-Timestamp"] = timestamp

    response = client.post("/slack/events", content=body, headers=headers)

    assert response.status_code == 401
    assert fake.calls == []


def test_slack_url_verification(client: TestClient) -> None:
    body = json.dumps({"token": "t", "challenge": "c-123", "type": "url_verification"})
    headers = {**_headers(body), "Content-Type": "application/json"}

    response = client.post("/slack/events", content=body, headers=headers)

    assert (response.status_code, response.json()) == (200, {"challenge": "c-123"})


def test_slack_not_mounted_unconfigured(scored_sample: tuple[Path, str], tmp_path: Path) -> None:
    with TestClient(create_app(Settings(home=tmp_path), scored_sample[1])) as client:
        response = client.post("/slack/events", content="{}")

    assert response.status_code == 404


def test_slack_secrets_stay_out_of_logs(
    client: TestClient, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = _command_body(fake, "top")
    client.post("/slack/events", content=body, headers=_headers(body, secret="wrong"))
    _command(client, fake, "why ACC-000166")
    fake.wait_for("response_url")
    settings = client.app.state.slack.settings

    for secret in (BOT_TOKEN, SIGNING_SECRET):
        assert secret not in caplog.text
        assert secret not in repr(settings)
        assert secret not in str(settings.model_dump())


def test_parse_command_keeps_account_text() -> None:
    parsed = parse_command("  Brief   Zelanta  Payments ")

    assert not isinstance(parsed, str)
    assert (parsed.name, parsed.argument) == ("brief", "Zelanta  Payments")


def test_brief_blocks_escape_data(store: RunStore) -> None:
    brief = rules_brief(ToolDeps.latest(store), "ACC-000166")
    hostile = brief.model_copy(
        update={
            "name": "<!channel> Tom & Jerry <https://evil.example|login>",
            "content": [
                ContentChoice(
                    id="guide-1",
                    title="Zero Trust <b>guide</b>",
                    url="https://example.com/guide",
                    reason="fits & matches",
                ),
                ContentChoice(id="x", title="Click", url="javascript:alert(1)", reason="r"),
            ],
        }
    )

    message = brief_message(hostile)

    texts = _texts(message.blocks)
    assert "<!channel>" not in message.text
    assert message.text.startswith(
        "Brief for &lt;!channel&gt; Tom &amp; Jerry &lt;https://evil.example|login&gt; "
    )
    content = next(text for text in texts if text.startswith("*Content*"))
    assert content.splitlines()[1] == (
        "• <https://example.com/guide|Zero Trust &lt;b&gt;guide&lt;/b&gt;> (`guide-1`): "
        "fits &amp; matches"
    )
    assert content.splitlines()[2] == "• Click (`x`): r"
    _valid_blocks(message.blocks)


def test_brief_blocks_cut_long_drafts(store: RunStore) -> None:
    brief = rules_brief(ToolDeps.latest(store), "ACC-000166")
    drafts = brief.drafts.model_copy(update={"email_body": "word & more\n" * 1000})
    long_name = "N" * 400

    message = brief_message(brief.model_copy(update={"drafts": drafts, "name": long_name}))

    assert len(message.blocks[0]["text"]["text"]) == 150
    _valid_blocks(message.blocks)


# Tier-A alerts: the sample scored without ACC-000030 (rank 2, tier A), then scored in full with
# tier A starting at 58 instead of 60. Five accounts cross: ACC-000030 because it is new, and
# the four that scored from 58 to 60 in the first run.
CROSSED = ["ACC-000030", "ACC-000181", "ACC-000163", "ACC-000042", "ACC-000133"]


@pytest.fixture(scope="module")
def alert_inputs(
    scored_sample: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, Path]:
    """(data without ACC-000030, full data, config with tier A from 58)."""
    root = tmp_path_factory.mktemp("alerts")
    reduced = root / "reduced"
    shutil.copytree(scored_sample[0], reduced)
    accounts = (reduced / "accounts.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    remaining = [line for line in accounts if not line.startswith('"ACC-000030",')]
    assert len(remaining) == len(accounts) - 1
    (reduced / "accounts.csv").write_text("".join(remaining), encoding="utf-8")
    config = root / "lower_a.yaml"
    config.write_text("tiers:\n  A: 58\n", encoding="utf-8")
    return reduced, scored_sample[0], config


@pytest.fixture(scope="module")
def two_runs(
    alert_inputs: tuple[Path, Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[RunStore, str, str]:
    reduced, full, config = alert_inputs
    store = RunStore(f"sqlite:///{tmp_path_factory.mktemp('alert-store') / 'runs.db'}")
    first = store.save(score_folder(reduced, load_config(), as_of=SAMPLE_AS_OF))
    second = store.save(score_folder(full, load_config(config), as_of=SAMPLE_AS_OF))
    return store, first.run_id, second.run_id


def _expected_crossings(store: RunStore, first: str, second: str) -> list[dict[str, Any]]:
    before = {row["account_id"] for row in store.accounts(first, tier="A")}
    return [row for row in store.accounts(second, tier="A") if row["account_id"] not in before]


def test_alert_posts_new_tier_a_accounts(
    two_runs: tuple[RunStore, str, str], fake: FakeSlack
) -> None:
    store, first, second = two_runs
    web = WebClient(token=BOT_TOKEN, base_url=fake.api_url)

    alert = announce_new_tier_a(store, web, "C0ALERTS", second)

    posted = fake.wait_for("chat.postMessage")[0]
    blocks = posted.body["blocks"]
    expected = _expected_crossings(store, first, second)
    earlier = store.tiers(first)
    assert [row["account_id"] for row in expected] == CROSSED
    assert [crossing.account_id for crossing in alert.crossings] == CROSSED
    assert (alert.previous.run_id if alert.previous else None, alert.ts) == (
        first,
        "1700000000.000001",
    )
    assert (posted.body["channel"], posted.authorization) == ("C0ALERTS", f"Bearer {BOT_TOKEN}")
    lines = []
    for row in expected:
        was = (
            f"was tier {earlier[row['account_id']][0]} ({earlier[row['account_id']][1]:g})"
            if row["account_id"] in earlier
            else "new in this run"
        )
        lines.append(
            f"• {escape(row['name'])} ({row['account_id']}), score {row['score']:g}, {was}: "
            + "; ".join(escape(reason) for reason in row["reasons"][:3])
        )
    assert posted.body["text"] == (
        "5 accounts crossed into tier A in the run of 2026-12-01:\n" + "\n".join(lines)
    )
    assert lines[0].startswith("• Ardus Pharma LLC (ACC-000030), score 90.7, new in this run: ")
    assert lines[1].startswith("• ")
    assert ", score 59.8, was tier B (59.8): " in lines[1]
    assert blocks[0]["text"]["text"] == "5 accounts crossed into tier A"
    assert blocks[1]["elements"][0]["text"] == (
        f"Run `{second}` as of 2026-12-01, compared with run `{first}` as of 2026-12-01."
    )
    assert [block["text"]["text"].split(")")[0].split("(")[-1] for block in blocks[2:]] == CROSSED
    _valid_blocks(blocks)


def test_alert_posts_nothing_without_crossings(
    two_runs: tuple[RunStore, str, str], fake: FakeSlack
) -> None:
    store, first, second = two_runs
    web = WebClient(token=BOT_TOKEN, base_url=fake.api_url)

    none_crossed = announce_new_tier_a(store, web, "C0ALERTS", first, previous_run_id=second)
    first_run = announce_new_tier_a(store, web, "C0ALERTS", first)

    assert none_crossed.crossings == []
    assert none_crossed.summary() == (
        f"No account crossed into tier A since run {second}; nothing posted to Slack."
    )
    assert first_run.previous is None
    assert first_run.summary() == (
        f"No earlier run to compare run {first} with (it is the first as of 2026-12-01 or "
        "before, or a backtest); no tier-A alert posted."
    )
    assert fake.calls == []


@pytest.fixture
def slack_env(monkeypatch: pytest.MonkeyPatch, fake: FakeSlack) -> Iterator[None]:
    monkeypatch.setenv("NEXTBEST_SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("NEXTBEST_SLACK_ALERT_CHANNEL", "C0ALERTS")
    monkeypatch.setenv("NEXTBEST_SLACK_API_URL", fake.api_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_score_command_posts_alert(
    alert_inputs: tuple[Path, Path, Path], tmp_path: Path, fake: FakeSlack, slack_env: None
) -> None:
    reduced, full, config = alert_inputs
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    runner = CliRunner()
    as_of = ["--as-of", "2026-12-01", "--db", db]

    first = runner.invoke(cli, ["score", str(reduced), *as_of])
    second = runner.invoke(cli, ["score", str(full), "--config", str(config), *as_of])

    runs = RunStore(db).runs()
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert f"No earlier run to compare run {runs[1].run_id} with (" in first.stdout
    assert (
        f"Posted 5 accounts that crossed into tier A since run {runs[1].run_id} to Slack "
        "channel C0ALERTS." in second.stdout
    )
    posted = fake.wait_for("chat.postMessage")
    assert len(posted) == 1
    assert posted[0].body["text"].startswith("5 accounts crossed into tier A in the run of ")


def test_score_command_warns_on_failed_post(
    alert_inputs: tuple[Path, Path, Path], tmp_path: Path, fake: FakeSlack, slack_env: None
) -> None:
    reduced, full, config = alert_inputs
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    fake.errors["chat.postMessage"] = "channel_not_found"
    runner = CliRunner()
    as_of = ["--as-of", "2026-12-01", "--db", db, "--json"]

    runner.invoke(cli, ["score", str(reduced), *as_of])
    result = runner.invoke(cli, ["score", str(full), "--config", str(config), *as_of])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["run_id"] == RunStore(db).run().run_id
    assert "warning: failed to post the tier-A alert to C0ALERTS: channel_not_found" in (
        result.stderr
    )
    assert BOT_TOKEN not in result.output


def test_slack_socket_needs_app_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEXTBEST_SLACK_APP_TOKEN", raising=False)
    monkeypatch.setenv("NEXTBEST_SLACK_BOT_TOKEN", BOT_TOKEN)
    get_settings.cache_clear()
    runner = CliRunner()

    without_flag = runner.invoke(cli, ["slack"])
    without_token = runner.invoke(cli, ["slack", "--socket"])
    monkeypatch.setenv("NEXTBEST_SLACK_APP_TOKEN", BOT_TOKEN)
    get_settings.cache_clear()
    wrong_token = runner.invoke(cli, ["slack", "--socket"])
    get_settings.cache_clear()

    assert without_flag.exit_code == 2
    assert "--socket: missing; over HTTP the bot runs inside `nextbest serve`" in (
        without_flag.stderr
    )
    assert without_token.exit_code == 2
    assert "set NEXTBEST_SLACK_APP_TOKEN to a token (xapp-...)" in without_token.stderr
    assert wrong_token.exit_code == 2
    assert "NEXTBEST_SLACK_APP_TOKEN must be an app-level token" in wrong_token.stderr
    assert BOT_TOKEN not in wrong_token.output


def test_run_route_posts_alert(
    alert_inputs: tuple[Path, Path, Path], tmp_path: Path, fake: FakeSlack
) -> None:
    reduced, full, config = alert_inputs
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    first = RunStore(url).save(score_folder(reduced, load_config(), as_of=SAMPLE_AS_OF))
    token = KeyStore(RunStore(url)).create("admin")[1]
    settings = _settings(
        tmp_path, fake, data_dir=full, config=config, slack_alert_channel="C0ALERTS"
    )
    with TestClient(create_app(settings, url)) as client:
        started = client.post(
            "/v1/runs", json={"as_of": "2026-12-01"}, headers={"Authorization": f"Bearer {token}"}
        )
        job = client.app.state.services.jobs.wait(started.json()["job_id"], timeout=120)
        posted = fake.wait_for("chat.postMessage")

    assert job is not None and job.status == "succeeded", job
    assert posted[0].body["channel"] == "C0ALERTS"
    assert (
        posted[0]
        .body["text"]
        .startswith("5 accounts crossed into tier A in the run of 2026-12-01:")
    )
    assert [
        block["text"]["text"].split(")")[0].split("(")[-1] for block in posted[0].body["blocks"][2:]
    ] == CROSSED
    assert RunStore(url).runs()[1].run_id == first.run_id


def test_alert_skips_backtests(
    alert_inputs: tuple[Path, Path, Path], tmp_path: Path, fake: FakeSlack
) -> None:
    reduced, full, config = alert_inputs
    store = RunStore(f"sqlite:///{tmp_path / 'runs.db'}")
    web = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
    current = store.save(score_folder(reduced, load_config(), as_of=SAMPLE_AS_OF))
    backtest = store.save(score_folder(full, load_config(config), as_of=date(2026, 9, 1)))
    latest = store.save(score_folder(full, load_config(config), as_of=SAMPLE_AS_OF))

    after_backtest = announce_new_tier_a(store, web, "C0ALERTS", backtest.run_id)
    after_latest = announce_new_tier_a(store, web, "C0ALERTS", latest.run_id)

    assert after_backtest.previous is None
    assert after_latest.previous is not None
    assert after_latest.previous.run_id == current.run_id
    assert [crossing.account_id for crossing in after_latest.crossings] == CROSSED
    assert len(fake.wait_for("chat.postMessage")) == 1


def test_slack_request_keeps_log_levels(client: TestClient, fake: FakeSlack) -> None:
    package = logging.getLogger("nextbest")
    before = package.level
    package.setLevel(logging.INFO)
    try:
        client.post("/slack/events", content="x", headers={"X-Slack-Request-Timestamp": "1"})

        assert package.level == logging.INFO
    finally:
        package.setLevel(before)


def test_slack_rejects_non_ascii_signature(client: TestClient, fake: FakeSlack) -> None:
    body = _command_body(fake, "top")
    headers = {**_headers(body), "Content-Type": "application/x-www-form-urlencoded"}
    headers["X-Slack-Signature"] = "v0=\u00e9".encode()  # type: ignore[assignment]

    response = client.post("/slack/events", content=body, headers=headers)

    assert response.status_code == 401
    assert fake.calls == []


def test_run_route_backtest_posts_no_alert(
    alert_inputs: tuple[Path, Path, Path], tmp_path: Path, fake: FakeSlack
) -> None:
    reduced, full, config = alert_inputs
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    first = RunStore(url).save(score_folder(reduced, load_config(), as_of=SAMPLE_AS_OF))
    headers = {"Authorization": f"Bearer {KeyStore(RunStore(url)).create('admin')[1]}"}
    settings = _settings(
        tmp_path, fake, data_dir=full, config=config, slack_alert_channel="C0ALERTS"
    )
    with TestClient(create_app(settings, url)) as client:
        jobs = client.app.state.services.jobs
        for as_of in ("2026-09-01", "2026-12-01"):
            started = client.post("/v1/runs", json={"as_of": as_of}, headers=headers).json()
            assert jobs.wait(started["job_id"], timeout=120).status == "succeeded"
        posted = fake.wait_for("chat.postMessage")

    blocks = posted[0].body["blocks"]
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert [block["text"]["text"].split(")")[0].split("(")[-1] for block in blocks[2:]] == CROSSED
    assert f"compared with run `{first.run_id}`" in blocks[1]["elements"][0]["text"]
