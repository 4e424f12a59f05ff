"""The bundled demo site: a shop (sign-up form, welcome page, checkout with a password and a Pay button)
and an airline (flight search with a date picker, results, passenger form, confirmation).

It is served on loopback by a tiny threaded HTTP server so that `agent run --url demo`, `agent demo`
and the end-to-end tests need no network and no files outside the package.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from types import TracebackType
from typing import Self

SITE_DIR = Path(__file__).resolve().parent
PAGES = ("index.html", "welcome.html", "checkout.html", "flights.html", "passenger.html", "booked.html")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return None

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


class StaticSite:
    """A folder served on loopback (the demo site, MiniWoB's HTML); a context manager, or call `close()`."""

    def __init__(self, directory: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self._server = http.server.ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="static-site", daemon=True)
        self._thread.start()
        bound_host, bound_port = self._server.server_address[:2]
        host_text = bound_host.decode() if isinstance(bound_host, bytes) else bound_host
        self.url = f"http://{host_text}:{bound_port}/"

    def page(self, name: str) -> str:
        return self.url + name

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


class DemoSite(StaticSite):
    """The running demo server."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(SITE_DIR, host, port)


def serve_demo_site(host: str = "127.0.0.1", port: int = 0) -> DemoSite:
    """Start serving the demo site on loopback (a free port by default); `.url` is the sign-up page."""
    return DemoSite(host, port)
