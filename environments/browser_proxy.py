"""The allow-list as a loopback HTTP proxy: the one door every browser connection must go through.

Request interception (Playwright's `route`) sees a page's first requests, but not redirect hops,
SharedWorker or dedicated-worker sockets, speculation-rules prefetches, keepalive fetches sent after
a page is gone, or the connections Chromium opens ahead of time. A proxy given to Chromium with
`--proxy-server` (and `<-loopback>` so that loopback is not bypassed) sees all of them, because the
network stack sends every HTTP(S) and WebSocket connection there: CONNECT for TLS and WebSockets,
absolute-form requests for plain HTTP, one new request per redirect hop. This proxy refuses each one
whose host is not allowed, before any connection to that host is made, and reports it.

It runs on its own thread and event loop, so it keeps serving while the caller's loop is busy or idle
(a synchronous script, a test between two calls). Plain HTTP is relayed one request per connection
(`Connection: close` both ways), so a kept-alive connection can never carry a second request to
another host past the check.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from urllib.parse import urlsplit

from anyres_agent.environments.browser_allowlist import DomainAllowList

MAX_HEAD = 64 * 1024  # the longest request or response head relayed; a longer one is refused
HOP_BY_HOP = (b"connection", b"keep-alive", b"proxy-connection", b"proxy-authorization", b"te", b"trailer")
REFUSED_PAGE = (
    "<!doctype html><html><body><h1>Blocked</h1><p>{host} is not in the allowed domains "
    "({allowed}); the agent's browser may not load it.</p></body></html>"
)


def _strip_hop_by_hop(lines: list[bytes]) -> list[bytes]:
    kept = [line for line in lines if line.split(b":", 1)[0].strip().lower() not in HOP_BY_HOP]
    return [*kept, b"Connection: close"]


def _host_port(authority: str, default_port: int) -> tuple[str, int] | None:
    """(host, port) of an authority; None when it is malformed (a bad port, an unclosed `[`)."""
    try:
        parts = urlsplit("//" + authority)
        port = parts.port or default_port
    except ValueError:
        return None
    return (parts.hostname, port) if parts.hostname else None


def _body_length(headers: list[bytes]) -> int | None:
    """The request body's length: Content-Length, 0 without one, None for a chunked body."""
    for line in headers:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"transfer-encoding" and b"chunked" in value.lower():
            return None
        if name == b"content-length" and value.strip().isdigit():
            return int(value.strip())
    return 0


async def _copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter, limit: int | None = None) -> None:
    """Copy until the source ends (or `limit` bytes); a closed side just ends the copy."""
    left = limit
    with contextlib.suppress(ConnectionError, asyncio.CancelledError):
        while left is None or left > 0:
            data = await source.read(65536 if left is None else min(65536, left))
            if not data:
                return
            sink.write(data)
            await sink.drain()
            if left is not None:
                left -= len(data)


class AllowListProxy:
    """An HTTP proxy on 127.0.0.1 that lets the browser reach allowed hosts only.

    Every refused host is put on `refusals` (thread-safe), so the environment can tell the model;
    `report=False` refuses just the same but keeps no list (the browser-wide proxy, which mostly sees
    Chromium's own update and sign-in checks). Start with `start()` (returns the URL), stop with `close()`.
    """

    def __init__(self, allow_list: DomainAllowList, *, report: bool = True) -> None:
        self.allow_list = allow_list
        self.report = report
        self.refusals: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> str:
        """Listen on a free loopback port in a daemon thread; returns the proxy's URL."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(self._handle, "127.0.0.1", 0, limit=MAX_HEAD)
                )
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as error:  # reported to start(), which raises it in the caller
                failure.append(error)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=serve, name="allow-list-proxy", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self.url

    def close(self) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None or loop.is_closed():
            return

        async def stop() -> None:
            server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        with contextlib.suppress(RuntimeError):  # the loop already stopped
            asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=5)
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)

    # ---- one client connection ------------------------------------------------------------------

    def _refuse(self, host: str) -> bytes:
        if self.report:
            self.refusals.put(host)
        body = REFUSED_PAGE.format(host=host, allowed=", ".join(self.allow_list.domains or ())).encode()
        return (
            b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/html; charset=utf-8\r\n"
            + f"Content-Length: {len(body)}\r\n".encode()
            + b"Connection: close\r\n\r\n"
            + body
        )

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One client connection; cancelled by close(), which must end quietly (Python 3.11 logs a
        cancelled connection task as an error)."""
        try:
            await self._serve(reader, writer)
        except (asyncio.CancelledError, ConnectionError):
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        lines = head[:-4].split(b"\r\n")
        try:
            method, target, version = lines[0].decode("latin-1").split(" ")
        except ValueError:
            await self._answer(writer, b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
            return
        if method == "CONNECT":
            await self._tunnel(target, reader, writer)
        else:
            await self._forward(method, target, version, lines[1:], reader, writer)

    async def _answer(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        with contextlib.suppress(ConnectionError):
            writer.write(data)
            await writer.drain()
        writer.close()

    async def _upstream(
        self, address: tuple[str, int] | None, writer: asyncio.StreamWriter
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """A connection to `address` when its host is allowed; otherwise the client is answered (400,
        403 or 502) and None returned. The check comes before any connection or name lookup."""
        if address is None:
            await self._answer(writer, b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
            return None
        host, port = address
        if not self.allow_list.host_allowed(host):
            await self._answer(writer, self._refuse(host))
            return None
        try:
            return await asyncio.open_connection(host, port, limit=MAX_HEAD)
        except OSError:
            await self._answer(writer, b"HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n")
            return None

    async def _tunnel(self, target: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """CONNECT host:port (TLS, and every WebSocket): open the tunnel only to an allowed host."""
        upstream = await self._upstream(_host_port(target, 443), writer)
        if upstream is None:
            return
        up_reader, up_writer = upstream
        writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        await self._pipe(reader, writer, up_reader, up_writer)

    async def _forward(
        self,
        method: str,
        target: str,
        version: str,
        headers: list[bytes],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        """A plain-HTTP request in absolute form: relay it, and its response, over a fresh connection."""
        try:
            parts = urlsplit(target)
        except ValueError:  # malformed (an unclosed `[`): answered 400 below
            parts = urlsplit("")
        upstream = await self._upstream(
            _host_port(parts.netloc, 80) if parts.scheme == "http" else None, writer
        )
        if upstream is None:
            return
        up_reader, up_writer = upstream
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        request = [f"{method} {path} {version}".encode("latin-1"), *_strip_hop_by_hop(headers)]
        up_writer.write(b"\r\n".join(request) + b"\r\n\r\n")
        # the body only (by Content-Length, or chunked until the response is over): whatever the
        # client sends after it is never read, so one connection carries one request
        body = asyncio.ensure_future(_copy(reader, up_writer, _body_length(headers)))
        try:
            response_head = await up_reader.readuntil(b"\r\n\r\n")
            status, *response_headers = response_head[:-4].split(b"\r\n")
            writer.write(b"\r\n".join([status, *_strip_hop_by_hop(response_headers)]) + b"\r\n\r\n")
            await _copy(up_reader, writer)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            await self._answer(writer, b"HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n")
        finally:
            body.cancel()
            up_writer.close()
            writer.close()

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
    ) -> None:
        """Copy bytes both ways until either side closes, then close both."""
        tasks = [
            asyncio.ensure_future(_copy(reader, up_writer)),
            asyncio.ensure_future(_copy(up_reader, writer)),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            for stream in (writer, up_writer):
                stream.close()
