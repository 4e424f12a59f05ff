"""MiniWoB++ as a suite: the `miniwob` wheel's own HTML served on loopback, driven by our browser
adapter, with the reward read from the page's MiniWoB core.

Only the HTML of the package is used (found with importlib, never imported: its `__init__` pulls in
gymnasium and registers environments). The episode protocol is the package's own
(miniwob/selenium_instance.py): `Math.seedrandom(seed)` then `core.startEpisodeReal()`, wait for
`WOB_TASK_READY`, read `core.getUtterance()`; the page's `core.endEpisode` sets `WOB_DONE_GLOBAL`,
`WOB_REWARD_GLOBAL` (time-discounted), `WOB_RAW_REWARD_GLOBAL` and `WOB_REWARD_REASON` (core.js).

The page's timer: with `page_timer="off"` the episode is started under a limit the agent never reaches
(BrowserGym's convention, 1,000,000 ms) and the task's own limit is put back at once, so the page still
discounts the reward against the task's limit (10 s for most tasks, 30 s for book-flight) without
ending the episode at it. With `page_timer="task"` the page ends it with -1 'timed out', as published.
"""

from __future__ import annotations

import importlib.util
import json
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from anyres_agent.agent.demo_site import StaticSite
from anyres_agent.agent.eval.protocol import BROWSERGYM_EPISODE_MAX_TIME_MS
from anyres_agent.agent.eval.suite import EpisodeStart, PageOutcome, SuiteError

if TYPE_CHECKING:
    from anyres_agent.agent.eval.protocol import Protocol
    from anyres_agent.agent.state import RunState
    from anyres_agent.environments.browser import BrowserEnvironment

TASK_VIEWPORT = (160, 210)
"""The task area every MiniWoB page draws in (miniwob/constants.py TASK_WIDTH, TASK_HEIGHT); the
reward display to its right stays outside the viewport, so the model sees what the gym crops to."""
FLIGHT_VIEWPORT = (375, 667)
"""FlightWoB's task area (miniwob/constants.py FLIGHT_TASK_WIDTH, FLIGHT_TASK_HEIGHT)."""

FLIGHT_GROUP = ("book-flight", "book-flight-nodelay")
"""Reported apart from the single-screen tasks: no published per-task figure anchors them
(research/anchors.md §1.2), and their 30 s page limit dominates a slow model's reward."""

START_JS = """([seed, timerOff, bigLimit]) => {
  Math.seedrandom(seed);
  const own = core.EPISODE_MAX_TIME;
  if (timerOff) core.EPISODE_MAX_TIME = bigLimit;
  core.startEpisodeReal();
  core.EPISODE_MAX_TIME = own;
  return own;
}"""

HIDE_HUMAN_DISPLAY_CSS = "#reward-display, #click-canvas, #query-wrap { display: none !important; }"
"""The score board, click canvas and FlightWoB's side query sit right of the task area. The gym crops
them from its screenshots; here the viewport is the task area, and a page that scrolls sideways (a
jQuery UI dialog focusing its close button does) would show them instead of the task. BrowserGym
removes them too (remove_human_display in browsergym/miniwob/base.py)."""

STATE_JS = """() => typeof WOB_DONE_GLOBAL === 'undefined' ? null : {
  done: WOB_DONE_GLOBAL, reward: WOB_REWARD_GLOBAL, raw: WOB_RAW_REWARD_GLOBAL,
  reason: WOB_REWARD_REASON == null ? '' : String(WOB_REWARD_REASON)}"""


def miniwob_html_dir() -> Path:
    """site-packages/miniwob/html, or a one-line error saying how to install it."""
    spec = importlib.util.find_spec("miniwob")
    if spec is None or not spec.submodule_search_locations:
        raise SuiteError("MiniWoB++ is not installed: pip install 'anyres-agent[eval]' (the miniwob package)")
    html = Path(next(iter(spec.submodule_search_locations))) / "html"
    if not (html / "core" / "core.js").is_file():
        raise SuiteError(f"the miniwob package at {html.parent} has no html/core/core.js; reinstall it")
    return html


def is_flight_site(task: str) -> bool:
    return task.startswith("flight.")


def is_flight_task(task: str) -> bool:
    """book-flight and the FlightWoB sites: summed apart from the single-screen tasks."""
    return task in FLIGHT_GROUP or is_flight_site(task)


def flight_instruction(utterance: str) -> str:
    """FlightWoB states its task as a JSON object of fields; the agent gets them as a sentence."""
    try:
        fields = json.loads(utterance)
    except ValueError:
        return utterance
    if not isinstance(fields, dict):
        return utterance
    listed = "; ".join(f"{key}: {value}" for key, value in fields.items())
    return f"Search for a flight on this airline site with these details, then submit the search. {listed}."


class MiniWoBSuite:
    """All MiniWoB++ task pages (html/miniwob/*.html) and the FlightWoB sites (html/flight/*)."""

    name = "miniwob"

    def __init__(self, html_dir: Path | None = None) -> None:
        self.html_dir = html_dir or miniwob_html_dir()
        self._site: StaticSite | None = None

    @cached_property
    def _tasks(self) -> list[str]:
        pages = sorted(p.stem for p in (self.html_dir / "miniwob").glob("*.html"))
        flights = sorted(
            f"flight.{d.name}" for d in (self.html_dir / "flight").iterdir() if (d / "wrapper.html").is_file()
        )
        return pages + flights

    def task_names(self) -> list[str]:
        return list(self._tasks)

    def check_tasks(self, wanted: list[str]) -> None:
        unknown = [t for t in wanted if t not in self._tasks]
        if unknown:
            close = ", ".join(t for t in self._tasks if any(u.split("-")[0] in t for u in unknown))[:200]
            raise SuiteError(
                f"unknown MiniWoB task(s): {', '.join(unknown)}"
                + (f" (similar: {close})" if close else "")
                + "; `agent eval miniwob --list` shows all"
            )

    @property
    def site(self) -> StaticSite:
        if self._site is None:
            self._site = StaticSite(self.html_dir)
        return self._site

    def url(self, task: str) -> str:
        if is_flight_site(task):
            return self.site.url + f"flight/{task.removeprefix('flight.')}/wrapper.html"
        return self.site.url + f"miniwob/{task}.html"

    def viewport(self, task: str) -> tuple[int, int]:
        return FLIGHT_VIEWPORT if is_flight_site(task) else TASK_VIEWPORT

    async def start(self, env: BrowserEnvironment, task: str, seed: int, protocol: Protocol) -> EpisodeStart:
        page = env.page
        await page.wait_for_selector("#sync-task-cover", state="attached", timeout=env.timeout_s * 1000)
        await page.add_style_tag(content=HIDE_HUMAN_DISPLAY_CSS)
        await page.evaluate(START_JS, [seed, protocol.page_timer == "off", BROWSERGYM_EPISODE_MAX_TIME_MS])
        await page.wait_for_function("() => WOB_TASK_READY", timeout=env.timeout_s * 1000)
        utterance = await page.evaluate("() => core.getUtterance()")
        if isinstance(utterance, dict):  # some tasks return {utterance, fields}
            utterance = utterance.get("utterance", "")
        utterance = str(utterance)
        instruction = flight_instruction(utterance) if is_flight_site(task) else utterance
        return EpisodeStart(utterance=utterance, task=instruction)

    async def _state(self, env: BrowserEnvironment) -> dict[str, Any] | None:
        state: dict[str, Any] | None = await env.page.evaluate(STATE_JS)
        return state

    async def is_over(self, env: BrowserEnvironment) -> PageOutcome | None:
        state = await self._state(env)
        if state is None:
            return PageOutcome(done=True, reason="the agent left the task page")
        if not state["done"]:
            return None
        return _outcome(state)

    async def outcome(self, env: BrowserEnvironment, task: str, state: RunState, backend: Any) -> PageOutcome:
        over = await self.is_over(env)
        if over is None:
            return PageOutcome(done=False, reason=f"the page did not end the episode ({state.reason})")
        return over

    def close(self) -> None:
        if self._site is not None:
            self._site.close()
            self._site = None


def _outcome(state: dict[str, Any]) -> PageOutcome:
    raw = float(state["raw"])
    reward = float(state["reward"])
    reason = state.get("reason") or ""
    text = f"the task page ended the episode: reward {reward:.3f} (raw {raw:g})"
    return PageOutcome(
        done=True, reward=reward, raw_reward=raw, reason=f"{text}{': ' + reason if reason else ''}"
    )
