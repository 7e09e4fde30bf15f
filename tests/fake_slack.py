"""A fake Slack Web API on 127.0.0.1 for tests: records every call and returns `{"ok": true}`.

The real slack_sdk WebClient reaches it through its `base_url`, and bolt's `respond` through
the `response_url` that a test puts in a slash command, so tests see exactly what would be sent.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

BOT_USER_ID = "UBOT0001"
TEAM_ID = "T0000001"


@dataclass(frozen=True)
class Call:
    """One request the fake received."""

    method: str  # a Web API method such as chat.postMessage, or "response_url"
    path: str
    body: dict[str, Any]
    authorization: str | None


class FakeSlack:
    """Serves `POST /api/METHOD` and `POST /response/ANY`, recording each request in order.

    `errors` maps a method to the Slack error code it returns, e.g. "channel_not_found".
    """

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.errors: dict[str, str] = {}
        self._posted = 0
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def root(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.root}/api/"

    def response_url(self, name: str = "command") -> str:
        return f"{self.root}/response/{name}"

    def __enter__(self) -> FakeSlack:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def calls_to(self, method: str) -> list[Call]:
        with self._changed:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 20.0) -> list[Call]:
        """Wait until `count` calls to `method` arrived, and return them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [call for call in self.calls if call.method == method]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {count} call(s) to {method} within {timeout}s, got "
                        f"{len(found)}; all calls: {[call.method for call in self.calls]}"
                    )
                self._changed.wait(remaining)

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _reply(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method in self.errors:
            return {"ok": False, "error": self.errors[method]}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://example.slack.com/",
                "team": "Example",
                "user": "nextbest",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": "BBOT0001",
            }
        if method == "chat.postMessage":
            with self._changed:
                self._posted += 1
                ts = f"1700000000.{self._posted:06d}"
            return {"ok": True, "channel": body.get("channel"), "ts": ts, "message": body}
        return {"ok": True}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length).decode("utf-8")
                if "json" in (self.headers.get("Content-Type") or ""):
                    body = json.loads(raw or "{}")
                else:
                    body = dict(parse_qsl(raw))
                if self.path.startswith("/response/"):
                    call = Call("response_url", self.path, body, self.headers.get("Authorization"))
                    fake._record(call)
                    self._send(b"ok", "text/plain")
                    return
                method = self.path.removeprefix("/api/").split("?")[0]
                fake._record(Call(method, self.path, body, self.headers.get("Authorization")))
                reply = json.dumps(fake._reply(method, body)).encode()
                self._send(reply, "application/json; charset=utf-8")

            def _send(self, data: bytes, content_type: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
