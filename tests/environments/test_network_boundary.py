"""The allow-list against a hostile page: every channel it could use to reach another host, counted there.

The allowed site is 127.0.0.1; the attacker listens on 127.0.0.2 (another host to the browser, still
loopback). Each vector of attack_vectors.py first proves itself in a browser without the allow-list (it
must reach the attacker), then runs through the agent's browser, where the attacker must count 0.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from attack_vectors import VECTORS, Vector
from attacker import Attacker
from page_server import PageServer, Redirect, Reply

from anyres_agent.environments.browser import BrowserEnvironment
from anyres_agent.environments.browser_allowlist import DomainAllowList
from anyres_agent.environments.browser_launch import launch_args
from anyres_agent.environments.browser_proxy import AllowListProxy
from anyres_agent.tools import Click, Navigate

Run = Callable[[Coroutine[Any, Any, Any]], Any]
ALLOWED = ["127.0.0.1"]
BY_NAME = {vector.name: vector for vector in VECTORS}


@pytest.fixture(scope="module")
def attacker() -> Iterator[Attacker]:
    listener = Attacker()
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def hostile_site(attacker: Attacker) -> Iterator[PageServer]:
    """The allowed host: /v/<vector> pages, /r301 /r302 /r307 redirects to ?to=, and /v/blank."""

    def answer(method: str, path: str) -> Reply | None:
        parts = urlsplit(path)
        if parts.path in ("/r301", "/r302", "/r307"):
            return Redirect(parse_qs(parts.query)["to"][0], int(parts.path[2:]))
        if parts.path == "/v/blank":
            return "<!doctype html><html><body>nothing here</body></html>", "text/html"
        vector = BY_NAME.get(parts.path.removeprefix("/v/"))
        if vector is None:
            return None
        body = vector.html(attacker, vector.name)
        return f"<!doctype html><html><body style='margin:0'>{body}</body></html>", "text/html"

    with PageServer(answer) as server:
        yield server


async def attack(
    env: BrowserEnvironment, site: PageServer, attacker: Attacker, vector: Vector, reach_s: float = 0.0
) -> str:
    """Run one vector the way an agent would meet it; returns what the agent was told. With `reach_s`
    (where the vector must reach the attacker), its page is kept until the attacker counts it or that
    long passed: a channel that starts after load may need more than the pause below on a loaded
    machine, and the next vector's navigation would tear it down."""
    told = []

    async def act(action: Click | Navigate) -> None:
        try:
            told.append((await env.execute(action)).note)
        except Exception as error:  # a refused navigation is also something the agent is told
            told.append(str(error))

    if vector.after == "navigate":
        assert vector.navigate is not None
        await act(Navigate(url=vector.navigate(attacker, vector.name, site.base)))
    else:
        await act(Navigate(url=site.url(f"/v/{vector.name}")))
        await asyncio.sleep(0.15)  # let the page's scripts, workers and peer connections start
        if vector.after == "click":
            await act(Click(x=20, y=20))
        elif vector.after == "leave":
            await act(Navigate(url=site.url("/v/blank")))
    told.append((await env.observe()).text or "")
    deadline = time.monotonic() + reach_s
    while not attacker.hits(vector.name) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return "\n".join(told)


async def attack_all(
    env: BrowserEnvironment, site: PageServer, attacker: Attacker, vectors: tuple[Vector, ...] = VECTORS,
    reach_s: float = 0.0,
) -> dict[str, str]:  # fmt: skip
    return {vector.name: await attack(env, site, attacker, vector, reach_s) for vector in vectors}


def unloaded(
    site: PageServer, attacker: Attacker, since: int, vectors: tuple[Vector, ...] = VECTORS
) -> list[str]:
    """The vectors whose first request to the allowed host (its /v/<name> page, or the first hop of the
    URL it navigates to) is not among the site's requests from index `since`: those were never tried."""
    seen = set(site.requests[since:])
    missing = []
    for vector in vectors:
        if vector.after == "navigate":
            assert vector.navigate is not None
            parts = urlsplit(vector.navigate(attacker, vector.name, site.base))
            first = f"{parts.path}?{parts.query}" if parts.query else parts.path
        else:
            first = f"/v/{vector.name}"
        if first not in seen:
            missing.append(vector.name)
    return missing


def quiet_hits(
    attacker: Attacker, vectors: tuple[Vector, ...] = VECTORS, seconds: float = 2.0
) -> dict[str, int]:
    """The attacker's counts once late arrivals (a keepalive, an ICE retry) had time to land."""
    time.sleep(seconds)
    return {vector.name: attacker.hits(vector.name) for vector in vectors}


def test_every_vector_reaches_the_attacker_in_a_browser_without_the_allow_list(
    run: Run, hostile_site: PageServer, attacker: Attacker
) -> None:
    """The control: each channel really works in this Chromium, so a 0 below means it was closed."""
    from playwright.async_api import async_playwright

    from anyres_agent.environments.browser_launch import start_browser

    attacker.reset()
    playwright = run(async_playwright().start())
    browser, _ = run(start_browser(playwright))
    try:
        env = run(BrowserEnvironment.from_browser(browser, None, timeout_s=5))
        run(attack_all(env, hostile_site, attacker, reach_s=5.0))
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not all(attacker.hits(v.name) for v in VECTORS):
            time.sleep(0.2)
        missed = [v.name for v in VECTORS if not attacker.hits(v.name)]
        assert not missed, f"these vectors never reached the attacker, so they prove nothing: {missed}"
    finally:
        run(browser.close())
        run(playwright.stop())


def test_no_vector_reaches_the_attacker_through_the_agents_browser(
    run: Run, hostile_site: PageServer, attacker: Attacker
) -> None:
    """`BrowserEnvironment.launch(allowed_domains=...)`, what `agent run --allow-domain` uses."""
    attacker.reset()
    env = run(BrowserEnvironment.launch(None, allowed_domains=ALLOWED, timeout_s=5))
    try:
        since = len(hostile_site.requests)
        told = run(attack_all(env, hostile_site, attacker))
        assert quiet_hits(attacker) == {v.name: 0 for v in VECTORS}
        assert unloaded(hostile_site, attacker, since) == []  # each 0 above is a vector really tried
        assert env.boundary.endswith("WebRTC kept off UDP")
    finally:
        run(env.close())
    # redirects are told as redirects, with where they came from
    for name in ("navigate-redirect", "redirect-chain-307", "link-redirect"):
        blocked = f"blocked request to 127.0.0.2 (not in the allowed domains: {ALLOWED[0]})"
        assert f"to 127.0.0.2 was blocked ({blocked})" in told[name], told[name]
    assert "blocked request to 127.0.0.2" in told["worker-websocket"]  # refused by the proxy, and said


# what a context's own proxy could miss that the browser-wide one catches: checked on a borrowed browser
BEYOND_THE_PAGE = tuple(
    BY_NAME[name]
    for name in ("redirect-chain-307", "iframe-redirect", "worker-websocket", "sharedworker-fetch",
                 "speculation-prefetch", "speculation-prerender", "keepalive-on-exit", "beacon-on-exit",
                 "webrtc-stun", "webrtc-turn-tcp", "webrtc-peer", "webtransport", "https-fetch")
)  # fmt: skip


def test_a_borrowed_browser_is_held_as_well_when_started_with_the_locked_flags(
    run: Run, hostile_site: PageServer, attacker: Attacker
) -> None:
    from playwright.async_api import async_playwright

    attacker.reset()
    playwright = run(async_playwright().start())
    try:
        browser = run(
            playwright.chromium.launch(executable_path=_chromium(playwright), args=launch_args(locked=True))
        )
        env = run(BrowserEnvironment.from_browser(browser, None, allowed_domains=ALLOWED, timeout_s=5))
        assert env.boundary.endswith("WebRTC kept off UDP")
        since = len(hostile_site.requests)
        run(attack_all(env, hostile_site, attacker, BEYOND_THE_PAGE))
        assert quiet_hits(attacker, BEYOND_THE_PAGE) == {v.name: 0 for v in BEYOND_THE_PAGE}
        assert unloaded(hostile_site, attacker, since, BEYOND_THE_PAGE) == []
        run(env.close())
        run(browser.close())
    finally:
        run(playwright.stop())


def test_a_borrowed_browser_without_the_flags_is_said_to_leave_webrtc_open(
    run: Run, browser: Any, hostile_site: PageServer, attacker: Attacker, caplog: pytest.LogCaptureFixture
) -> None:
    """The suite's shared browser was started without the allow-list flags: the adapter says that
    WebRTC stays open there (and it does), while HTTP(S) and WebSockets are still held."""
    attacker.reset()
    with caplog.at_level(logging.WARNING):
        env = run(BrowserEnvironment.from_browser(browser, None, allowed_domains=ALLOWED, timeout_s=5))
    try:
        assert env.boundary.endswith("WebRTC UDP is open")
        assert "launch_args(locked=True)" in caplog.text
        run(attack(env, hostile_site, attacker, BY_NAME["webrtc-stun"], reach_s=5.0))
        for name in ("sharedworker-fetch", "navigate-redirect", "keepalive-on-exit"):
            run(attack(env, hostile_site, attacker, BY_NAME[name]))
        hits = quiet_hits(attacker)
        assert hits["webrtc-stun"] > 0  # what the warning says, measured
        assert hits["sharedworker-fetch"] == hits["navigate-redirect"] == hits["keepalive-on-exit"] == 0
    finally:
        run(env.close())


def test_an_attached_browser_with_no_context_to_reuse_gets_a_new_one_behind_the_proxy(
    run: Run, hostile_site: PageServer, attacker: Attacker
) -> None:
    """Over CDP the adapter reuses the browser's own context; a browser that exposes none (as a
    Playwright-launched one does) gets a fresh context, and that one is held by the proxy too."""
    from playwright.async_api import async_playwright

    attacker.reset()
    playwright = run(async_playwright().start())
    try:
        browser = run(playwright.chromium.launch(executable_path=_chromium(playwright)))
        assert browser.contexts == []
        env = run(
            BrowserEnvironment.from_browser(
                browser, None, allowed_domains=ALLOWED, reuse_context=True, timeout_s=5
            )
        )
        try:
            assert env.boundary.startswith("allow-list proxy for every HTTP(S)/WebSocket connection")
            for name in ("sharedworker-fetch", "navigate-redirect", "keepalive-on-exit"):
                run(attack(env, hostile_site, attacker, BY_NAME[name]))
            hits = quiet_hits(attacker)
            assert hits["sharedworker-fetch"] == hits["navigate-redirect"] == hits["keepalive-on-exit"] == 0
        finally:
            run(env.close())
        run(browser.close())
    finally:
        run(playwright.stop())


def _chromium(playwright: Any) -> str | None:
    from anyres_agent.environments.browser_launch import find_browser

    return find_browser(playwright.chromium.executable_path).executable_path


# --- the proxy on its own: what a client that is not a browser can try --------------------------


def _exchange(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def test_the_proxy_refuses_other_hosts_before_connecting_and_never_reuses_a_connection(
    hostile_site: PageServer, attacker: Attacker
) -> None:
    attacker.reset()
    proxy = AllowListProxy(DomainAllowList(ALLOWED))
    proxy.start()
    try:
        evil = f"127.0.0.2:{attacker.tcp('raw')}"
        assert _exchange(proxy.port, f"CONNECT {evil} HTTP/1.1\r\nHost: {evil}\r\n\r\n".encode()).startswith(
            b"HTTP/1.1 403"
        )
        assert _exchange(
            proxy.port, f"GET http://{evil}/ HTTP/1.1\r\nHost: {evil}\r\n\r\n".encode()
        ).startswith(b"HTTP/1.1 403")
        # a kept-alive connection carrying a second request, to another host, after an allowed one
        allowed = hostile_site.url("/v/blank")
        since = len(hostile_site.requests)
        two = (
            f"GET {allowed} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n"
            f"GET http://{evil}/second HTTP/1.1\r\nHost: {evil}\r\n\r\n"
        )
        reply = _exchange(proxy.port, two.encode())
        assert reply.startswith(b"HTTP/1.0 200") and b"nothing here" in reply
        assert b"Connection: close" in reply
        assert hostile_site.requests[since:] == ["/v/blank"]  # the allowed host got the first alone
        assert [proxy.refusals.get_nowait(), proxy.refusals.get_nowait()] == ["127.0.0.2", "127.0.0.2"]
        assert attacker.hits("raw") == 0  # and the second, refused or dropped, reached no one
    finally:
        proxy.close()
