"""Edges of the browser adapter (real headless Chromium, local pages): a single-page app's route change
that fetches, a page brought by its owner, a redirect to a blocked host, a point inside a bordered
frame, and a malformed request to the allow-list proxy."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest
from page_server import PageServer, Redirect, Reply

from anyres_agent.environments.browser import BrowserEnvironment
from anyres_agent.environments.browser_allowlist import DomainAllowList
from anyres_agent.environments.browser_page import wrap_page
from anyres_agent.environments.browser_proxy import AllowListProxy
from anyres_agent.tools import Click, Navigate

Run = Callable[[Coroutine[Any, Any, Any]], Any]
BUTTON = "position:absolute;left:0;top:0;width:100px;height:40px"
SPA = f"""<!doctype html><body style="margin:0"><button style="{BUTTON}"
 onclick="history.pushState({{}}, '', '/route');
 fetch('/data').then(r => r.text()).then(t => {{ document.body.dataset.done = t; }})">go</button>"""
FETCH = f"""<!doctype html><body style="margin:0"><button style="{BUTTON}"
 onclick="fetch('/data').then(r => r.text()).then(t => {{ document.body.dataset.done = t; }})">go</button>"""
# a frame with a thick border: its content starts 20 px in; a point 5 px into it is on the first button
FRAMED = """<!doctype html><body style="margin:0"><iframe style="position:absolute;left:0;top:0;
 border:20px solid black;padding:0;width:200px;height:100px" srcdoc="<body style='margin:0'>
 <button aria-label='first' style='position:absolute;left:0;top:0;width:10px;height:10px;border:0;padding:0'>
 </button><button aria-label='second' style='position:absolute;left:10px;top:0;width:60px;height:60px'>
 </button>"></iframe>"""
SLOW_API_S = 1.0
"""How long /data takes to answer: well beyond the click-to-settle round trip even on a loaded machine,
so the settle always finds the request still pending; the settle's cap is set far above it."""


@pytest.fixture(scope="module")
def pages() -> Iterator[PageServer]:
    """/spa, /fetch and /framed; /data answers after SLOW_API_S; /r redirects to 127.0.0.2 (another host)."""
    server: PageServer

    def answer(method: str, path: str) -> Reply | None:
        if path == "/data":
            time.sleep(SLOW_API_S)  # a slow API: the page shows "yes" only once it answered
            return "yes", "text/plain"
        if path == "/r":
            return Redirect(f"http://127.0.0.2:{server.port}/x")
        found = {"/spa": SPA, "/route": SPA, "/fetch": FETCH, "/framed": FRAMED}.get(path)
        return None if found is None else (found, "text/html")

    with PageServer(answer) as server:
        yield server


def test_a_route_change_that_fetches_is_settled_on_its_request_not_as_a_navigation(
    run: Run, browser: Any, pages: PageServer
) -> None:
    env = run(
        BrowserEnvironment.from_browser(
            browser, pages.url("/spa"), viewport=(640, 480), network_idle_s=10 * SLOW_API_S
        )
    )
    try:
        for _ in range(3):
            run(env.execute(Click(x=50, y=20)))  # pushState, then fetch('/data')
            assert env.last_settle == ["1 request(s)"]
            assert run(env.page.evaluate("document.body.dataset.done")) == "yes"
            assert env.page.url == pages.url("/route")
            run(env.page.goto(pages.url("/spa")))
    finally:
        run(env.close())


def test_a_wrapped_page_waits_for_the_requests_a_click_starts(
    run: Run, browser: Any, pages: PageServer
) -> None:
    context = run(browser.new_context(viewport={"width": 640, "height": 480}))
    page = run(context.new_page())
    run(page.goto(pages.url("/fetch")))  # loaded before the adapter sees it

    async def on_its_loop() -> BrowserEnvironment:
        return wrap_page(page)

    env = run(on_its_loop())
    env.network_idle_s = 10 * SLOW_API_S  # a cap that only a broken wait reaches
    try:
        for _ in range(2):
            run(env.execute(Click(x=50, y=20)))
            assert env.last_settle == ["1 request(s)"]
            assert run(page.evaluate("document.body.dataset.done")) == "yes"
            run(page.reload())  # a new document: watched as well
    finally:
        run(env.close())
        run(context.close())


def test_a_redirect_to_a_blocked_host_is_told_once(run: Run, browser: Any, pages: PageServer) -> None:
    env = run(BrowserEnvironment.from_browser(browser, None, allowed_domains=["127.0.0.1"], timeout_s=5))
    try:
        note = run(env.execute(Navigate(url=pages.url("/r")))).note
        told = note + (run(env.observe()).text or "")
        assert f"a redirect from {pages.url('/r')} to 127.0.0.2 was blocked" in told, told
        assert told.count("blocked request to 127.0.0.2") == 1, told
    finally:
        run(env.close())


def test_a_point_inside_a_bordered_frame_is_found_where_the_frames_content_starts(
    run: Run, browser: Any, pages: PageServer
) -> None:
    env = run(BrowserEnvironment.from_browser(browser, pages.url("/framed"), viewport=(640, 480)))
    try:
        described = run(env.element_at(25, 25))  # 5 px into the frame's content
        assert described is not None and "[aria-label=first]" in described, described
        target = run(env.target_at(25, 25))
        assert target is not None and target.description == 'button "first"'
    finally:
        run(env.close())


@pytest.mark.parametrize(
    "request_line",
    [b"CONNECT [abc:443 HTTP/1.1", b"GET http://[abc/x HTTP/1.1", b"CONNECT abc:99999 HTTP/1.1"],
)
def test_a_malformed_address_is_answered_400_by_the_proxy(request_line: bytes) -> None:
    proxy = AllowListProxy(DomainAllowList(["127.0.0.1"]))
    proxy.start()
    try:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as client:
            client.sendall(request_line + b"\r\nHost: x\r\n\r\n")
            assert client.recv(100).startswith(b"HTTP/1.1 400 Bad Request")
        assert proxy.refusals.empty()
    finally:
        proxy.close()
