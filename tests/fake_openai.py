"""A fake OpenAI-compatible server on 127.0.0.1 for tests: scripted replies, recorded requests.

The real `openai` client (through LangChain's ChatOpenAI) talks to it over HTTP, so the tests
see exactly what would leave the machine.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted reply to a chat completion request."""

    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    content: str | None = None
    status: int = 200
    delay: float = 0.0
    raw_arguments: str | None = None  # sent as the first tool call's arguments, unparsed
    raw_body: str | None = None  # sent instead of a chat completion, with status 200


def brief_draft(**changes: Any) -> dict[str, Any]:
    """A valid BriefDraft for ACC-000166 of the scored sample, as a model would write it."""
    draft: dict[str, Any] = {
        "why_now": ["Demo request on 2026-11-20"],
        "contacts": [{"contact_id": "C-0000986", "role": "decision maker", "reason": "CISO"}],
        "channels": [{"channel": "email", "action": "Email Rahul", "day": 0, "reason": "replies"}],
        "content": [],
        "talking_points": ["Their open deal OPP-00086 is for Sentinel Detect"],
        "drafts": {
            "email_subject": "Your Sentinel Detect demo",
            "email_body": "Hi Rahul,\n\nThank you for asking for a demo. Shall we meet?",
            "call_opener": "Hi Rahul, about your demo request.",
            "social_note": "Hi Rahul, glad to connect.",
        },
        "product": {"name": "Sentinel Detect", "reason": "The demo request named it"},
    }
    return draft | changes


def tool_call(name: str, **arguments: Any) -> Reply:
    return Reply(tool_calls=[(name, arguments)])


class FakeOpenAI:
    """Serves `POST /v1/chat/completions` from a script; the last reply repeats when it runs out."""

    def __init__(self, script: list[Reply]) -> None:
        self.script = list(script)
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.served = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def tool_names_called(self) -> list[str]:
        """Tool names in the assistant messages the client sent back, in order."""
        last = self.requests[-1]["messages"] if self.requests else []
        return [
            call["function"]["name"]
            for message in last
            if message.get("role") == "assistant"
            for call in message.get("tool_calls") or []
        ]

    def body_text(self) -> str:
        return "\n".join(json.dumps(request) for request in self.requests)

    def _next(self) -> Reply:
        with self._lock:
            reply = self.script[min(self.served, len(self.script) - 1)]
            self.served += 1
            return reply

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake._lock:
                    fake.requests.append(body)
                    fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                reply = fake._next()
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.raw_body is not None:
                    self._send_raw(reply.raw_body.encode())
                    return
                if reply.status != 200:
                    self._send(reply.status, {"error": {"message": "scripted failure"}})
                    return
                self._send(200, _completion(body.get("model", "fake"), reply, fake.served))

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                self._send_raw(json.dumps(payload).encode(), status)

            def _send_raw(self, data: bytes, status: int = 200) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler


def _completion(model: str, reply: Reply, number: int) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": f"call_{number}_{index}",
                "type": "function",
                "function": {
                    "name": name,
                    "arguments": (
                        reply.raw_arguments
                        if reply.raw_arguments is not None and index == 0
                        else json.dumps(arguments)
                    ),
                },
            }
            for index, (name, arguments) in enumerate(reply.tool_calls)
        ]
    return {
        "id": f"chatcmpl-{number}",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if reply.tool_calls else "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }
