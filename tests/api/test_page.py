"""The rep chat page, end to end: a real server on 127.0.0.1 and Debian's Chromium.

The browser tests skip when /usr/bin/chromium is absent; `scripts/ensure-chromium.sh` installs it.
NEXTBEST_CHROMIUM points them at another Chromium binary. Playwright drives that binary and never
downloads a browser of its own.
"""

from __future__ import annotations

import json
import os
import re
import select
import socket
import sqlite3
import struct
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from nextbest.agent.rules import rules_brief
from nextbest.api.keys import KeyStore
from nextbest.api.main import create_app
from nextbest.scoring.config import load_config
from nextbest.scoring.runs import score_folder
from nextbest.scoring.store import RunStore
from nextbest.settings import Settings
from nextbest.tools import ToolDeps
from tests.conftest import SAMPLE_AS_OF

CHROMIUM = Path(os.environ.get("NEXTBEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path(__file__).resolve().parents[2] / "build" / "e2e" / "chat-page.png"
# The brief comes from the rules, which take about a second; the margin is for a busy machine.
TIMEOUT_MS = 30_000

EARLIER_AS_OF = date(2026, 11, 16)
HOSTILE_NAME = '<img src=x onerror="window.injected=1">Hostile Corp'
HOSTILE_OWNER = "<b>Mallory</b>"

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} not found: install Debian's chromium package "
    "(scripts/ensure-chromium.sh does, as root) or set NEXTBEST_CHROMIUM",
)


def test_page_needs_no_key_and_sets_csp(scored_sample: tuple[Path, str], tmp_path: Path) -> None:
    with TestClient(create_app(Settings(home=tmp_path), scored_sample[1])) as client:
        page = client.get("/")
        script = client.get("/static/app.js")
        schema = client.get("/openapi.json").json()

    policy = page.headers["Content-Security-Policy"]
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<script type="module" src="/static/app.js"></script>' in page.text
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy
    assert "connect-src 'self';" in policy
    assert script.status_code == 200
    assert "javascript" in script.headers["Content-Type"]
    assert script.headers["Cache-Control"] == "no-cache"
    assert "/" not in schema["paths"]


def test_page_answers_head_for_uptime_checks(
    scored_sample: tuple[Path, str], tmp_path: Path
) -> None:
    with TestClient(create_app(Settings(home=tmp_path), scored_sample[1])) as client:
        response = client.head("/")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.content == b""


def test_docs_load_swagger_ui_from_this_server(
    scored_sample: tuple[Path, str], tmp_path: Path
) -> None:
    expected_types = {
        "/docs-assets/swagger-ui-bundle.js": "javascript",
        "/docs-assets/swagger-ui.css": "text/css",
        "/docs-assets/favicon-32x32.png": "image/png",
    }
    with TestClient(create_app(Settings(home=tmp_path), scored_sample[1])) as client:
        docs = client.get("/docs")
        assets = {url: client.get(url) for url in expected_types}
        redirect = client.get("/docs/oauth2-redirect")
        redoc = client.get("/redoc")

    linked = re.findall(r'(?:src|href)="([^"]*)"', docs.text)
    assert docs.status_code == 200
    assert docs.headers["Content-Type"] == "text/html; charset=utf-8"
    assert sorted(linked) == sorted(expected_types)
    assert "url: '/openapi.json'" in docs.text
    assert "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect'" in docs.text
    assert "http" not in docs.text
    for url, content_type in expected_types.items():
        assert assets[url].status_code == 200, url
        assert content_type in assets[url].headers["Content-Type"], url
    assert redirect.status_code == 200
    assert "swaggerUIRedirectOauth2" in redirect.text
    assert redoc.status_code == 404


def test_static_files_stay_in_their_folder(scored_sample: tuple[Path, str], tmp_path: Path) -> None:
    with TestClient(create_app(Settings(home=tmp_path), scored_sample[1])) as client:
        escaped = client.get("/static/../routes/page.py")
        encoded = client.get("/static/%2e%2e/routes/page.py")

    assert escaped.status_code == 404
    assert encoded.status_code == 404


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture(scope="module")
def page_store(
    scored_sample: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """The sample scored as of two dates, so that accounts have a history.

    In the latest run, the last account has markup in its name and owner."""
    folder = tmp_path_factory.mktemp("page-store")
    database = folder / "runs.db"
    url = f"sqlite:///{database}"
    store = RunStore(url)
    for as_of in (EARLIER_AS_OF, SAMPLE_AS_OF):
        store.save(score_folder(scored_sample[0], load_config(), as_of=as_of))
    run = store.run()
    last = store.accounts(run.run_id)[-1]["account_id"]
    with sqlite3.connect(database) as connection:
        connection.execute(
            "UPDATE run_accounts SET name = ?, owner = ? WHERE run_id = ? AND account_id = ?",
            (HOSTILE_NAME, HOSTILE_OWNER, run.run_id, last),
        )
    connection.close()
    return {"url": url, "home": folder / "home", "hostile_id": last}


@pytest.fixture(scope="module")
def server(page_store: dict[str, Any]) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1 in a background thread; yields its base URL."""
    app = create_app(Settings(home=page_store["home"]), page_store["url"])
    sock = _free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on 127.0.0.1:{port}")
        time.sleep(0.05)

    yield f"http://127.0.0.1:{port}"

    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's Chromium, headless, with a fresh profile."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 800},
        )
        context.set_default_timeout(TIMEOUT_MS)
        sync_api.expect.set_options(timeout=TIMEOUT_MS)
        yield context
        context.close()


def _open_tab(browser_context: Any, url: str) -> Any:
    """Open `url` in a new tab that records script errors in `tab.script_errors`."""
    tab = browser_context.new_page()
    errors: list[str] = []

    def record_console(message: Any) -> None:
        if message.type == "error":
            errors.append(message.text)

    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", record_console)
    tab.script_errors = errors
    tab.goto(url)
    return tab


@pytest.fixture
def page(browser_context: Any, server: str) -> Iterator[Any]:
    """A new tab on the chat page that records script errors in `page.script_errors`."""
    tab = _open_tab(browser_context, server + "/")
    yield tab
    tab.close()


def _key(url: str, scope: str) -> str:
    return KeyStore(RunStore(url)).create(scope)[1]  # type: ignore[arg-type]


def _trend(store: RunStore, account_id: str) -> str:
    """The sparkline's description of the account's first and latest stored scores."""
    latest, earlier = store.history(account_id)[:2]
    change = latest["score"] - earlier["score"]
    sign = "±"
    if change > 0:
        sign = "+"
    elif change < 0:
        sign = "−"
    return (
        f"Score {earlier['score']:g} → {latest['score']:g} "
        f"({sign}{abs(change):.1f}) over 2 runs".replace(".0)", ")")
    )


def _connect(page: Any, token: str) -> None:
    page.get_by_label("API key", exact=True).fill(token)
    page.get_by_role("button", name="Use key").click()


def _ask(page: Any, message: str) -> None:
    page.get_by_label("Message").fill(message)
    page.get_by_role("button", name="Send").click()


@needs_chromium
def test_rep_opens_top_account_and_gets_brief(page: Any, page_store: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    store = RunStore(page_store["url"])
    top = store.accounts(store.run().run_id, limit=1)[0]
    expected = rules_brief(ToolDeps.latest(store), top["account_id"])
    rows = page.get_by_role("list", name="Ranked accounts").get_by_role("listitem")

    _connect(page, _key(page_store["url"], "write"))
    expect(rows).to_have_count(25)
    expect(rows.first.locator(".name")).to_have_text(top["name"])
    rows.first.get_by_role("button").click()
    account = page.get_by_role("region", name=top["name"])
    expect(account.get_by_role("heading", level=2)).to_have_text(top["name"])
    expect(account.get_by_role("list", name="Reasons").get_by_role("listitem").first).to_have_text(
        top["reasons"][0]
    )
    expect(account.get_by_role("table").get_by_role("row")).to_have_count(3)
    expect(account.get_by_role("img", name=_trend(store, top["account_id"]))).to_be_visible()

    _ask(page, f"brief for {top['name']}")
    card = page.get_by_role("article", name=f"Brief for {top['name']}")
    expect(card.get_by_role("heading", level=3)).to_contain_text(top["name"])
    expect(card).to_contain_text(f"Tier {expected.tier}")
    expect(card).to_contain_text(f"Score {expected.score:g}")
    expect(card.locator(".contacts li").first).to_contain_text(expected.contacts[0].name or "")
    expect(card.locator(".contacts li").first).to_contain_text(expected.contacts[0].role)
    expect(card.locator(".steps li").first).to_contain_text(
        f"Day {expected.channels[0].day}, {expected.channels[0].channel}: "
        f"{expected.channels[0].action}"
    )
    expect(page.get_by_role("log", name="Conversation")).to_contain_text("Answered by rules")

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 30_000
    assert page.script_errors == []


@needs_chromium
def test_filters_and_pages_follow_the_store(page: Any, page_store: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    store = RunStore(page_store["url"])
    tier_b = store.accounts(store.run().run_id, tier="B")
    rows = page.get_by_role("list", name="Ranked accounts").get_by_role("listitem")
    status = page.locator("#accounts-status")

    _connect(page, _key(page_store["url"], "read"))
    page.get_by_label("Tier").select_option("B")
    expect(status).to_have_text(f"Accounts 1–25 of {len(tier_b)} matching the filters")
    expect(rows.first.locator(".name")).to_have_text(tier_b[0]["name"])
    page.get_by_role("button", name="Next").click()

    expect(status).to_have_text(f"Accounts 26–50 of {len(tier_b)} matching the filters")
    expect(rows.first.locator(".name")).to_have_text(tier_b[25]["name"])
    expect(rows.locator(".tier")).to_have_text(["Tier B"] * 25)
    expect(page.get_by_role("button", name="Previous")).to_be_enabled()


@needs_chromium
def test_drafts_are_collapsed_until_opened(page: Any, page_store: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    store = RunStore(page_store["url"])
    second = store.accounts(store.run().run_id, limit=2)[1]
    expected = rules_brief(ToolDeps.latest(store), second["account_id"])

    _connect(page, _key(page_store["url"], "write"))
    _ask(page, f"brief for {second['account_id']}")
    card = page.get_by_role("article", name=f"Brief for {second['name']}")
    call_opener = card.locator("details", has_text="Call opener")
    expect(call_opener).to_be_visible()
    expect(call_opener.locator(".draft-text")).to_be_hidden()
    call_opener.locator("summary").click()

    expect(call_opener.locator(".draft-text")).to_have_text(expected.drafts.call_opener)


@needs_chromium
def test_markup_in_crm_values_shows_as_text(page: Any, page_store: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    _connect(page, _key(page_store["url"], "write"))
    page.get_by_label("Owner").fill(HOSTILE_OWNER)
    page.get_by_role("button", name="Apply").click()
    row = page.get_by_role("list", name="Ranked accounts").get_by_role("listitem")
    expect(row).to_have_count(1)
    expect(row.locator(".name")).to_have_text(HOSTILE_NAME)
    expect(row.locator(".owner")).to_contain_text(HOSTILE_OWNER)
    row.get_by_role("button").click()
    expect(page.get_by_role("heading", level=2, name=HOSTILE_NAME)).to_be_visible()

    _ask(page, f"brief for {page_store['hostile_id']}")
    card = page.get_by_role("article", name=f"Brief for {HOSTILE_NAME}")
    expect(card.get_by_role("heading", level=3)).to_contain_text(HOSTILE_NAME)

    assert page.locator("img").count() == 0
    assert page.locator("b").count() == 0
    assert page.evaluate("window.injected") is None


@needs_chromium
def test_key_problems_say_which_key_is_needed(page: Any, page_store: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    _connect(page, "nb_0000_not-a-key")
    expect(page.get_by_role("alert")).to_have_text(
        "The server rejected the API key (invalid API key). "
        "Paste a key from `nextbest api-key create --scope write`."
    )

    _connect(page, _key(page_store["url"], "read"))
    expect(page.get_by_role("list", name="Ranked accounts").get_by_role("listitem")).to_have_count(
        25
    )
    _ask(page, "top accounts")

    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.locator("#key-error")).to_have_text(
        "This API key is not allowed here: this API key has scope 'read'; this route needs "
        "'write'. Chat and briefs need a write key from `nextbest api-key create --scope write`."
    )


@needs_chromium
def test_event_stream_parser_joins_split_chunks(page: Any) -> None:
    chunks = [
        'event: start\r\ndata: {"conversation_id": "c1", "mode": "rules"}\r',
        '\n\r\n: a comment\nevent: delta\ndata: {"text": "Hel',
        'lo"}\n\nevent:delta\ndata:{"text": ", world"}\n',
        '\nevent: done\ndata: {"conversation_id": "c1",\ndata: "generated_by": "rules"}\n\n',
        'event: delta\ndata: {"text": "no blank line, so never dispatched"}',
    ]

    events = page.evaluate(
        """async (chunks) => {
            const { eventStreamParser } = await import("/static/api.js");
            const events = [];
            const parser = eventStreamParser((event) => events.push(event));
            chunks.forEach((chunk) => parser.push(chunk));
            parser.end();
            return events;
        }""",
        chunks,
    )

    assert events == [
        {"event": "start", "data": {"conversation_id": "c1", "mode": "rules"}},
        {"event": "delta", "data": {"text": "Hello"}},
        {"event": "delta", "data": {"text": ", world"}},
        {"event": "done", "data": {"conversation_id": "c1", "generated_by": "rules"}},
    ]


class CuttingProxy:
    """A TCP proxy on 127.0.0.1 that resets the connection after the first `limit` bytes of the
    response to `POST /v1/chat`, as a network that drops the connection mid-answer would.

    Other requests pass through whole. `sent` contains the bytes of the chat response that the
    proxy passed on before the reset."""

    def __init__(self, upstream_port: int, limit: int, hold: bool) -> None:
        self.upstream_port = upstream_port
        self.limit = limit
        self.hold = hold
        self.sent = b""
        self.limit_reached = threading.Event()
        self.cut = threading.Event()
        # With `hold`, the reset waits until the test sets `reset`, so that the browser can read
        # the bytes before it. Without it, the reset follows them at once.
        self.reset = threading.Event()
        if not hold:
            self.reset.set()
        self.listener = _free_socket()
        self.listener.listen()
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        # One thread relays both directions: a socket closed while another thread is blocked in
        # recv() on it stays open until that call returns, so the reset would not go out.
        try:
            self._relay(client, upstream)
        except OSError:
            pass
        finally:
            upstream.close()
            client.close()

    def _relay(self, client: socket.socket, upstream: socket.socket) -> None:
        chat_started = False
        while True:
            readable, _, _ = select.select([client, upstream], [], [])
            if client in readable:
                data = client.recv(65536)
                if not data:
                    return
                # Browsers send each request's headers in one write and do not pipeline, so
                # the response bytes after this point belong to the chat request.
                chat_started = chat_started or data.startswith(b"POST /v1/chat ")
                upstream.sendall(data)
            if upstream in readable:
                data = upstream.recv(65536)
                if not data:
                    return
                if not chat_started:
                    client.sendall(data)
                    continue
                room = self.limit - len(self.sent)
                client.sendall(data[:room])
                self.sent += data[:room]
                if len(self.sent) >= self.limit:
                    self.limit_reached.set()
                    self.reset.wait(TIMEOUT_MS / 1000)
                    # A zero linger time makes close() send a TCP reset instead of a FIN.
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.cut.set()
                    return


def _complete_deltas(response: bytes) -> str:
    """Join the `delta` texts of the complete events in a chunked event-stream response that
    may break off anywhere."""
    body = b""
    position = response.index(b"\r\n\r\n") + 4
    while (line_end := response.find(b"\r\n", position)) >= 0:
        size = int(response[position:line_end], 16)
        if size == 0:
            break
        body += response[line_end + 2 : line_end + 2 + size]
        position = line_end + 2 + size + 2
    # Only the events that end with a blank line are complete.
    blocks = body.decode("utf-8", errors="replace").split("\n\n")[:-1]
    texts = []
    for block in blocks:
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if fields.get("event") == "delta":
            texts.append(json.loads(fields["data"])["text"])
    return "".join(texts)


@pytest.fixture(params=[True, False], ids=["reset-after-read", "reset-at-once"])
def cutting_proxy(request: pytest.FixtureRequest, server: str) -> Iterator[CuttingProxy]:
    """A CuttingProxy in front of the server that cuts the chat response after 700 bytes. For
    "top accounts" on the sample, those are the headers, the start event, two deltas and part
    of the third."""
    proxy = CuttingProxy(int(server.rsplit(":", 1)[1]), limit=700, hold=request.param)
    yield proxy
    proxy.close()


@pytest.fixture
def proxied_page(browser_context: Any, cutting_proxy: CuttingProxy) -> Iterator[Any]:
    """A new tab on the chat page, loaded through the cutting proxy."""
    tab = _open_tab(browser_context, cutting_proxy.url + "/")
    yield tab
    tab.close()


@needs_chromium
def test_cut_stream_keeps_partial_answer(
    proxied_page: Any, cutting_proxy: CuttingProxy, page_store: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    page = proxied_page
    reply = page.locator(".message.assistant")
    _connect(page, _key(page_store["url"], "write"))
    _ask(page, "top accounts")
    assert cutting_proxy.limit_reached.wait(TIMEOUT_MS / 1000)
    expected = _complete_deltas(cutting_proxy.sent)
    if cutting_proxy.hold:
        page.wait_for_function(
            "(expected) => document.querySelector('.message.assistant .text')"
            ".textContent === expected",
            arg=expected,
        )
        cutting_proxy.reset.set()

    expect(reply.get_by_role("alert")).to_have_text(
        "The connection was lost before the answer finished. Ask again."
    )
    shown_text = reply.locator(".text").text_content()
    assert cutting_proxy.cut.is_set()
    assert expected.startswith("Top accounts as of ")
    if cutting_proxy.hold:
        assert shown_text == expected
    else:
        # Chromium drops body bytes that a reset follows at once, so less may show.
        assert expected.startswith(shown_text or "")
    expect(reply.locator(".meta")).to_have_text("")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    # Chromium itself logs the failed request; the page's scripts add no error.
    assert page.script_errors == ["Failed to load resource: net::ERR_CONNECTION_RESET"]


START = 'event: start\ndata: {"conversation_id": "c1", "mode": "rules"}\n\n'
PARTIAL = 'event: delta\ndata: {"text": "Top accounts as of 2026-12-01:\\n"}\n\n'
DONE = 'event: done\ndata: {"conversation_id": "c1", "generated_by": "rules"}\n\n'


@needs_chromium
@pytest.mark.parametrize(
    ("body", "alert"),
    [
        pytest.param(
            START + PARTIAL + 'event: delta\ndata: {"text": unquoted}\n\n' + DONE,
            "The server sent an event the page cannot read, so the answer stopped there. "
            "Ask again.",
            id="malformed-event",
        ),
        pytest.param(
            START + PARTIAL,
            "The answer stopped before it finished. Ask again.",
            id="clean-early-end",
        ),
    ],
)
def test_broken_stream_says_what_failed(
    page: Any, page_store: dict[str, Any], body: str, alert: str
) -> None:
    from playwright.sync_api import expect

    page.route(
        "**/v1/chat",
        lambda route: route.fulfill(status=200, content_type="text/event-stream", body=body),
    )
    _connect(page, _key(page_store["url"], "write"))
    _ask(page, "top accounts")
    reply = page.locator(".message.assistant")

    expect(reply.get_by_role("alert")).to_have_text(alert)
    assert reply.locator(".text").text_content() == "Top accounts as of 2026-12-01:\n"
    expect(reply.locator(".meta")).to_have_text("")
    assert page.script_errors == []


@needs_chromium
def test_reload_starts_new_conversation(page: Any, page_store: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    sent: list[str | None] = []

    def record_conversation_id(request: Any) -> None:
        if request.url.endswith("/v1/chat"):
            sent.append(request.post_data_json["conversation_id"])

    page.on("request", record_conversation_id)
    answers = page.get_by_role("log", name="Conversation").get_by_text("Answered by rules")

    _connect(page, _key(page_store["url"], "write"))
    _ask(page, "help")
    expect(answers).to_have_count(1)
    _ask(page, "help")
    expect(answers).to_have_count(2)
    page.reload()
    _ask(page, "help")
    expect(answers).to_have_count(1)

    assert len(sent) == 3
    assert sent[0] is None
    assert sent[1] is not None
    assert sent[2] is None
    expect(page.get_by_role("log", name="Conversation")).not_to_contain_text("has ended")
    assert page.script_errors == []


@needs_chromium
def test_docs_render_without_internet(browser_context: Any, server: str) -> None:
    from playwright.sync_api import expect

    tab = browser_context.new_page()
    elsewhere: list[str] = []

    def local_only(route: Any) -> None:
        if route.request.url.startswith(server + "/"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    tab.route("**/*", local_only)
    tab.goto(server + "/docs")

    expect(tab.get_by_role("heading", name="nextbest")).to_be_visible()
    expect(tab.get_by_text("/v1/chat", exact=True)).to_be_visible()
    expect(tab.get_by_text("Unable to render this definition")).to_have_count(0)
    assert elsewhere == []
    tab.close()
