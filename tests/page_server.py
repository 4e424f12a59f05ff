"""A loopback HTTP server for test pages, shared by the browser, UI-test, LangGraph and benchmark suites.

Each suite needs a few pages on 127.0.0.1 at a free port and differs only in what it answers, so it
passes one function: `answer(method, path)` returns (body, content type), a `Redirect`, or None for a
404.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


@dataclass(frozen=True)
class Redirect:
    """A 30x answer: the browser is sent on to `location` (the allow-list tests chain these)."""

    location: str
    status: int = 302


Reply = tuple[str | bytes, str] | Redirect
Answer = Callable[[str, str], Reply | None]


class PageServer:
    """Serves `answer` on 127.0.0.1; `requests` lists every path asked for, in order."""

    def __init__(self, answer: Answer) -> None:
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, method: str) -> None:
                server.requests.append(self.path)
                reply = answer(method, self.path)
                if reply is None:
                    self.send_error(404)
                    return
                if isinstance(reply, Redirect):
                    self.send_response(reply.status)
                    self.send_header("Location", reply.location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body, kind = reply
                data = body.encode() if isinstance(body, str) else body
                self.send_response(200)
                self.send_header("Content-Type", kind if "charset" in kind else f"{kind}; charset=utf-8")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._reply("GET")

            def do_POST(self) -> None:
                self._reply("POST")

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port: int = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def url(self, path: str = "/") -> str:
        return self.base + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> PageServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
