"""The event-driven settle: after an input action the adapter waits for what the action set going
(a navigation, a new tab, a dialog, the requests it started) and for nothing else.

Each case runs several times in a row, because a race here shows up as an occasional stale screen:
after a click that navigates, the very next observation must already show the new page.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from PIL import Image

from anyres_agent.environments.browser import BrowserEnvironment
from anyres_agent.tools import Click, Key

REPEATS = 8
GREEN = (0, 200, 0)
SLOW_API_S = 1.0
"""How long /data takes to answer: well beyond the click-to-settle round trip even on a loaded machine,
so the settle always finds the request still pending (and must wait for it)."""

START = """<!doctype html><html><body style="margin:0;background:#fff">
<a id="link" href="/next" style="position:absolute;left:10px;top:10px;width:150px;height:40px;display:block;
 background:#ccc">link</a>
<form action="/next" method="post"><input name="q" value="x" type="hidden">
<button id="post" style="position:absolute;left:10px;top:60px;width:150px;height:40px">post</button></form>
<button id="js" onclick="location.href='/next'" style="position:absolute;left:10px;top:110px;width:150px;
 height:40px">js</button>
<button id="later" onclick="setTimeout(() => location.href = '/next', 0)" style="position:absolute;left:10px;
 top:160px;width:150px;height:40px">later</button>
<button id="fetch" onclick="fetch('/data').then(r => r.text()).then(t => {
 document.getElementById('box').style.background = t; })" style="position:absolute;left:10px;top:210px;
 width:150px;height:40px">fetch</button>
<a id="tab" href="/next" target="_blank" style="position:absolute;left:10px;top:260px;width:150px;
 height:40px;display:block;background:#ccc">tab</a>
<button id="open" onclick="window.open('/next')" style="position:absolute;left:10px;top:310px;width:150px;
 height:40px">open</button>
<button id="alert" onclick="alert('saved')" style="position:absolute;left:10px;top:360px;width:150px;
 height:40px">alert</button>
<a id="empty" href="/nocontent" style="position:absolute;left:10px;top:410px;width:150px;height:40px;
 display:block;background:#ccc">204</a>
<input id="field" style="position:absolute;left:200px;top:10px;width:150px;height:30px"
 onkeydown="if (event.key === 'Enter') location.href = '/next'">
<input id="upload" type="file" style="position:absolute;left:200px;top:60px;width:150px;height:30px">
<div id="box" style="position:absolute;left:400px;top:300px;width:200px;height:200px;background:#fff"></div>
</body></html>"""

NEXT = """<!doctype html><html><body style="margin:0;background:rgb(0,200,0)">next</body></html>"""


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        return None

    def do_GET(self) -> None:
        if self.path == "/nocontent":
            self.send_response(204)
            self.end_headers()
            return
        if self.path == "/data":
            time.sleep(SLOW_API_S)  # a slow API: the box turns red only when it answers
            self._send(b"rgb(220, 0, 0)", "text/plain")
            return
        self._send((START if self.path == "/" else NEXT).encode(), "text/html")

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self._send(NEXT.encode(), "text/html")

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def start_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _pixel(observation: Any, x: int, y: int) -> tuple[int, int, int]:
    image = Image.open(io.BytesIO(observation.screenshot.png)).convert("RGB")
    return image.getpixel((x, y))  # type: ignore[return-value]


@pytest.fixture
def env(run: Any, browser: Any, start_url: str) -> Iterator[BrowserEnvironment]:
    environment = run(BrowserEnvironment.from_browser(browser, start_url, viewport=(644, 476)))
    yield environment
    run(environment.close())


@pytest.mark.parametrize("button", ["link", "post", "js", "later"])
def test_a_click_that_navigates_shows_the_new_page_at_the_next_observation(
    run: Any, env: BrowserEnvironment, start_url: str, button: str
) -> None:
    point = {"link": (80, 30), "post": (80, 80), "js": (80, 130), "later": (80, 180)}[button]
    for _ in range(REPEATS):
        run(env.execute(Click(x=point[0], y=point[1])))
        observation = run(env.observe())  # straight away: no sleep, no wait_for_url
        assert observation.url == start_url + "next"
        assert _pixel(observation, 600, 450) == GREEN
        assert "navigation" in env.last_settle
        run(env.page.goto(start_url))


def test_enter_in_a_field_that_navigates_is_settled_like_a_click(
    run: Any, env: BrowserEnvironment, start_url: str
) -> None:
    for _ in range(REPEATS):
        run(env.execute(Click(x=270, y=25)))
        run(env.execute(Key(keys=["enter"])))
        observation = run(env.observe())
        assert observation.url == start_url + "next" and _pixel(observation, 600, 450) == GREEN
        run(env.page.goto(start_url))


def test_a_click_on_nothing_waits_for_nothing(run: Any, env: BrowserEnvironment) -> None:
    for _ in range(REPEATS):
        run(env.execute(Click(x=620, y=30)))
        assert env.last_settle == []


def test_the_requests_a_click_starts_are_awaited_and_their_effect_is_on_screen(
    run: Any, env: BrowserEnvironment, start_url: str
) -> None:
    env.network_idle_s = 10 * SLOW_API_S  # a cap that only a broken wait reaches
    for _ in range(REPEATS // 2):
        run(env.execute(Click(x=80, y=230)))
        assert env.last_settle == ["1 request(s)"]
        assert _pixel(run(env.observe()), 500, 400) == (220, 0, 0)
        run(env.page.goto(start_url))


def _told(run: Any, env: BrowserEnvironment, action: Click, event: str, within_s: float = 10.0) -> str:
    """What the agent hears of an action: its result's note, where the settle puts an event that came
    within its wait (new_page_s); on a loaded machine the event may come later and be told with the
    next observations' events instead, so these are read until it is there or `within_s` passed."""
    told = run(env.execute(action)).note
    deadline = time.monotonic() + within_s
    while event not in told and time.monotonic() < deadline:
        told += "\n" + (run(env.observe()).text or "")
    return told


@pytest.mark.parametrize("button", ["tab", "open"])
def test_a_new_tab_is_reported_with_the_action(
    run: Any, env: BrowserEnvironment, start_url: str, button: str
) -> None:
    point = {"tab": (80, 280), "open": (80, 330)}[button]
    for _ in range(REPEATS // 2):
        first = env.page
        told = _told(run, env, Click(x=point[0], y=point[1]), "a new tab opened")
        assert told.count("a new tab opened") == 1, told
        assert env.page is not first
        run(env.page.close())  # back to the first tab
        assert env.page is first


def test_a_dialog_is_reported_in_the_same_result(run: Any, env: BrowserEnvironment) -> None:
    for _ in range(REPEATS // 2):
        result = run(env.execute(Click(x=80, y=380)))
        assert "alert dialog said 'saved'; it was accepted" in result.note


def test_a_file_chooser_is_answered_and_reported_with_the_action(
    run: Any, browser: Any, start_url: str, tmp_path: Any
) -> None:
    upload = tmp_path / "notes.txt"
    upload.write_text("hello")
    env = run(BrowserEnvironment.from_browser(browser, start_url, viewport=(644, 476), uploads=[upload]))
    try:
        for _ in range(REPEATS // 2):
            told = _told(run, env, Click(x=275, y=75), "uploaded notes.txt")
            assert told.count("uploaded notes.txt") == 1, told
        assert run(env.page.evaluate("document.querySelector('#upload').files[0].name")) == "notes.txt"
    finally:
        run(env.close())


def test_a_link_answered_with_no_content_neither_navigates_nor_hangs(
    run: Any, env: BrowserEnvironment, start_url: str
) -> None:
    for _ in range(REPEATS // 2):
        started = time.monotonic()
        run(env.execute(Click(x=80, y=430)))
        took = time.monotonic() - started
        assert took < 2.0, f"the click took {took:.1f} s: the settle waited for a navigation that never came"
        assert "navigation" not in env.last_settle  # its request ended and no document came
        assert run(env.observe()).url == start_url
