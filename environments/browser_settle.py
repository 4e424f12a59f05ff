"""Waiting after an input action for what it set going, and only for that.

A fixed pause after every click costs its full length on every step and still misses what takes
longer. Instead the adapter watches the action: before it runs, listeners note the requests it
starts and any page it opens; after it, one round trip to the page (behind a zero-delay timer, so
handlers the click queued, including `setTimeout(..., 0)` ones, have run) reads what the page itself
saw: a cross-document navigation (the Navigation API's `navigate` event), a request for a new
window, a file input clicked, and its own fetch/XHR calls still unanswered (an init script counts
these in every document). Then the adapter waits, each wait capped, for exactly what is pending:

| pending                          | waited for                                                   |
|----------------------------------|--------------------------------------------------------------|
| a navigation                     | the new document committed, then its `load` (navigation cap) |
| a new tab                        | the tab's `page` event                                       |
| a file chooser                   | its `filechooser` event, then its handler                    |
| a dialog                         | its handler (the page's script waits for it meanwhile)       |
| requests the action started      | all of them done, or `network_idle_s` (short cap)            |
| nothing                          | nothing: a click on a static page costs one round trip       |

The screenshot that follows composites a fresh frame itself, so no paint is awaited here.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.async_api import Frame, Page, Request

SIGNALS = "__anyresSettleSignals"

INIT_SCRIPT = f"""(() => {{
  if (window["{SIGNALS}"]) return;
  const signals = {{navigation: 0, window: 0, chooser: 0, pending: 0}};
  Object.defineProperty(window, "{SIGNALS}", {{value: signals, enumerable: false}});
  const fetch = window.fetch;
  if (fetch) window.fetch = function (...args) {{
    signals.pending++;
    const done = () => {{ signals.pending--; }};
    const answer = fetch.apply(this, args);
    answer.then(done, done);
    return answer;
  }};
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {{
    signals.pending++;
    this.addEventListener("loadend", () => {{ signals.pending--; }}, {{once: true}});
    return send.apply(this, args);
  }};
  if (window.navigation) window.navigation.addEventListener("navigate", (event) => {{
    if (!event.destination.sameDocument && !event.downloadRequest) signals.navigation++;
  }});
  const open = window.open;
  window.open = function (...args) {{ signals.window++; return open.apply(this, args); }};
  const elsewhere = (target) => !!target && !["_self", "_parent", "_top"].includes(target.toLowerCase());
  window.addEventListener("click", (event) => {{
    const target = event.target instanceof Element ? event.target : null;
    if (!target || event.defaultPrevented) return;
    const link = target.closest("a[href], area[href]");
    if (link && elsewhere(link.target)) signals.window++;
    if (target.matches("input[type=file]:not([disabled])")) signals.chooser++;
  }});
  window.addEventListener("submit", (event) => {{
    const form = event.target;
    if (!event.defaultPrevented && elsewhere(event.submitter?.formTarget || form.target)) signals.window++;
  }});
}})();"""
"""Runs in every document before the page's own scripts: counts what an action asked the browser
to do that arrives at the adapter only later (a navigation, a new window)."""

READ_SIGNALS = f"""async () => {{
  await new Promise((resolve) => setTimeout(resolve, 0));
  const signals = window["{SIGNALS}"];
  if (!signals) return null;
  const seen = {{...signals}};
  signals.navigation = 0;
  signals.window = 0;
  signals.chooser = 0;
  return seen;
}}"""
"""After a zero-delay timer (handlers the action queued have run): what the page saw since last time."""

WAIT_REQUESTS = f"""async (capMs) => {{
  const signals = window["{SIGNALS}"];
  const tick = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const end = performance.now() + capMs;
  while (signals && signals.pending > 0 && performance.now() < end) await tick(5);
  for (let i = 0; i < 3; i++) await tick(0);
  return signals ? signals.pending : 0;
}}"""
"""Until the page's own fetch/XHR calls are answered (or the cap), then a few zero-delay timers so the
code that handles the answers (reading the body, updating the page) has run before the screenshot."""

NAVIGATION_GRACE_S = 0.05
"""After a navigation's request ended without a new document (a 204, a download), how long to wait
for a commit before concluding that none is coming."""


class ActionWatch:
    """Listens to one page while one action runs and settles: requests, navigations, new pages."""

    def __init__(self, page: Page, context: Any) -> None:
        self.page, self.context = page, context
        self.in_flight: set[Request] = set()
        self.navigation_request: Request | None = None
        self.navigation_ended = asyncio.Event()
        self.committed = asyncio.Event()
        self.new_page = asyncio.Event()
        self.chooser = asyncio.Event()
        self.waited: list[str] = []
        self._subscriptions: list[tuple[Any, str, Any]] = [
            (page, "request", self._on_request),
            (page, "requestfinished", self._on_done),
            (page, "requestfailed", self._on_done),
            (page, "framenavigated", self._on_navigated),
            (page, "filechooser", self._on_chooser),
            (context, "page", self._on_page),
        ]
        for emitter, event, handler in self._subscriptions:
            emitter.on(event, handler)

    def close(self) -> None:
        for emitter, event, handler in self._subscriptions:
            with contextlib.suppress(Exception):
                emitter.remove_listener(event, handler)

    def _on_request(self, request: Request) -> None:
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self.navigation_request = request
        elif request.resource_type in ("document", "script", "stylesheet", "image", "font"):
            self.in_flight.add(request)

    def _on_done(self, request: Request) -> None:
        self.in_flight.discard(request)
        if request is self.navigation_request:
            self.navigation_ended.set()

    def _on_navigated(self, frame: Frame) -> None:
        if frame == self.page.main_frame:
            self.committed.set()

    def _on_page(self, page: Page) -> None:
        self.new_page.set()

    def _on_chooser(self, chooser: Any) -> None:
        self.chooser.set()

    async def settle(self, *, timeout_s: float, network_idle_s: float, new_page_s: float) -> None:
        """Wait for what the action left pending (see the module table); record what in `waited`."""
        signals = await self._read_signals(timeout_s)
        navigating = bool(signals.get("navigation")) or self.navigation_request is not None
        if navigating and not self.committed.is_set():
            await self._wait_commit(timeout_s)
        # framenavigated fires for same-document changes too (pushState, a hash): not a navigation here
        navigated = navigating and self.committed.is_set()
        if navigated:
            self.waited.append("navigation")
            with contextlib.suppress(Exception):  # a slow load is for observe() to report, not to fail on
                await self.page.wait_for_load_state("load", timeout=timeout_s * 1000)
        for signal, event, name in (
            ("window", self.new_page, "new tab"),
            ("chooser", self.chooser, "file chooser"),
        ):
            if signals.get(signal) and not event.is_set():
                self.waited.append(name)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), new_page_s)
        if network_idle_s > 0 and not navigated:
            await self._wait_requests(signals, timeout_s, network_idle_s)

    async def _wait_requests(self, signals: dict[str, int], timeout_s: float, cap_s: float) -> None:
        """The page's fetch/XHR calls (counted in the page, so none is missed), then the other requests
        the action started (images, scripts), all within one short cap."""
        deadline = time.perf_counter() + cap_s
        if signals.get("pending"):
            self.waited.append(f"{signals['pending']} request(s)")
            with contextlib.suppress(Exception):  # a navigation meanwhile ends the wait
                await asyncio.wait_for(self.page.evaluate(WAIT_REQUESTS, cap_s * 1000), timeout_s)
        if self._resources():
            self.waited.append(f"{len(self._resources())} resource(s)")
            while self._resources() and time.perf_counter() < deadline:
                await asyncio.sleep(0.01)

    def _resources(self) -> list[Request]:
        """Requests in flight other than the page's fetch/XHR calls (counted in the page instead)."""
        return [r for r in self.in_flight if r.resource_type not in ("fetch", "xhr")]

    async def _read_signals(self, timeout_s: float) -> dict[str, int]:
        try:
            signals = await asyncio.wait_for(self.page.evaluate(READ_SIGNALS), timeout_s)
        except Exception:  # the document went away mid-call (a navigation committed), or the page did
            return {} if self.page.is_closed() else {"navigation": 1}
        return signals or {}

    async def _wait_commit(self, timeout_s: float) -> None:
        """Until the new document commits, or its request ended and no document followed."""
        committed = asyncio.ensure_future(self.committed.wait())
        ended = asyncio.ensure_future(self.navigation_ended.wait())
        try:
            await asyncio.wait({committed, ended}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
            if self.navigation_ended.is_set() and not self.committed.is_set():
                await asyncio.wait({committed}, timeout=NAVIGATION_GRACE_S)
        finally:
            committed.cancel()
            ended.cancel()
