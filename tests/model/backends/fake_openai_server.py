"""A real HTTP server on loopback that speaks just enough of the OpenAI API to test a client.

It records every request (path, headers, JSON body) and plays a script of behaviours, one per
POST: answer, fail with a status (and headers such as Retry-After), answer too slowly, or drop
the connection without a response. GET /v1/models reports `owned_by` so server detection is real.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Behaviour:
    kind: str = "ok"  # ok | status | slow | drop
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    text: str = "Action: click(start_box='(500,500)')"
    usage: bool = True
    message: str = ""  # the error's message for a status; "simulated <code>" when empty


OK = Behaviour()


def status(code: int, message: str = "", **headers: str) -> Behaviour:
    return Behaviour(
        kind="status",
        status=code,
        message=message,
        headers={k.replace("_", "-"): v for k, v in headers.items()},
    )


def slow(seconds: float) -> Behaviour:
    return Behaviour(kind="slow", delay=seconds)


DROP = Behaviour(kind="drop")


def send_json(
    handler: BaseHTTPRequestHandler, code: int, payload: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    """One JSON response with its length, so HTTP/1.1 keep-alive clients know where it ends."""
    raw = json.dumps(payload).encode()
    handler.send_response(code)
    handler.send_header("content-type", "application/json")
    handler.send_header("content-length", str(len(raw)))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(raw)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeOpenAIServer:
    def __init__(self, owned_by: str = "vllm") -> None:
        self.owned_by = owned_by
        self.script: list[Behaviour] = []
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def _next(self) -> Behaviour:
        with self._lock:
            return self.script.pop(0) if self.script else OK

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                return None

            def do_GET(self) -> None:
                if self.path.rstrip("/") != "/v1/models":
                    self._send(404, {"error": "not found"})
                    return
                self._send(200, {"object": "list", "data": [{"id": "served", "owned_by": server.owned_by}]})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests.append(
                        Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                behaviour = server._next()
                if behaviour.kind == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if behaviour.kind == "status":
                    self._send(
                        behaviour.status,
                        {"error": {"message": behaviour.message or f"simulated {behaviour.status}"}},
                        behaviour.headers,
                    )
                    return
                if behaviour.kind == "slow":
                    time.sleep(behaviour.delay)
                answer: dict[str, Any] = {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "model": body.get("model"),
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": behaviour.text}}],
                }
                if behaviour.usage:
                    answer["usage"] = {"prompt_tokens": 1300, "completion_tokens": 12, "total_tokens": 1312}
                with contextlib.suppress(OSError):  # the client gave up (timeout) before a slow answer
                    self._send(200, answer)

            def _send(
                self, code: int, payload: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                send_json(self, code, payload, headers)

        return Handler

    @contextmanager
    def running(self) -> Iterator[FakeOpenAIServer]:
        thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        thread.start()
        try:
            yield self
        finally:
            self._httpd.shutdown()
            self._httpd.server_close()
