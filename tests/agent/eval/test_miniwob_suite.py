"""MiniWoB++ from the wheel's own HTML on real Chromium: the task list, the episode protocol, and the
reward read from the page's core (right answer, wrong answer, no answer, the page's timer)."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any

import pytest
from agent_fakes import Run

from anyres_agent.agent.eval.miniwob import MiniWoBSuite, flight_instruction
from anyres_agent.agent.eval.protocol import Protocol
from anyres_agent.environments.browser import BrowserEnvironment

BUTTONS_JS = """() => [...document.querySelectorAll('#area button')].map(b => {
  const r = b.getBoundingClientRect();
  return {text: b.textContent, x: r.left + r.width / 2, y: r.top + r.height / 2};
})"""


def test_every_task_page_of_the_wheel_is_a_task(miniwob: MiniWoBSuite) -> None:
    spec = importlib.util.find_spec("miniwob")
    assert spec is not None and spec.submodule_search_locations
    html = Path(next(iter(spec.submodule_search_locations))) / "html"
    pages = {p.stem for p in (html / "miniwob").glob("*.html")}
    tasks = miniwob.task_names()
    assert len(pages) == 130  # miniwob 1.1.0 (research/feasibility.md §3)
    assert pages <= set(tasks)
    assert {"book-flight", "flight.AA", "flight.Alaska", "flight.Alaska-auto"} <= set(tasks)
    assert miniwob.viewport("click-button") == (160, 210) and miniwob.viewport("flight.AA") == (375, 667)


async def _open(browser: Any, suite: MiniWoBSuite, task: str, *, clock: bool = False) -> BrowserEnvironment:
    env = await BrowserEnvironment.from_browser(browser, None, viewport=suite.viewport(task), dpr=2)
    if clock:
        await env.page.clock.install()
    await env.page.goto(suite.url(task))
    return env


async def _click_button(env: BrowserEnvironment, right: bool) -> None:
    wanted = (await env.page.evaluate("() => core.getUtterance()")).split('"')[1]
    buttons = await env.page.evaluate(BUTTONS_JS)
    choice = next(b for b in buttons if (b["text"] == wanted) == right)
    await env.page.mouse.click(choice["x"], choice["y"])


@pytest.mark.parametrize("right", [True, False])
def test_the_reward_is_read_from_the_page(
    right: bool, arun: Run, chromium: Any, miniwob: MiniWoBSuite
) -> None:
    async def main() -> tuple[Any, Any, str]:
        env = await _open(chromium, miniwob, "click-button")
        try:
            start = await miniwob.start(env, "click-button", 3, Protocol())
            before = await miniwob.is_over(env)
            await _click_button(env, right)
            return before, await miniwob.is_over(env), start.utterance
        finally:
            await env.close()

    before, after, utterance = arun(main())
    assert utterance.startswith('Click on the "') and before is None
    assert after is not None and after.done
    if right:
        assert after.raw_reward == 1.0 and 0.5 < after.reward <= 1.0 and after.success
    else:
        assert after.raw_reward == -1.0 and after.reward == -1.0 and not after.success


def test_a_seed_gives_the_same_episode_and_another_seed_another(
    arun: Run, chromium: Any, miniwob: MiniWoBSuite
) -> None:
    async def layout(seed: int) -> Any:
        env = await _open(chromium, miniwob, "click-button")
        try:
            start = await miniwob.start(env, "click-button", seed, Protocol())
            return start.utterance, await env.page.evaluate(BUTTONS_JS)
        finally:
            await env.close()

    first, again, other = arun(layout(7)), arun(layout(7)), arun(layout(8))
    assert first == again and first != other


@pytest.mark.parametrize("timer", ["off", "task"])
def test_the_page_timer_is_off_or_the_tasks_own(
    timer: str, arun: Run, chromium: Any, miniwob: MiniWoBSuite
) -> None:
    """Off: 11 s later the page still runs (the task's own limit is 10 s), and a right click then is
    discounted against 10 s all the same. Task: the page ends it at 10 s with -1 'timed out'."""

    async def main() -> tuple[Any, Any]:
        env = await _open(chromium, miniwob, "click-button", clock=True)
        try:
            await miniwob.start(env, "click-button", 1, Protocol(page_timer=timer))  # type: ignore[arg-type]
            await env.page.clock.run_for(5_000)
            halfway = await miniwob.is_over(env)
            await env.page.clock.run_for(6_000)
            late = await miniwob.is_over(env)
            if late is None:
                await _click_button(env, right=True)
                late = await miniwob.is_over(env)
            return halfway, late
        finally:
            await env.close()

    halfway, late = arun(main())
    assert halfway is None and late is not None
    if timer == "task":
        assert late.raw_reward == -1.0 and "timed out" in late.reason
    else:  # 11 s of a 10 s task: the page's own discount, max(0, 1 - 11/10) = 0
        assert late.raw_reward == 1.0 and late.reward == 0.0 and late.success


def test_the_discount_uses_the_tasks_own_limit(arun: Run, chromium: Any, miniwob: MiniWoBSuite) -> None:
    async def main() -> tuple[Any, float]:
        env = await _open(chromium, miniwob, "click-button", clock=True)
        try:
            began = time.perf_counter()
            await miniwob.start(env, "click-button", 2, Protocol())
            await env.page.clock.run_for(2_500)
            await _click_button(env, right=True)
            real = time.perf_counter() - began  # the installed clock also runs in real time
            return await miniwob.is_over(env), real
        finally:
            await env.close()

    outcome, real = arun(main())
    assert outcome is not None and outcome.raw_reward == 1.0
    # 1 - elapsed / 10 s, elapsed = the 2.5 s the test ran the clock for + the real time it took
    assert 1 - (2.5 + real) / 10 - 0.01 <= outcome.reward <= 0.75 + 0.01


def test_the_human_display_is_hidden_and_a_dialog_cannot_scroll_it_in(
    arun: Run, chromium: Any, miniwob: MiniWoBSuite
) -> None:
    """A jQuery UI dialog focuses its close button and once scrolled the 160-px page sideways onto
    the score board; with it hidden the task area stays in view."""

    async def main() -> Any:
        env = await _open(chromium, miniwob, "click-dialog")
        try:
            await miniwob.start(env, "click-dialog", 0, Protocol())
            return await env.page.evaluate(
                "() => [scrollX, getComputedStyle(document.getElementById('reward-display')).display,"
                " document.querySelector('.ui-dialog-titlebar-close').getBoundingClientRect().left]"
            )
        finally:
            await env.close()

    scroll_x, display, close_left = arun(main())
    assert scroll_x == 0 and display == "none" and 0 <= close_left < 160


def test_a_flight_site_starts_with_its_fields_as_the_instruction(
    arun: Run, chromium: Any, miniwob: MiniWoBSuite
) -> None:
    async def main() -> Any:
        env = await _open(chromium, miniwob, "flight.AA")
        try:
            return await miniwob.start(env, "flight.AA", 0, Protocol()), await miniwob.is_over(env)
        finally:
            await env.close()

    start, over = arun(main())
    assert start.utterance.startswith("{") and over is None
    assert start.task == flight_instruction(start.utterance)
    assert "Departure City:" in start.task and "{" not in start.task
