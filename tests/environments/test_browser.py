"""The browser adapter against real headless Chromium and local pages, checked with DOM listeners."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from local_site import Site

from anyres_agent.environments import ActionRejectedError, DeviceUnavailableError
from anyres_agent.environments.browser import BrowserEnvironment
from anyres_agent.tools import Back, Click, Key, Navigate, OpenApp, Scroll, Type

Run = Callable[[Coroutine[Any, Any, Any]], Any]


def open_env(run: Run, browser: Any, url: str, **options: Any) -> BrowserEnvironment:
    return run(BrowserEnvironment.from_browser(browser, url, **options))


def centre(run: Run, env: BrowserEnvironment, selector: str) -> tuple[float, float]:
    script = "s => { const r = document.querySelector(s).getBoundingClientRect();"
    script += " return [r.x + r.width / 2, r.y + r.height / 2] }"
    box = run(env.page.evaluate(script, selector))
    return box[0], box[1]


@pytest.mark.parametrize("dpr", [1, 2])
@pytest.mark.parametrize("viewport", [(800, 600), (1280, 720), (1920, 1080)])
def test_click_lands_on_the_element_at_every_dpr_and_viewport(
    run: Run, browser: Any, site: Site, dpr: int, viewport: tuple[int, int]
) -> None:
    env = open_env(run, browser, site.url("/corner.html"), viewport=viewport, dpr=dpr)
    try:
        observation = run(env.observe())
        assert observation.screen.width == viewport[0] and observation.screen.height == viewport[1]
        assert observation.screenshot.size == (viewport[0] * dpr, viewport[1] * dpr)  # physical pixels
        assert observation.dpr == dpr
        x, y = centre(run, env, "#far")  # CSS pixels, near the bottom-right corner of this viewport
        # 35 px left of the centre: on the button's red, clear of its black label
        assert observation.screenshot.image.getpixel((int((x - 35) * dpr), int(y * dpr))) == (255, 0, 0)
        run(env.execute(Click(x=x, y=y)))
        assert run(env.page.evaluate("window.clicks")) == ["far"]
    finally:
        run(env.close())


def test_typing_unicode_and_keys_reach_the_focused_input(run: Run, browser: Any, site: Site) -> None:
    env = open_env(run, browser, site.url("/form.html"))
    try:
        x, y = centre(run, env, "#name")
        run(env.execute(Click(x=x, y=y)))
        run(env.execute(Type(text="hello wörld 你好!")))
        run(env.execute(Key(keys=["backspace"])))
        run(env.execute(Key(keys=["ctrl", "a"])))
        run(env.execute(Type(text="replaced")))
        assert run(env.page.input_value("#name")) == "replaced"
        with pytest.raises(ActionRejectedError, match="the browser has no 'power' key"):
            run(env.execute(Key(keys=["power"])))
    finally:
        run(env.close())


def test_the_focused_fields_kind_is_reported_for_the_risk_guard(run: Run, browser: Any, site: Site) -> None:
    env = open_env(run, browser, site.url("/login.html"))

    def field() -> str | None:
        """The focused field's kind; "hidden" when the page hides it; None when no field has focus."""
        target = run(env.focused_target())
        return None if target is None else "hidden" if target.hidden else target.field

    try:
        assert field() is None  # nothing focused yet
        kinds = {}
        for selector in ("#user", "#pass", "#note", "#rich", "#go"):
            x, y = centre(run, env, selector)
            run(env.execute(Click(x=x, y=y)))
            kinds[selector] = field()
        assert kinds == {
            "#user": "text",
            "#pass": "password",
            "#note": "textarea",
            "#rich": "div",
            "#go": None,
        }
        run(env.execute(Click(x=400, y=45)))  # the password field inside the same-origin iframe
        assert field() == "password"
    finally:
        run(env.close())
    assert run(env.focused_target()) is None  # a closed page is "unknown", never an error


def test_scroll_moves_the_page_by_the_asked_pixels(run: Run, browser: Any, site: Site) -> None:
    env = open_env(run, browser, site.url("/long.html"))
    try:
        run(env.execute(Scroll(dy=1500)))
        run(env.page.wait_for_function("window.scrollY === 1500", timeout=3000))
        run(env.execute(Scroll(x=10, y=10, dy=-500)))
        run(env.page.wait_for_function("window.scrollY === 1000", timeout=3000))
    finally:
        run(env.close())


def test_a_new_tab_is_followed_and_announced_and_its_closing_too(run: Run, browser: Any, site: Site) -> None:
    env = open_env(run, browser, site.url("/tabs.html"))
    try:
        x, y = centre(run, env, "#open")
        result = run(env.execute(Click(x=x, y=y)))
        # the adapter acts in the new tab at once; under load its first document may still be loading
        run(env.page.wait_for_url(site.url("/second.html")))
        observation = run(env.observe())
        told = result.note + (observation.text or "")
        assert "a new tab opened" in told
        assert observation.url == site.url("/second.html")
        assert "1: " + site.url("/tabs.html") in observation.text and "(current)" in observation.text
        x, y = centre(run, env, "#close")
        result = run(env.execute(Click(x=x, y=y)))
        observation = run(env.observe())
        assert "the tab closed; back to the tab at " + site.url("/tabs.html") in result.note + (
            observation.text or ""
        )
        assert observation.url == site.url("/tabs.html")
    finally:
        run(env.close())


def test_requests_outside_the_allowed_domains_are_blocked_and_reported(
    run: Run, browser: Any, site: Site
) -> None:
    env = open_env(run, browser, None, allowed_domains=["127.0.0.1"])
    try:
        result = run(env.execute(Navigate(url=site.url("/embeds-blocked.html"))))
        run(asyncio.sleep(0.2))
        told = result.note + (run(env.observe()).text or "")
        assert "blocked request to localhost (not in the allowed domains: 127.0.0.1)" in told
        assert "blocked request to evil.example" in told  # the WebSocket
        assert "/pixel.png" not in site.requests  # never reached the server
        with pytest.raises(ActionRejectedError, match="navigation refused: blocked request to localhost"):
            run(env.execute(Navigate(url=f"http://localhost:{site.port}/corner.html")))
        assert env.page.url == site.url("/embeds-blocked.html")  # did not navigate
    finally:
        run(env.close())


def told(run: Run, env: BrowserEnvironment, action: Click) -> str:
    """What the agent hears after an action: the result's note, or, for an event that came after the
    settle time (a loaded machine), the next observation's events."""
    note = run(env.execute(action)).note
    return note + "\n" + (run(env.observe()).text or "")


def test_dialogs_are_handled_by_policy_and_file_choosers_get_the_uploads(
    run: Run, browser: Any, site: Site, tmp_path: Path
) -> None:
    report = tmp_path / "report.txt"
    report.write_text("numbers")
    env = open_env(run, browser, site.url("/form.html"), dialog_policy="dismiss", uploads=[report])
    try:
        x, y = centre(run, env, "#ask")
        assert "a confirm dialog said 'Delete everything?'; it was dismissed" in told(
            run, env, Click(x=x, y=y)
        )
        assert run(env.page.evaluate("window.answer")) is False
        x, y = centre(run, env, "#file")
        assert "uploaded report.txt" in told(run, env, Click(x=x, y=y))
        assert run(env.page.evaluate("document.querySelector('#file').files[0].name")) == "report.txt"
    finally:
        run(env.close())


def test_a_navigation_that_never_finishes_is_reported_and_the_browser_stays_usable(
    run: Run, browser: Any, site: Site
) -> None:
    env = open_env(run, browser, site.url("/corner.html"), timeout_s=1)
    try:
        hang = site.url("/hang")
        with pytest.raises(
            ActionRejectedError, match=f"navigation to {hang} did not finish within 1 s"
        ) as caught:
            run(env.execute(Navigate(url=hang)))
        assert not caught.value.restart_required
        env.timeout_s = 30.0  # the usual limit again: 1 s was for the hang, not for what follows
        run(env.execute(Navigate(url=site.url("/long.html"))))
        assert run(env.observe()).url == site.url("/long.html")
        run(env.execute(Back()))
        assert env.page.url == site.url("/corner.html")
    finally:
        run(env.close())


def test_bad_actions_are_refused_and_the_environment_stays_usable(run: Run, browser: Any, site: Site) -> None:
    env = open_env(run, browser, site.url("/corner.html"), viewport=(800, 600))
    try:
        with pytest.raises(ActionRejectedError, match="off the 800x600 screen"):
            run(env.execute(Click(x=800, y=10)))
        with pytest.raises(ActionRejectedError, match="the browser cannot open_app"):
            run(env.execute(OpenApp(name="Settings")))
        run(env.execute(Click(x=40, y=25)))
        assert run(env.page.evaluate("window.clicks")) == ["near"]
    finally:
        run(env.close())


def test_a_closed_page_says_the_environment_must_restart(run: Run, browser: Any, site: Site) -> None:
    env = open_env(run, browser, site.url("/corner.html"))
    try:
        run(env.page.close())
        with pytest.raises(DeviceUnavailableError, match=r"page was closed.*restart") as caught:
            run(env.observe())
        assert caught.value.restart_required
        with pytest.raises(DeviceUnavailableError):
            run(env.execute(Click(x=1, y=1)))
    finally:
        run(env.close())


def test_a_crashed_page_says_the_environment_must_restart(run: Run, browser: Any, site: Site) -> None:
    env = open_env(run, browser, site.url("/corner.html"))
    try:
        session = run(env.context.new_cdp_session(env.page))
        with contextlib.suppress(Exception):  # a crashed renderer never answers
            run(asyncio.wait_for(session.send("Page.crash"), 1))
        with pytest.raises(DeviceUnavailableError, match=r"crashed|closed") as caught:
            run(env.observe())
        assert caught.value.restart_required
    finally:
        run(env.close())


def test_the_cursor_is_reported_so_a_qwen_click_without_coordinate_lands(
    run: Run, browser: Any, site: Site
) -> None:
    """Qwen2.5-VL's official computer_use clicks where the pointer is: the model moves in one step and
    clicks in the next. The browser reports its pointer in each observation, and the click lands."""
    from anyres_agent.model.families import get_family

    family = get_family("qwen25vl")
    env = open_env(run, browser, site.url("/corner.html"), viewport=(1280, 720))
    try:
        first = run(env.observe())
        assert first.cursor is None  # no pointer action yet: the adapter does not guess
        frame = family.frame(screen=(1280, 720), image=first.screenshot.size)
        x, y = centre(run, env, "#far")
        mx, my = (round(v) for v in frame.screen_to_model(x, y))
        move = '<tool_call>\n{"name": "computer_use", "arguments": {"action": "mouse_move", "coordinate": '
        for action in family.parse(move + f"[{mx}, {my}]}}}}\n</tool_call>", frame).actions:
            run(env.execute(action))
        second = run(env.observe())
        assert second.cursor is not None and abs(second.cursor[0] - x) <= 1 and abs(second.cursor[1] - y) <= 1
        click = '<tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click"}}\n</tool_call>'
        (action,) = family.parse(click, frame, cursor=second.cursor).actions
        run(env.execute(action))
        assert run(env.page.evaluate("window.clicks")) == ["far"]
        run(
            env.execute(Scroll(dy=100))
        )  # a scroll without a point scrolls at the centre, and the pointer goes there
        assert run(env.observe()).cursor == (640, 360)
    finally:
        run(env.close())
