"""`nextbest mcp` through the MCP client library, over stdio, against the scored sample.

Each server is a real `nextbest mcp` subprocess; the tests read its results as a desktop assistant
would and compare them with the run store and the rule-based drafter.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client, types

import nextbest
from nextbest.agent.rules import rules_brief
from nextbest.api.mcp_server import BriefRequest
from nextbest.scoring.store import RunStore
from nextbest.tools import TOOLS_BY_NAME, ToolDeps
from tests.fake_openai import FakeOpenAI, brief_draft, tool_call

ACCOUNT = "ACC-000166"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# The subprocess imports the same nextbest as the tests, wherever that checkout is.
SOURCE = str(Path(nextbest.__file__).resolve().parents[1])
T = TypeVar("T")


def _command(url: str, *options: str) -> list[str]:
    return [sys.executable, "-m", "nextbest.api.cli", "mcp", "--db", url, *options]


def _server(
    url: str, home: Path, *options: str, env: dict[str, str] | None = None
) -> StdioServerParameters:
    """Parameters for `nextbest mcp --db URL`, run in `home` with no settings but those given."""
    command = _command(url, *options)
    return StdioServerParameters(
        command=command[0],
        args=command[1:],
        env={"PYTHONPATH": SOURCE, "NEXTBEST_HOME": str(home)} | (env or {}),
        cwd=home,
    )


@dataclass
class Transcript:
    """What the client saw: the tools listed, each call's result, and any line that was not
    a protocol message."""

    tools: list[types.Tool] = field(default_factory=list)
    results: dict[str, types.CallToolResult] = field(default_factory=dict)
    stream_errors: list[Exception] = field(default_factory=list)

    def text(self, key: str) -> str:
        content = self.results[key].content
        assert len(content) == 1
        assert isinstance(content[0], types.TextContent)
        return content[0].text

    def json(self, key: str) -> Any:
        assert not self.results[key].is_error, self.text(key)
        return json.loads(self.text(key))


def _talk(
    server: StdioServerParameters,
    log: Path,
    scenario: Callable[[ClientSession, Transcript], Awaitable[T]],
) -> tuple[T, Transcript]:
    """Start the server, initialize a session, run the scenario and stop the server."""
    transcript = Transcript()

    async def record(message: object) -> None:
        if isinstance(message, Exception):
            transcript.stream_errors.append(message)

    async def main() -> T:
        with log.open("w", encoding="utf-8") as errlog:
            async with (
                stdio_client(server, errlog=errlog) as (read, write),
                ClientSession(read, write, message_handler=record) as session,
            ):
                with anyio.fail_after(120):
                    await session.initialize()
                    transcript.tools = (await session.list_tools()).tools
                    return await scenario(session, transcript)

    return anyio.run(main), transcript


CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "top_a": ("top_accounts", {"tier": "A", "limit": 50}),
    "score": ("account_score", {"account_id": ACCOUNT}),
    "typo": ("account_score", {"account_id": "Zelanta Paymnts"}),
    "ambiguous": ("account_score", {"account_id": "Zelanta"}),
    "invalid": ("top_accounts", {"tier": "D", "limit": 0}),
    "no_tool": ("delete_accounts", {}),
    "no_search": ("search_content", {"query": "ransomware"}),
    "topics": ("surging_topics", {"account_id": ACCOUNT}),
    "timeline": ("engagement_timeline", {"account_id": ACCOUNT, "limit": 5}),
    "group": ("buying_group", {"account_id": ACCOUNT}),
    "brief": ("outreach_brief", {"account_id": ACCOUNT}),
    "brief_llm": ("outreach_brief", {"account_id": ACCOUNT, "llm": True}),
}


async def _call_all(session: ClientSession, transcript: Transcript) -> None:
    for key, (name, arguments) in CALLS.items():
        transcript.results[key] = await session.call_tool(name, arguments)


@pytest.fixture(scope="module")
def session_log(
    scored_sample: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Transcript, Path]:
    """One server session over the scored sample, with no content index and no model:
    the transcript of every call in CALLS, and the server's standard error."""
    home = tmp_path_factory.mktemp("mcp-home")
    log = home / "stderr.log"
    _, transcript = _talk(_server(scored_sample[1], home), log, _call_all)
    return transcript, log


@pytest.fixture(scope="module")
def store_deps(scored_sample: tuple[Path, str]) -> ToolDeps:
    return ToolDeps.latest(RunStore(scored_sample[1]))


def test_tools_listed_with_registry_schemas(session_log: tuple[Transcript, Path]) -> None:
    tools = {tool.name: tool for tool in session_log[0].tools}

    assert list(tools) == [
        "account_score",
        "top_accounts",
        "surging_topics",
        "engagement_timeline",
        "buying_group",
        "outreach_brief",
    ]
    for name, tool in tools.items():
        model = BriefRequest if name == "outreach_brief" else TOOLS_BY_NAME[name].input_model
        assert tool.input_schema == model.model_json_schema(), name
        assert set(tool.input_schema["properties"]) == set(model.model_fields), name
    for name in TOOLS_BY_NAME.keys() & tools.keys():
        assert tools[name].description == TOOLS_BY_NAME[name].description, name
    assert tools["outreach_brief"].description.startswith("Draft the next best action")
    assert set(tools["outreach_brief"].input_schema["properties"]) == {"account_id", "llm"}


def test_top_accounts_tier_a_match_store(
    session_log: tuple[Transcript, Path], store_deps: ToolDeps
) -> None:
    rows = store_deps.store.accounts(store_deps.run.run_id, tier="A")
    result = session_log[0].json("top_a")

    assert [(row["account_id"], row["score"]) for row in result["accounts"]] == [
        (row["account_id"], row["score"]) for row in rows
    ]
    assert len(rows) == 35
    assert {row["tier"] for row in result["accounts"]} == {"A"}
    assert result["run_id"] == store_deps.run.run_id
    assert result["as_of"] == "2026-12-01"


def test_account_score_matches_store(
    session_log: tuple[Transcript, Path], store_deps: ToolDeps
) -> None:
    row = store_deps.store.accounts(store_deps.run.run_id, account_id=ACCOUNT)[0]
    result = session_log[0].json("score")

    assert result["account_id"] == ACCOUNT
    assert result["name"] == "Zelanta Payments Ltd"
    assert result["score"] == row["score"] == 94.7
    assert result["tier"] == row["tier"] == "A"
    assert result["rank"] == 1
    assert result["reasons"] == row["reasons"]
    assert result["reasons"][0] == "Industry Financial Services is a 100% ICP match (+8.8)"


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (
            "typo",
            "no account 'Zelanta Paymnts' in the run of 2026-12-01; "
            "did you mean ACC-000166 (Zelanta Payments Ltd)?",
        ),
        (
            "ambiguous",
            "'Zelanta' matches several accounts: ACC-000166 (Zelanta Payments Ltd), "
            "ACC-000107 (Zelanta Life Pty Ltd); ask again with an id",
        ),
        (
            "invalid",
            "invalid arguments for top_accounts: tier: Input should be 'A', 'B' or 'C'; "
            "limit: Input should be greater than or equal to 1",
        ),
        (
            "no_tool",
            "no tool 'delete_accounts'; tools: account_score, top_accounts, surging_topics, "
            "engagement_timeline, buying_group, outreach_brief",
        ),
        (
            "no_search",
            "no tool 'search_content'; tools: account_score, top_accounts, surging_topics, "
            "engagement_timeline, buying_group, outreach_brief",
        ),
        (
            "brief_llm",
            "this server has no language model configured: set OPENAI_API_KEY (and "
            "OPENAI_BASE_URL for a server other than OpenAI's) in the environment of "
            "`nextbest mcp`, or call outreach_brief without llm",
        ),
    ],
)
def test_tool_errors_are_error_results(
    session_log: tuple[Transcript, Path], key: str, message: str
) -> None:
    transcript = session_log[0]

    assert transcript.results[key].is_error
    assert transcript.text(key) == message


def test_outreach_brief_matches_rules_brief(
    session_log: tuple[Transcript, Path], store_deps: ToolDeps
) -> None:
    result = session_log[0].json("brief")
    expected = rules_brief(store_deps, ACCOUNT).model_dump(mode="json", exclude_none=True)
    for contact in expected["contacts"]:
        contact["email"] = "[redacted]"

    assert result["generated_by"] == "rules"
    assert result["contacts"] == expected["contacts"]
    assert [contact["contact_id"] for contact in result["contacts"]] == [
        "C-0000986",
        "C-0000980",
        "C-0000984",
    ]
    assert result["channels"][0] == expected["channels"][0]
    assert result["next_step"] == expected["next_step"]
    # The contact window starts from the current time, which moved between the two briefs.
    for brief in (result, expected):
        del brief["timing"]["start"], brief["timing"]["end"]
    assert result == expected


def test_no_email_in_results_by_default(session_log: tuple[Transcript, Path]) -> None:
    transcript = session_log[0]

    for key in transcript.results:
        assert EMAIL.search(transcript.text(key)) is None, key
    assert {contact["email"] for contact in transcript.json("group")["contacts"]} == {"[redacted]"}


def test_stdout_carries_only_protocol(session_log: tuple[Transcript, Path]) -> None:
    transcript, log = session_log
    lines = log.read_text(encoding="utf-8").splitlines()

    assert transcript.stream_errors == []
    assert any(
        "INFO nextbest.mcp: serving account_score, top_accounts, surging_topics, "
        "engagement_timeline, buying_group, outreach_brief over stdio; run " in line
        for line in lines
    )
    assert any("INFO nextbest.mcp: tool 'account_score' failed in" in line for line in lines)


def test_share_contact_details_shows_emails(
    scored_sample: tuple[Path, str], tmp_path: Path
) -> None:
    async def scenario(session: ClientSession, transcript: Transcript) -> None:
        transcript.results["group"] = await session.call_tool(
            "buying_group", {"account_id": ACCOUNT}
        )
        transcript.results["brief"] = await session.call_tool(
            "outreach_brief", {"account_id": ACCOUNT}
        )

    server = _server(scored_sample[1], tmp_path, env={"NEXTBEST_SHARE_CONTACT_DETAILS": "true"})
    _, transcript = _talk(server, tmp_path / "stderr.log", scenario)

    emails = [contact["email"] for contact in transcript.json("group")["contacts"]]
    assert "rahul.lee@zelantapayments.com" in emails
    assert all(EMAIL.fullmatch(email) for email in emails)
    assert transcript.json("brief")["contacts"][0]["email"] == "rahul.lee@zelantapayments.com"


def test_llm_brief_through_fake_model(
    scored_sample: tuple[Path, str], tmp_path: Path, store_deps: ToolDeps
) -> None:
    draft = brief_draft()
    script = [
        tool_call("account_score", account_id=ACCOUNT),
        tool_call("buying_group", account_id=ACCOUNT),
        tool_call("BriefDraft", **draft),
    ]

    async def scenario(session: ClientSession, transcript: Transcript) -> None:
        transcript.results["brief"] = await session.call_tool(
            "outreach_brief", {"account_id": ACCOUNT, "llm": True}
        )

    with FakeOpenAI(script) as fake:
        server = _server(
            scored_sample[1],
            tmp_path,
            env={
                "OPENAI_API_KEY": "sk-test-not-a-real-key",
                "OPENAI_BASE_URL": fake.base_url,
                "NEXTBEST_LLM_MODEL": "fake-model",
                "NEXTBEST_LLM_MAX_RETRIES": "0",
            },
        )
        _, transcript = _talk(server, tmp_path / "stderr.log", scenario)

    brief = transcript.json("brief")
    expected = rules_brief(store_deps, ACCOUNT)
    assert brief["generated_by"] == "llm"
    assert (brief["score"], brief["tier"]) == (expected.score, expected.tier)
    assert brief["drafts"]["email_subject"] == "Your Sentinel Detect demo"
    assert brief["contacts"][0]["contact_id"] == "C-0000986"
    assert brief["contacts"][0]["email"] == "[redacted]"
    assert fake.requests[0]["model"] == "fake-model"
    assert fake.tool_names_called() == ["account_score", "buying_group"]
    assert EMAIL.search(fake.body_text()) is None
    assert EMAIL.search(transcript.text("brief")) is None


def test_search_content_offered_with_index(
    scored_sample: tuple[Path, str], sample_library, tmp_path: Path
) -> None:
    async def scenario(session: ClientSession, transcript: Transcript) -> None:
        transcript.results["search"] = await session.call_tool(
            "search_content", {"query": "ransomware case study for a bank", "limit": 3}
        )

    server = _server(scored_sample[1], tmp_path, "--chroma", str(sample_library.chroma_dir))
    _, transcript = _talk(server, tmp_path / "stderr.log", scenario)

    names = [tool.name for tool in transcript.tools]
    assert names[-2:] == ["search_content", "outreach_brief"]
    search = next(tool for tool in transcript.tools if tool.name == "search_content")
    assert search.input_schema == TOOLS_BY_NAME["search_content"].input_model.model_json_schema()
    expected = sample_library.search("ransomware case study for a bank", limit=3)
    assert [hit["id"] for hit in transcript.json("search")["results"]] == [
        hit.id for hit in expected
    ]


def _run_cli(url: str, home: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """Run `nextbest mcp` with stdin closed, as a start that must fail before serving."""
    return subprocess.run(
        _command(url, *options),
        cwd=home,
        env={"PYTHONPATH": SOURCE, "NEXTBEST_HOME": str(home), "HOME": str(home)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_empty_store_exits_before_serving(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"

    result = _run_cli(url, tmp_path)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"error: no scoring run in {url} yet; run `nextbest score DATA_DIR` first\n"
    )


def test_unknown_run_exits_before_serving(scored_sample: tuple[Path, str], tmp_path: Path) -> None:
    result = _run_cli(scored_sample[1], tmp_path, "--run", "20990101-000000-000000")

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"error: run '20990101-000000-000000' not found in {scored_sample[1]}; "
        "`nextbest runs` lists the stored runs\n"
    )


def test_missing_chroma_index_exits(scored_sample: tuple[Path, str], tmp_path: Path) -> None:
    result = _run_cli(scored_sample[1], tmp_path, "--chroma", str(tmp_path / "chroma"))

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"error: no content index at {tmp_path / 'chroma'} (collection 'content'); run "
        "`nextbest content index DIR` on the folder of your content files\n"
    )
