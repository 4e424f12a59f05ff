"""Bring your own Playwright: a `Page` or `BrowserContext` you opened, sync or async, as an environment.

An async page is used as it is. A sync page (pytest-playwright's `page` fixture, a script using
`sync_playwright()`) belongs to the thread that made it and cannot be called from an event loop, so
its calls are handed to that thread: the environment queues each call on a `ThreadBridge`, and the
owner thread runs them while it waits for the async work to finish (`ThreadBridge.serve_until`, which
the `UI` test API and `Agent.run_sync` do for you). Events of a sync page (a dialog, a new tab) are
delivered on its own thread, where they are handled at once.

What the adapter did not open it never closes: `close()` removes its listeners and closes only a tab
it opened itself (when it was given a context without one).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import inspect
import queue
import threading
import time
import weakref
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from anyres_agent.environments.base import DeviceUnavailableError

if TYPE_CHECKING:
    from anyres_agent.environments.browser import BrowserEnvironment

SYNC_METHODS = frozenset({"on", "once", "remove_listener", "is_closed", "is_multiple"})
"""Plain (not coroutine) methods of Playwright's async API, for a class the async API does not name."""


def is_playwright_object(obj: object) -> bool:
    return type(obj).__module__.startswith("playwright.")


def is_sync_playwright(obj: object) -> bool:
    """A Playwright sync-API object (its module is playwright.sync_api...)."""
    return type(obj).__module__.startswith("playwright.sync_api")


_Call = tuple[Callable[[], Any], asyncio.AbstractEventLoop, "asyncio.Future[Any]"]


class ThreadBridge:
    """Runs calls on the thread that owns a sync Playwright page, from an event loop elsewhere."""

    def __init__(self) -> None:
        self.owner = threading.get_ident()
        self._calls: queue.SimpleQueue[_Call] = queue.SimpleQueue()
        # one facade per object while anyone holds it (a facade holds its object, so the id stays
        # valid); weak, so the facades of every request a page ever made do not pile up
        self._wrapped: weakref.WeakValueDictionary[int, SyncFacade] = weakref.WeakValueDictionary()

    def on_owner_thread(self) -> bool:
        return threading.get_ident() == self.owner

    async def call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`function(*args, **kwargs)` on the owner thread (directly when already there)."""
        if self.on_owner_thread():
            return self.wrap(function(*args, **kwargs))
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._calls.put((lambda: function(*args, **kwargs), loop, future))
        return self.wrap(await future)

    def serve_until(self, done: concurrent.futures.Future[Any], timeout: float | None = None) -> None:
        """On the owner thread: run queued calls until `done` completes (or `timeout` seconds pass)."""
        if not self.on_owner_thread():
            raise RuntimeError("a sync Playwright page can only be served from the thread that created it")
        deadline = None if timeout is None else time.monotonic() + timeout
        while not done.done() and (deadline is None or time.monotonic() < deadline):
            try:
                call, loop, future = self._calls.get(timeout=0.005)
            except queue.Empty:
                continue
            try:
                result = call()
            except BaseException as error:  # handed back to the awaiting coroutine
                loop.call_soon_threadsafe(_settle, future, None, error)
            else:
                loop.call_soon_threadsafe(_settle, future, result, None)

    def wrap(self, value: Any) -> Any:
        """Playwright sync objects (and lists of them) as facades; everything else unchanged."""
        if isinstance(value, list):
            return [self.wrap(v) for v in value]
        if not is_sync_playwright(value):
            return value
        found = self._wrapped.get(id(value))
        if found is None or found._target is not value:
            found = SyncFacade(value, self)
            self._wrapped[id(value)] = found
        return found


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the awaiting side gave up (cancelled)
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class SyncFacade:
    """A sync Playwright object that looks like the async one: coroutine methods go through the
    bridge, attribute reads stay plain, and event handlers get facades. One facade per object, so
    `page is env.page` comparisons keep working."""

    def __init__(self, target: Any, bridge: ThreadBridge) -> None:
        self._target = target
        self._bridge = bridge
        self._handlers: dict[tuple[str, Callable[..., Any]], Callable[..., Any]] = {}

    def __repr__(self) -> str:
        return f"<sync {self._target!r}>"

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value) or is_sync_playwright(value):
            return self._bridge.wrap(value)
        if name in ("on", "once"):
            return lambda event, handler: self._listen(name, event, handler)
        if name == "remove_listener":
            return self._unlisten
        bridge = self._bridge
        if not _awaited(type(self._target).__name__, name):
            return lambda *args, **kwargs: bridge.wrap(value(*args, **kwargs))  # page.locator(...) & co
        return lambda *args, **kwargs: bridge.call(value, *args, **kwargs)

    def _listen(self, how: str, event: str, handler: Callable[..., Any]) -> None:
        """Events arrive on the owner thread, inside Playwright's dispatcher. A handler subscribed
        there runs there, at once (a dialog must be answered before the page goes on); one subscribed
        by async code on its event loop (a settle watch) is run on that loop."""
        bridge = self._bridge
        if bridge.on_owner_thread():

            def deliver(*args: Any) -> Any:
                return handler(*(bridge.wrap(arg) for arg in args))

        else:
            loop = asyncio.get_running_loop()

            def deliver(*args: Any) -> Any:
                loop.call_soon_threadsafe(handler, *(bridge.wrap(arg) for arg in args))

        self._handlers[(event, handler)] = deliver
        getattr(self._target, how)(event, deliver)

    def _unlisten(self, event: str, handler: Callable[..., Any]) -> None:
        deliver = self._handlers.pop((event, handler), None)
        if deliver is not None:
            self._target.remove_listener(event, deliver)


@functools.cache
def _awaited(class_name: str, name: str) -> bool:
    """Whether Playwright's async API makes this method a coroutine (most are; `locator`, `is_closed`,
    `on`... are plain there too, and stay plain here)."""
    import playwright.async_api as async_api

    member = getattr(getattr(async_api, class_name, None), name, None)
    return name not in SYNC_METHODS if member is None else inspect.iscoroutinefunction(member)


def run_now(work: Coroutine[Any, Any, None]) -> None:
    """Run an event handler to its end right here, on a sync page's own thread: its awaits are calls
    on this thread, which complete at once (see ThreadBridge.call)."""
    try:
        work.send(None)
    except StopIteration:
        return
    work.close()
    raise RuntimeError("an event handler of a sync Playwright page waited on something; it must not")


def wrap_page(target: Any, **options: Any) -> BrowserEnvironment:
    """Your Playwright `Page` or `BrowserContext` (sync or async) as a `BrowserEnvironment` that never
    closes it. A context with no open tab gets one, which `close()` closes. Options are those of
    `BrowserEnvironment` (timeout_s, dialog_policy, uploads, settle_s, home_url). Call it on the
    thread that owns a sync page, or on the event loop of an async one."""
    from anyres_agent.environments.browser import BrowserEnvironment

    if not is_playwright_object(target) or type(target).__name__ not in ("Page", "BrowserContext"):
        raise TypeError(f"expected a Playwright Page or BrowserContext, got {type(target).__name__}")
    bridge = ThreadBridge() if is_sync_playwright(target) else None
    if bridge is None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "an async Playwright page belongs to its event loop: wrap it (or build the Agent on it) "
                "inside a coroutine running on that loop"
            ) from None
    facade = bridge.wrap(target) if bridge is not None else target
    opened = None
    if _is_context(target):
        pages = [p for p in facade.pages if not p.is_closed()]
        if pages:
            page = pages[-1]
        elif bridge is not None:
            page = opened = bridge.wrap(target.new_page())
        else:
            raise DeviceUnavailableError(
                "this async BrowserContext has no open page: open one (await context.new_page()) and pass it"
            )
        context = facade
    else:
        page, context = facade, facade.context
    return BrowserEnvironment(context, page, owns_context=False, opened_page=opened, bridge=bridge, **options)


def _is_context(target: Any) -> bool:
    return type(target).__name__ == "BrowserContext"


def as_environment(env: Any) -> Any:
    """An environment as is; a Playwright Page or BrowserContext wrapped (see `wrap_page`)."""
    return wrap_page(env) if is_playwright_object(env) else env


def bridge_of(env: Any) -> ThreadBridge | None:
    """The thread bridge of an environment built on a sync page, else None."""
    bridge = getattr(env, "bridge", None)
    return bridge if isinstance(bridge, ThreadBridge) else None
