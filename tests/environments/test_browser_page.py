"""Bring your own Playwright: your Page or BrowserContext, async or sync, driven by the adapter and
never closed by it (real headless Chromium, local pages)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest
from local_site import Site

from anyres_agent.environments.browser import BrowserEnvironment
from anyres_agent.environments.browser_launch import find_browser, launch_args
from anyres_agent.environments.browser_page import bridge_of, wrap_page
from anyres_agent.tools import Click, Type

Run = Callable[[Coroutine[Any, Any, Any]], Any]
T = TypeVar("T")

CENTRE = (
    "s => { const r = document.querySelector(s).getBoundingClientRect();"
    " return [r.x + r.width / 2, r.y + r.height / 2] }"
)


def test_an_async_page_is_driven_and_left_open(run: Run, browser: Any, site: Site) -> None:
    context = run(browser.new_context(viewport={"width": 800, "height": 600}))
    page = run(context.new_page())
    run(page.goto(site.url("/form.html")))
    with pytest.raises(RuntimeError, match="inside a coroutine running on that loop"):
        wrap_page(page)  # not on the page's event loop

    async def on_its_loop() -> BrowserEnvironment:
        return wrap_page(page)

    env = run(on_its_loop())
    try:
        assert isinstance(env, BrowserEnvironment) and env.page is page and bridge_of(env) is None
        observation = run(env.observe())
        assert observation.screenshot.size == (800, 600) and observation.url == site.url("/form.html")
        x, y = run(page.evaluate(CENTRE, "#ask"))
        result = run(env.execute(Click(x=x, y=y)))  # opens a confirm dialog, which the adapter accepts
        assert "a confirm dialog said 'Delete everything?'; it was accepted" in result.note
        assert run(page.evaluate("window.answer")) is True
    finally:
        run(env.close())
    # ours again: open, usable, and without the adapter's listeners (a dialog is no longer answered
    # by it, so Playwright's default dismisses it)
    assert not page.is_closed() and context.pages == [page]
    run(page.evaluate("window.answer = 'unset'"))
    run(page.click("#ask"))
    assert run(page.evaluate("window.answer")) is False
    run(context.close())


def test_a_context_without_a_page_is_refused_with_what_to_do(run: Run, browser: Any) -> None:
    context = run(browser.new_context())
    try:

        async def on_its_loop() -> None:
            wrap_page(context)

        with pytest.raises(Exception, match=r"has no open page: open one \(await context.new_page\(\)\)"):
            run(on_its_loop())
    finally:
        run(context.close())


def _in_own_thread(work: Callable[[], T]) -> T:
    """Run `work` on a fresh thread, as a test in another process would own its sync Playwright."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result(timeout=120)


def _sync_chromium(playwright: Any) -> Any:
    choice = find_browser(playwright.chromium.executable_path)
    return playwright.chromium.launch(executable_path=choice.executable_path, args=launch_args())


def test_a_sync_page_is_served_on_its_own_thread_while_an_event_loop_drives_it(site: Site) -> None:
    """pytest-playwright's `page` is sync: its calls must run on the test's thread, while the agent's
    async code runs on an event loop in another thread."""

    def work() -> dict[str, Any]:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = _sync_chromium(playwright)
            context = chromium.new_context(viewport={"width": 640, "height": 480})
            page = context.new_page()
            page.goto(site.url("/form.html"))
            env = wrap_page(context)  # a context: its open page is used
            bridge = bridge_of(env)
            assert bridge is not None and bridge.on_owner_thread()
            loop_threads: list[int] = []

            async def drive() -> dict[str, Any]:
                loop_threads.append(threading.get_ident())
                observation = await env.observe()
                x, y = await env.page.evaluate(CENTRE, "#name")
                await env.execute(Click(x=x, y=y))
                await env.execute(Type(text="Ada"))
                ax, ay = await env.page.evaluate(CENTRE, "#ask")
                result = await env.execute(Click(x=ax, y=ay))
                await env.close()
                return {"size": observation.screenshot.size, "note": result.note}

            with concurrent.futures.ThreadPoolExecutor(1) as loop_thread:
                future = loop_thread.submit(asyncio.run, drive())
                bridge.serve_until(future, timeout=60)
                outcome = future.result(timeout=0)
            outcome["typed"] = page.input_value("#name")
            outcome["answer"] = page.evaluate("window.answer")
            outcome["still_open"] = not page.is_closed() and context.pages == [page]
            outcome["other_thread"] = loop_threads[0] != threading.get_ident()
            chromium.close()
            return outcome

    outcome = _in_own_thread(work)
    assert outcome["size"] == (640, 480) and outcome["typed"] == "Ada" and outcome["answer"] is True
    assert "a confirm dialog said 'Delete everything?'; it was accepted" in outcome["note"]
    assert outcome["still_open"] and outcome["other_thread"]


def test_a_sync_context_with_no_page_gets_one_that_close_closes(site: Site) -> None:
    def work() -> tuple[int, int]:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = _sync_chromium(playwright)
            context = chromium.new_context()
            env = wrap_page(context)
            opened = len(context.pages)
            bridge = bridge_of(env)
            assert bridge is not None
            with concurrent.futures.ThreadPoolExecutor(1) as loop_thread:
                future = loop_thread.submit(asyncio.run, env.close())
                bridge.serve_until(future, timeout=30)
                future.result(timeout=0)
            left = len(context.pages)
            chromium.close()
            return opened, left

    assert _in_own_thread(work) == (1, 0)


def test_a_sync_objects_facade_is_one_while_held_and_freed_after(site: Site) -> None:
    """Every request a sync page makes passes through a facade; the bridge keeps one facade per object
    (identity comparisons hold) but must not keep them all for the life of the page."""

    def work() -> tuple[bool, int]:
        import gc
        import weakref

        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = _sync_chromium(playwright)
            page = chromium.new_page()
            page.goto(site.url("/form.html"))
            bridge = bridge_of(wrap_page(page))
            assert bridge is not None
            locator = page.locator("#name")
            same = bridge.wrap(locator) is bridge.wrap(locator)
            freed = [weakref.ref(bridge.wrap(page.locator(f"#n{i}"))) for i in range(50)]
            gc.collect()
            chromium.close()
            return same, sum(ref() is not None for ref in freed)

    same, alive = _in_own_thread(work)
    assert same
    assert alive == 0
