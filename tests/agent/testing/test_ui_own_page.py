"""The UI test API and the Agent on a sync Playwright page the caller owns (what pytest-playwright's
`page` fixture is): driven from its own thread, never closed by us."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from ui_site import LoginSite, PageOracle

from anyres_agent.agent.api import Agent
from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.testing import UI, ModelSetup
from anyres_agent.environments.browser_launch import find_browser, launch_args
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.model.families import get_family
from anyres_agent.tools import Click, Finish, Type

T = TypeVar("T")


def _own_thread(work: Callable[[], T]) -> T:
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result(timeout=180)


def _with_sync_page(site: LoginSite, body: Callable[[Any], T]) -> T:
    """A sync Playwright page on the login site, opened and closed by 'the user' (this helper)."""

    def work() -> T:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            choice = find_browser(playwright.chromium.executable_path)
            chromium = playwright.chromium.launch(executable_path=choice.executable_path, args=launch_args())
            try:
                page = chromium.new_page(viewport={"width": 800, "height": 600})
                page.goto(site.url("/login.html"))
                return body(page)
            finally:
                chromium.close()

    return _own_thread(work)


def test_ui_from_page_taps_and_types_on_the_users_page_and_leaves_it_open(tmp_path: Path) -> None:
    site = LoginSite()
    try:

        def body(page: Any) -> dict[str, Any]:
            holder: dict[str, UI] = {}
            family = get_family("qwen25vl")
            oracle = PageOracle(family, lambda: holder["ui"].env.page)  # type: ignore[attr-defined]
            setup = ModelSetup(backend=ScriptedBackend(oracle), family=family, model="page-oracle")
            with UI.from_page(page, setup=setup, record_dir=tmp_path / "record") as ui:
                holder["ui"] = ui
                ui.type("ada", into="the user name field")
                target = ui.tap("the Cancel button")
                shot = ui.screenshot()
            return {
                "events": page.evaluate("window.events"),
                "user": page.input_value("#user"),
                "open": not page.is_closed(),
                "source": target.source,
                "shot": shot.size,
                "grounded": oracle.grounded,
            }

        seen = _with_sync_page(site, body)
    finally:
        site.close()
    assert seen["events"] == ["user", "cancel"] and seen["user"] == ""  # Cancel cleared what was typed
    assert seen["open"] and seen["shot"] == (800, 600) and seen["source"] == "model"
    assert seen["grounded"] == ["the user name field", "the Cancel button"]


def test_ui_from_page_refuses_an_async_page_with_what_to_use_instead(run: Any, browser: Any) -> None:
    page = run(browser.new_page())
    try:
        with pytest.raises(TypeError, match=r"for an async one use AsyncUI\(page, setup\)"):
            UI.from_page(page, setup=ModelSetup(backend=ScriptedBackend([]), family=get_family("qwen2vl")))
    finally:
        run(page.close())


def test_an_agent_runs_on_a_sync_page_with_run_sync(tmp_path: Path) -> None:
    site = LoginSite()
    family = get_family("uitars15")
    try:

        def body(page: Any) -> dict[str, Any]:
            box = page.locator("#user").bounding_box()
            x, y = round(box["x"] + box["width"] / 2), round(box["y"] + box["height"] / 2)
            answers = [
                lambda r: family.render([Click(x=x, y=y)], r.frame, thought="the user field"),
                lambda r: family.render([Type(text="grace")], r.frame, thought="type the name"),
                lambda r: family.render([Finish()], r.frame, thought="done"),
            ]
            script = iter(answers)
            agent = Agent(
                page,
                ScriptedBackend(lambda r: next(script)(r)),
                family,
                AgentConfig(record_dir=tmp_path / "run"),
            )
            result = agent.run_sync("Type grace into the user name field")
            return {"status": result.status, "user": page.input_value("#user"), "open": not page.is_closed()}

        seen = _with_sync_page(site, body)
    finally:
        site.close()
    assert seen == {"status": "success", "user": "grace", "open": True}
