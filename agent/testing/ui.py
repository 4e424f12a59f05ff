"""`UI`: the synchronous test API, for plain `def test_...` functions.

Playwright's async objects belong to the event loop that created them, and test code is synchronous.
So a `LoopThread` runs one asyncio loop in a daemon thread; the environment is created there and every
call is submitted to it and waited for. Exceptions (an AssertionError from `assert_that`) come back
unchanged, with the UI's own frames hidden from pytest's traceback.

    ui = UI.browser("http://localhost:8000/login.html", model="ui-tars-1.5-7b",
                    endpoint="http://gpu:8000/v1", cache="tests/locate-cache.yaml")
    ui.type("ada", into="the user name field")
    ui.tap("the Login button")
    ui.assert_that("the banner says Hello Ada")
"""

from __future__ import annotations

import asyncio
import builtins
import concurrent.futures
import os
import threading
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

from PIL import Image

from anyres_agent.agent.testing.locate import ModelSetup, Target
from anyres_agent.agent.testing.locate_cache import LocateCache
from anyres_agent.agent.testing.record import StepSummary
from anyres_agent.agent.testing.session import AsyncUI
from anyres_agent.environments.base import Environment
from anyres_agent.environments.browser_page import ThreadBridge, bridge_of, is_sync_playwright, wrap_page
from anyres_agent.model.backends.base import Backend

T = TypeVar("T")
DEFAULT_TIMEOUT_S = 600.0


class LoopThread:
    """One asyncio event loop in a daemon thread; `run(coro)` blocks the caller until it is done."""

    def __init__(self, name: str = "agent-ui-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(
        self,
        coroutine: Coroutine[Any, Any, T],
        timeout: float | None = DEFAULT_TIMEOUT_S,
        *,
        serve: ThreadBridge | None = None,
    ) -> T:
        """Run `coroutine` on the loop and wait; with `serve`, run a sync page's calls meanwhile."""
        __tracebackhide__ = True
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise RuntimeError(
                "UI calls cannot be made from inside the UI's own event loop; use AsyncUI there"
            )
        if self.loop.is_closed():
            coroutine.close()
            raise RuntimeError("this UI is closed")
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        if serve is not None:
            serve.serve_until(future, timeout)
        try:
            return future.result(timeout if serve is None else 0)
        except AssertionError as error:  # a UI verdict: its message says it all, the loop's frames are noise
            raise error.with_traceback(None) from None
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"a UI step took longer than {timeout:g} s") from None

    def close(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self.loop.close()


def open_cache(cache: LocateCache | str | os.PathLike[str] | None) -> LocateCache | None:
    if cache is None or isinstance(cache, LocateCache):
        return cache
    return LocateCache(cache)


class UI:
    """Synchronous test steps; build one with `UI.browser(...)`, `UI.open(...)`, or a `BrowserHost`."""

    def __init__(
        self,
        session: AsyncUI,
        runner: LoopThread,
        *,
        on_close: Callable[[], Awaitable[None]] | None = None,
        owns_runner: bool = False,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.session = session
        self.runner = runner
        self.timeout = timeout
        self.bridge = bridge_of(session.env)  # a sync page's calls run on this (the caller's) thread
        self._on_close = on_close
        self._owns_runner = owns_runner
        self._closed = False

    # ---- construction ------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        make_env: Callable[[], Awaitable[Environment]],
        *,
        model: str | None = None,
        endpoint: str | None = None,
        family: str | None = None,
        backend: Backend | None = None,
        cache: LocateCache | str | os.PathLike[str] | None = None,
        record_dir: str | os.PathLike[str] | None = None,
        name: str = "ui test",
        setup: ModelSetup | None = None,
    ) -> UI:
        """A UI over any environment: `make_env` is awaited on the UI's own loop (where it must live).
        A ready `setup` replaces model/endpoint/family/backend."""
        runner = LoopThread()
        try:
            if setup is None:
                setup = ModelSetup.open(model=model, endpoint=endpoint, family=family, backend=backend)
            env = runner.run(_awaited(make_env))
        except BaseException:
            runner.close()
            raise
        session = AsyncUI(env, setup, cache=open_cache(cache), record_dir=record_dir, name=name)
        return cls(session, runner, on_close=env.close, owns_runner=True)

    @classmethod
    def from_page(cls, page: Any, **options: Any) -> UI:
        """A UI over your own sync Playwright `Page` or `BrowserContext` (pytest-playwright's `page`
        fixture, a `sync_playwright()` script), used from the thread that made it; it is never closed
        by the UI. Options as for `UI.open`. (An async page lives on your event loop: use
        `AsyncUI(page, setup)` there.)"""
        if not is_sync_playwright(page):
            raise TypeError(
                "UI.from_page takes a sync Playwright Page or BrowserContext; for an async one use "
                "AsyncUI(page, setup) on your own event loop"
            )
        env = wrap_page(page)  # here, on the page's own thread

        async def ready() -> Environment:
            return env

        return cls.open(ready, **options)

    @classmethod
    def browser(
        cls,
        url: str | None = None,
        *,
        viewport: tuple[int, int] = (1280, 720),
        dpr: float = 1.0,
        headless: bool = True,
        **options: Any,
    ) -> UI:
        """A UI over a new headless Chromium at `url`; options as for `UI.open` (model, cache, ...)."""

        async def make() -> Environment:
            from anyres_agent.environments.browser import BrowserEnvironment

            return await BrowserEnvironment.launch(url, viewport=viewport, dpr=dpr, headless=headless)

        return cls.open(make, **options)

    # ---- the test API (see AsyncUI for what each step does) ----------------------------------

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        __tracebackhide__ = True
        return self.runner.run(coroutine, self.timeout, serve=self.bridge)

    def locate(self, description: str) -> Target:
        __tracebackhide__ = True
        return self._run(self.session.locate(description))

    def tap(self, description: str) -> Target:
        __tracebackhide__ = True
        return self._run(self.session.tap(description))

    def double_tap(self, description: str) -> Target:
        __tracebackhide__ = True
        return self._run(self.session.double_tap(description))

    def long_press(self, description: str, duration: float = 1.0) -> Target:
        __tracebackhide__ = True
        return self._run(self.session.long_press(description, duration))

    def type(self, text: str, into: str | None = None, *, clear: bool = False) -> Target | None:
        __tracebackhide__ = True
        return self._run(self.session.type(text, into, clear=clear))

    def key(self, keys: str | Sequence[str]) -> None:
        __tracebackhide__ = True
        self._run(self.session.key(keys))

    def scroll(
        self, until: str | None = None, *, direction: str = "down", distance: int = 400, max_scrolls: int = 10
    ) -> Target | None:
        __tracebackhide__ = True
        return self._run(
            self.session.scroll(until, direction=direction, distance=distance, max_scrolls=max_scrolls)
        )

    def drag(self, source: str, target: str) -> tuple[Target, Target]:
        __tracebackhide__ = True
        return self._run(self.session.drag(source, target))

    def goto(self, url: str) -> None:
        __tracebackhide__ = True
        self._run(self.session.goto(url))

    def assert_that(self, statement: str) -> str:
        __tracebackhide__ = True
        return self._run(self.session.assert_that(statement))

    def query(self, question: str, kind: Any = str) -> Any:
        __tracebackhide__ = True
        return self._run(self.session.query(question, kind))

    def wait_until(self, statement: str, timeout: float = 10.0, interval: float = 0.5) -> str:
        __tracebackhide__ = True
        return self._run(self.session.wait_until(statement, timeout, interval))

    def screenshot(self) -> Image.Image:
        """The screen as it is now (image space), e.g. to attach to a bug report."""
        return self._run(self.session.env.observe()).screenshot.image

    def call(self, function: Callable[[Environment], Awaitable[T]]) -> T:
        """Run `await function(env)` on the UI's loop: an escape hatch to the raw environment."""
        __tracebackhide__ = True
        return self._run(_awaited(lambda: function(self.session.env)))

    # ---- records and lifetime ----------------------------------------------------------------

    @property
    def steps(self) -> list[StepSummary]:
        return self.session.steps

    @property
    def record_dir(self) -> Path:
        return self.session.record_dir

    @property
    def env(self) -> Environment:
        return self.session.env

    def write_report(self, path: str | os.PathLike[str] | None = None) -> Path:
        """The HTML report of every step so far (with screenshots, boxes and model answers)."""
        return self.session.write_report(path)

    def close(self, *, failed: bool = False, reason: str = "") -> None:
        if self._closed:
            return
        self._closed = True
        self.session.finish(failed=failed, reason=reason)
        try:
            if self._on_close is not None:
                self.runner.run(_awaited(self._on_close), timeout=60, serve=self.bridge)
        finally:
            if self._owns_runner:
                self.runner.close()

    def __enter__(self) -> UI:
        return self

    def __exit__(
        self, kind: builtins.type[BaseException] | None, error: BaseException | None, tb: object
    ) -> None:
        self.close(failed=error is not None, reason=str(error) if error else "")


async def _awaited(function: Callable[[], Awaitable[T]]) -> T:
    return await function()


class BrowserHost:
    """One browser for many tests: each `ui()` gets a fresh context (cookies, storage) in it.

    Launching Chromium takes about a second; a test session pays it once.
    """

    def __init__(self, *, headless: bool = True, executable_path: str | None = None) -> None:
        self.runner = LoopThread("agent-ui-browser")
        self._headless = headless
        self._executable_path = executable_path
        self._playwright: Any = None
        self._browser: Any = None

    async def _ensure(self) -> Any:
        if self._browser is None:
            from playwright.async_api import async_playwright

            from anyres_agent.environments.browser_launch import start_browser

            self._playwright = await async_playwright().start()
            self._browser, _choice = await start_browser(
                self._playwright, headless=self._headless, executable_path=self._executable_path
            )
        return self._browser

    def ui(
        self,
        setup: ModelSetup,
        url: str | None = None,
        *,
        viewport: tuple[int, int] = (1280, 720),
        dpr: float = 1.0,
        cache: LocateCache | None = None,
        record_dir: str | os.PathLike[str] | None = None,
        name: str = "ui test",
    ) -> UI:
        async def make() -> Environment:
            from anyres_agent.environments.browser import BrowserEnvironment

            browser = await self._ensure()
            return await BrowserEnvironment.from_browser(browser, url, viewport=viewport, dpr=dpr)

        env = self.runner.run(make())
        session = AsyncUI(env, setup, cache=cache, record_dir=record_dir, name=name)
        return UI(session, self.runner, on_close=env.close)

    def close(self) -> None:
        async def stop() -> None:
            if self._browser is not None:
                await self._browser.close()
            if self._playwright is not None:
                await self._playwright.stop()

        try:
            self.runner.run(stop(), timeout=60)
        finally:
            self.runner.close()
