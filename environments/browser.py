"""The browser adapter: Playwright Chromium, screenshots in physical pixels, actions in CSS pixels.

What the agent must not lose track of is handled here: a page that opens a new tab (the adapter
follows the newest tab and says so), dialogs (accepted or dismissed by policy, and reported), file
choosers (filled from a configured upload list), requests to domains outside the allow-list (aborted
and reported), navigations that never finish, and pages that close or crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from anyres_agent.environments.base import (
    ActionRejectedError,
    DeviceUnavailableError,
    EnvironmentError_,
    ExecutionResult,
    Observation,
    Size,
    check_on_screen,
)
from anyres_agent.environments.browser_allowlist import DomainAllowList
from anyres_agent.environments.browser_element import element_at
from anyres_agent.environments.browser_focus import focused_input_type, focused_text
from anyres_agent.environments.browser_keys import playwright_key
from anyres_agent.environments.browser_launch import BrowserChoice, start_browser
from anyres_agent.environments.browser_page import ThreadBridge, run_now
from anyres_agent.environments.browser_settle import INIT_SCRIPT, ActionWatch
from anyres_agent.environments.screenshot import Screenshot
from anyres_agent.tools import Action

if TYPE_CHECKING:
    from playwright.async_api import (
        Browser,
        BrowserContext,
        Dialog,
        FileChooser,
        Page,
        Playwright,
        Route,
        WebSocketRoute,
    )

SUPPORTED = frozenset({"click", "move", "drag", "scroll", "type", "key", "long_press", "navigate", "back",
                       "home", "wait"})  # fmt: skip
SETTLED = frozenset({"click", "key", "type", "long_press", "drag"})  # what can set a page going
DialogPolicy = Literal["accept", "dismiss"]
DEFAULT_VIEWPORT = (1288, 728)
"""46x26 tiles of 28 px: a Qwen2-VL-family model sees this viewport as captured (no resample), so the
captured PNG goes to the model as it is. Other sizes work too; they cost a pad or a resample a step."""


def _upload_list(uploads: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None) -> list[Path]:
    if uploads is None:
        return []
    if isinstance(uploads, str | os.PathLike):
        path = Path(uploads)
        return sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    return [Path(p) for p in uploads]


class BrowserEnvironment:
    """One browser context the agent drives; `launch()` owns the browser, `from_browser()` borrows one."""

    name = "browser"

    def __init__(
        self,
        context: BrowserContext,
        page: Page,
        *,
        allowed_domains: Sequence[str] | None = None,
        timeout_s: float = 30.0,
        dialog_policy: DialogPolicy = "accept",
        uploads: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
        home_url: str | None = None,
        settle_s: float = 0.0,
        network_idle_s: float = 0.5,
        owns_context: bool = True,
        opened_page: Page | None = None,
        bridge: ThreadBridge | None = None,
    ) -> None:
        """`owns_context=False` for a context someone else opened (see browser_page.wrap_page): then
        `close()` closes only `opened_page`, a tab this adapter opened in it, and removes its
        listeners. `bridge` carries the calls of a sync-API page to its own thread."""
        self.context = context
        self.owns_context = owns_context
        self.bridge = bridge
        self._opened_page = opened_page
        self._listeners: list[tuple[Any, str, Callable[..., Any]]] = []
        self.allow_list = DomainAllowList(allowed_domains)
        self.timeout_s = timeout_s
        self.dialog_policy: DialogPolicy = dialog_policy
        self.uploads = _upload_list(uploads)
        self.home_url = home_url
        self.settle_s = settle_s
        self.network_idle_s = network_idle_s
        self.last_settle: list[str] = []  # what the last input action was waited for (tests, benchmarks)
        self._page = page
        self._events: list[str] = []
        self._dead: str | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self._owned: tuple[Playwright | None, Browser | None] = (None, None)
        self.browser_choice: BrowserChoice | None = None
        self._watch(page)
        self._listen(context, "page", self._on_new_page)
        if context.browser is not None:
            self._listen(
                context.browser,
                "disconnected",
                lambda _: self._mark_dead("the browser disconnected (closed or crashed)"),
            )

    # ---- construction -------------------------------------------------------------------------

    @classmethod
    async def launch(
        cls,
        url: str | None = None,
        *,
        viewport: tuple[int, int] = DEFAULT_VIEWPORT,
        dpr: float = 1.0,
        headless: bool = True,
        executable_path: str | os.PathLike[str] | None = None,
        cdp_url: str | None = None,
        allowed_domains: Sequence[str] | None = None,
        timeout_s: float = 30.0,
        **options: Any,
    ) -> BrowserEnvironment:
        """Start Playwright and a browser (or attach over CDP), open a context and go to `url`."""
        from playwright.async_api import async_playwright

        playwright = await async_playwright().start()
        try:
            browser, choice = await start_browser(
                playwright, headless=headless, executable_path=executable_path, cdp_url=cdp_url,
                timeout_s=timeout_s,
            )  # fmt: skip
            env = await cls.from_browser(
                browser, url, viewport=viewport, dpr=dpr, allowed_domains=allowed_domains,
                timeout_s=timeout_s, reuse_context=cdp_url is not None, **options,
            )  # fmt: skip
        except BaseException:
            await playwright.stop()
            raise
        env._owned = (playwright, browser)
        env.browser_choice = choice
        return env

    @classmethod
    async def from_browser(
        cls,
        browser: Browser,
        url: str | None = None,
        *,
        viewport: tuple[int, int] = DEFAULT_VIEWPORT,
        dpr: float = 1.0,
        allowed_domains: Sequence[str] | None = None,
        reuse_context: bool = False,
        **options: Any,
    ) -> BrowserEnvironment:
        """A new context (or, over CDP, the browser's existing one) in a browser someone else owns."""
        allow = DomainAllowList(allowed_domains)
        if reuse_context and browser.contexts:
            context = browser.contexts[0]
            page = context.pages[-1] if context.pages else await context.new_page()
            await page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
        else:
            context = await browser.new_context(
                viewport={"width": viewport[0], "height": viewport[1]}, device_scale_factor=dpr,
                service_workers="block" if allow.active else "allow",
            )  # fmt: skip
            page = await context.new_page()
        env = cls(context, page, allowed_domains=allowed_domains, home_url=url, **options)
        try:
            await context.add_init_script(INIT_SCRIPT)  # every new document reports what an action started
            if reuse_context:
                with contextlib.suppress(Exception):  # the tab's current document: best effort
                    await page.evaluate(INIT_SCRIPT)
            if allow.active:
                await context.route(lambda u: allow.blocked_host(u) is not None, env._block)
                await context.route_web_socket(lambda u: allow.blocked_host(u) is not None, env._block_socket)
            if url is not None:
                await env._navigate(url)
        except BaseException:
            if not reuse_context:
                await context.close()
            raise
        env._events.clear()
        return env

    async def __aenter__(self) -> BrowserEnvironment:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the context; stop the browser and Playwright only when this adapter started them.
        A borrowed context stays open: only the listeners and a tab this adapter opened go."""
        playwright, browser = self._owned
        with contextlib.suppress(Exception):  # already gone: closing must not fail
            if browser is not None:
                await browser.close()
            elif self.owns_context:
                await self.context.close()
            else:
                for target, event, handler in self._listeners:
                    target.remove_listener(event, handler)
                if self._opened_page is not None:
                    await self._opened_page.close()
        self._listeners.clear()
        if playwright is not None:
            await playwright.stop()
        self._owned = (None, None)
        self._dead = self._dead or "the browser environment was closed"

    # ---- events -------------------------------------------------------------------------------

    @property
    def page(self) -> Page:
        """The tab the agent sees and acts on (the newest one opened)."""
        return self._page

    def _listen(self, target: Any, event: str, handler: Callable[..., Any]) -> None:
        """Subscribe, and remember it so that a borrowed page is left without our listeners."""
        target.on(event, handler)
        self._listeners.append((target, event, handler))

    def _watch(self, page: Page) -> None:
        self._listen(page, "dialog", lambda dialog: self._track(self._on_dialog(dialog)))
        self._listen(page, "filechooser", lambda chooser: self._track(self._on_file_chooser(chooser)))
        self._listen(page, "close", self._on_close)
        self._listen(page, "crash", self._on_crash)

    def _track(self, work: Coroutine[Any, Any, None]) -> None:
        """Run an event handler as a task that execute() waits for, so its note lands in the result.
        A sync page delivers its events on its own thread, where the handler runs to its end at once."""
        if self.bridge is not None and self.bridge.on_owner_thread():
            run_now(work)
            return
        task = asyncio.get_running_loop().create_task(work)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _settle(self, watch: ActionWatch | None) -> None:
        """Wait for what the action set going (browser_settle), then for the dialog and file chooser
        handlers, so that their notes land in this action's result."""
        if watch is not None:
            try:
                await watch.settle(
                    timeout_s=self.timeout_s, network_idle_s=self.network_idle_s, new_page_s=2.0
                )
            finally:
                watch.close()
            self.last_settle = watch.waited
        if self.settle_s:
            await asyncio.sleep(self.settle_s)  # an extra fixed pause, for pages that need one
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=self.timeout_s)

    def _on_new_page(self, page: Page) -> None:
        if page is self._page:
            return
        self._watch(page)
        self._page = page
        tabs = len(self.context.pages)
        self._events.append(f"a new tab opened ({page.url}); now acting in it (tab {tabs} of {tabs})")

    def _on_close(self, page: Page) -> None:
        if page is not self._page:
            return
        others = [p for p in self.context.pages if p is not page and not p.is_closed()]
        if others:
            self._page = others[-1]
            self._events.append(f"the tab closed; back to the tab at {self._page.url}")
        else:
            self._dead = "the browser page was closed (no tab is left)"

    def _on_crash(self, page: Page) -> None:
        if page is self._page:
            self._mark_dead(f"the browser page at {page.url} crashed")

    def _mark_dead(self, reason: str) -> None:
        self._dead = self._dead or reason

    async def _on_dialog(self, dialog: Dialog) -> None:
        text = f"a {dialog.type} dialog said {dialog.message!r}"
        if self.dialog_policy == "accept":
            await dialog.accept()
            self._events.append(f"{text}; it was accepted")
        else:
            await dialog.dismiss()
            self._events.append(f"{text}; it was dismissed")

    async def _on_file_chooser(self, chooser: FileChooser) -> None:
        files = self.uploads if chooser.is_multiple() else self.uploads[:1]
        if not files:
            self._events.append(
                "a file chooser opened, but no upload files are configured; nothing was chosen"
            )
            return
        await chooser.set_files(files)
        self._events.append(f"a file chooser opened; uploaded {', '.join(p.name for p in files)}")

    async def _block(self, route: Route) -> None:
        host = self.allow_list.blocked_host(route.request.url) or route.request.url
        note = self.allow_list.message(host)
        if note not in self._events:
            self._events.append(note)
        await route.abort("blockedbyclient")

    async def _block_socket(self, socket: WebSocketRoute) -> None:
        note = self.allow_list.message(self.allow_list.blocked_host(socket.url) or socket.url)
        if note not in self._events:
            self._events.append(note)
        await socket.close()  # never connected to the server: the page sees a closed socket

    def _take_events(self) -> str:
        note = "; ".join(self._events)
        self._events.clear()
        return note

    def _check_alive(self) -> Page:
        if self._dead is None and self._page.is_closed():
            self._dead = "the browser page was closed"
        if self._dead is not None:
            raise DeviceUnavailableError(
                f"{self._dead}; restart the browser environment", restart_required=True
            )
        return self._page

    async def _closed_its_own_tab(self, page: Page, error: Exception) -> bool:
        """An action whose tab closed under it (a button running window.close()) did what it was
        asked; the adapter has moved to the tab left, unless no tab is left."""
        if "closed" not in str(error):
            return False
        for _ in range(50):  # the page's close event may come just after the error
            if page.is_closed():
                break
            await asyncio.sleep(0.01)
        return (
            page.is_closed() and self._dead is None and self._page is not page and not self._page.is_closed()
        )

    def _translate(self, error: Exception, doing: str) -> EnvironmentError_:
        message = str(getattr(error, "message", error)).splitlines()[0]
        if self._dead is not None or self._page.is_closed() or "has been closed" in message:
            self._dead = self._dead or f"the browser page closed while {doing}"
            return DeviceUnavailableError(
                f"{self._dead}; restart the browser environment", restart_required=True
            )
        return ActionRejectedError(f"{doing} failed: {message}")

    # ---- the protocol -------------------------------------------------------------------------

    def supported_actions(self) -> frozenset[str]:
        return SUPPORTED

    async def observe(self) -> Observation:
        if self._pending:  # a dialog or file chooser still being handled: report it with this screen
            await asyncio.wait(set(self._pending), timeout=self.timeout_s)
        page = self._check_alive()
        try:
            png = await page.screenshot(timeout=self.timeout_s * 1000)
        except Exception as error:
            if "Unable to capture screenshot" not in str(error):
                raise self._translate(error, "taking a screenshot") from None
            # between two documents (a click that navigates) there is no frame yet: wait for the new one
            try:
                await page.wait_for_load_state("load", timeout=self.timeout_s * 1000)
                png = await page.screenshot(timeout=self.timeout_s * 1000)
            except Exception as retry_error:
                raise self._translate(retry_error, "taking a screenshot") from None
        screen = await _screen(page)
        pages = [p for p in self.context.pages if not p.is_closed()]
        tabs = "; ".join(f"{i + 1}: {p.url}{' (current)' if p is page else ''}" for i, p in enumerate(pages))
        text = f"tabs: {tabs}"
        if self._events:
            text += f"\nevents: {self._take_events()}"
        return Observation(screenshot=Screenshot.from_png(png), screen=screen, url=page.url, text=text)

    async def focused_input_type(self) -> str | None:
        """The focused field's kind ("password", "text", "textarea"...) for the loop's risk guard;
        None when no text field has focus or the page cannot say."""
        if self._dead is not None or self._page.is_closed():
            return None
        return await focused_input_type(self._page, timeout_s=min(self.timeout_s, 5.0))

    async def element_at(self, x: float, y: float) -> str | None:
        """A short description of the element at a point (see browser_element), for the locate cache."""
        return await element_at(self._check_alive(), x, y, timeout_s=min(self.timeout_s, 5.0))

    async def focused_text(self) -> str | None:
        """The focused text field's text, or None when no text field has the focus (typing checks)."""
        return await focused_text(self._check_alive(), timeout_s=min(self.timeout_s, 5.0))

    async def execute(self, action: Action) -> ExecutionResult:
        page = self._check_alive()
        if action.type not in SUPPORTED:
            raise ActionRejectedError(
                f"the browser cannot {action.type}; it supports {', '.join(sorted(SUPPORTED))}"
            )
        if action.positional:
            check_on_screen(action, await _screen(page))
        watch = ActionWatch(page, self.context) if action.type in SETTLED else None
        try:
            try:
                await self._run(page, action)
            except EnvironmentError_:
                raise
            except Exception as error:
                if not await self._closed_its_own_tab(page, error):
                    raise self._translate(error, action.describe()) from None
            await self._settle(watch)
        finally:
            if watch is not None:
                watch.close()
        self._check_alive()
        return ExecutionResult(ok=True, note=self._take_events())

    async def _run(self, page: Page, action: Action) -> None:
        mouse = page.mouse
        match action.type:
            case "click":
                await mouse.click(action.x, action.y, button=action.button, click_count=action.count)
            case "move":
                await mouse.move(action.x, action.y)
            case "drag":
                await mouse.move(action.x, action.y)
                await mouse.down()
                await mouse.move(action.to_x, action.to_y, steps=10)
                await mouse.up()
            case "long_press":
                await mouse.move(action.x, action.y)
                await mouse.down()
                await asyncio.sleep(action.duration)
                await mouse.up()
            case "scroll":
                x, y = action.x, action.y
                if x is None or y is None:  # at the centre unless told where
                    screen = await _screen(page)
                    x = screen.width // 2 if x is None else x
                    y = screen.height // 2 if y is None else y
                await mouse.move(x, y)
                await mouse.wheel(action.dx, action.dy)
            case "type":
                await page.keyboard.type(action.text)
            case "key":
                names = [playwright_key(k) for k in action.keys]
                for name in names[:-1]:
                    await page.keyboard.down(name)
                await page.keyboard.press(names[-1])
                for name in reversed(names[:-1]):
                    await page.keyboard.up(name)
            case "navigate":
                await self._navigate(action.url)
            case "back":
                if await page.go_back(timeout=self.timeout_s * 1000) is None:
                    self._events.append("there is no earlier page in this tab's history")
            case "home":
                if self.home_url is None:
                    raise ActionRejectedError("this browser environment has no start page to go home to")
                await self._navigate(self.home_url)
            case "wait":
                await asyncio.sleep(action.seconds)

    async def _navigate(self, url: str) -> None:
        """Go to a URL, refusing blocked domains before any request and naming the URL on a timeout."""
        from playwright.async_api import TimeoutError as PlaywrightTimeoutError

        host = self.allow_list.blocked_host(url)
        if host is not None:
            raise ActionRejectedError(f"navigation refused: {self.allow_list.message(host)}")
        page = self._check_alive()
        try:
            await page.goto(url, timeout=self.timeout_s * 1000, wait_until="load")
        except PlaywrightTimeoutError:
            raise ActionRejectedError(
                f"navigation to {url} did not finish within {self.timeout_s:g} s; the page may be partly "
                "loaded: look at the screen, wait, or navigate elsewhere"
            ) from None
        except Exception as error:
            raise self._translate(error, f"navigation to {url}") from None


async def _screen(page: Page) -> Size:
    """Screen space: the viewport in CSS pixels; a browser attached over CDP may have none set, so ask
    the page (one round trip, only then)."""
    viewport = page.viewport_size
    if viewport:
        return Size(width=viewport["width"], height=viewport["height"])
    return Size(**await page.evaluate("({width: innerWidth, height: innerHeight})"))
