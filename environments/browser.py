"""The browser adapter: Playwright Chromium, screenshots in physical pixels, actions in CSS pixels.

What the agent must not lose track of is handled here: a page that opens a new tab (the adapter
follows the newest tab and says so), dialogs (accepted or dismissed by policy, and reported), file
choosers (filled from a configured upload list), requests to domains outside the allow-list (refused
and reported), navigations that never finish, and pages that close or crash.

The allow-list has two layers. Request interception (`route`) aborts a page's own requests with a
clear error. The allow-list proxy (browser_proxy) is the boundary: every connection of the context
(of the whole browser, when `launch()` started it) goes through it, so redirect hops, workers,
prefetches and keepalive requests are refused too; `launch()` also keeps WebRTC off UDP.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
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
    Target,
    check_on_screen,
    pointer_after,
)
from anyres_agent.environments.browser_allowlist import DomainAllowList
from anyres_agent.environments.browser_element import element_at
from anyres_agent.environments.browser_focus import focused_text
from anyres_agent.environments.browser_keys import playwright_key
from anyres_agent.environments.browser_launch import WEBRTC_POLICY_ARG, BrowserChoice, start_browser
from anyres_agent.environments.browser_page import ThreadBridge, run_now
from anyres_agent.environments.browser_proxy import AllowListProxy
from anyres_agent.environments.browser_settle import INIT_SCRIPT, ActionWatch
from anyres_agent.environments.browser_target import focused_target, target_at
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
        Request,
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
log = logging.getLogger(__name__)


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
        proxy: AllowListProxy | None = None,
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
        self.proxy = proxy
        self._browser_proxy: AllowListProxy | None = None
        self.boundary = "none (every host is allowed)"
        """What holds the allow-list here, in words (set by `from_browser`; see docs/security.md)."""
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
        self._signals = False  # INIT_SCRIPT installed in the context (see _ensure_signals)
        self._cursor: tuple[int, int] | None = None
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
        extra_args: Sequence[str] = (),
        **options: Any,
    ) -> BrowserEnvironment:
        """Start Playwright and a browser (or attach over CDP), open a context and go to `url`.

        With `allowed_domains` the browser is started with the allow-list proxy for all of its
        connections and with WebRTC kept off UDP: the strongest boundary this adapter offers.
        """
        from playwright.async_api import async_playwright

        allow = DomainAllowList(allowed_domains)
        # browser-wide: whatever does not belong to the agent's context (Chromium's own checks) is
        # held to the allow-list too, quietly; the context gets its own proxy, which reports
        quiet = AllowListProxy(allow, report=False) if allow.active and cdp_url is None else None
        playwright = await async_playwright().start()
        try:
            browser, choice = await start_browser(
                playwright, headless=headless, executable_path=executable_path, cdp_url=cdp_url,
                timeout_s=timeout_s, proxy=quiet.start() if quiet is not None else None,
                extra_args=extra_args,
            )  # fmt: skip
            env = await cls.from_browser(
                browser, url, viewport=viewport, dpr=dpr, allowed_domains=allowed_domains,
                timeout_s=timeout_s, reuse_context=cdp_url is not None, browser_proxy=quiet, **options,
            )  # fmt: skip
        except BaseException:
            if quiet is not None:
                quiet.close()
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
        browser_proxy: AllowListProxy | None = None,
        **options: Any,
    ) -> BrowserEnvironment:
        """A new context (or, over CDP, the browser's existing one if it has one) in a browser someone
        else owns.

        With `allowed_domains`, a new context gets its own allow-list proxy, which every connection
        of the context goes through. An existing CDP context cannot be given one: there only request
        interception holds the allow-list, which redirects and workers get around (`boundary` says so).
        `browser_proxy` is the browser-wide proxy `launch()` started; the environment closes it.
        """
        allow = DomainAllowList(allowed_domains)
        reuse = reuse_context and bool(browser.contexts)  # none to reuse: a new context, with a proxy
        proxy = AllowListProxy(allow) if allow.active and not reuse else None
        if proxy is not None:
            proxy.start()
        try:
            if reuse:
                context = browser.contexts[0]
                page = context.pages[-1] if context.pages else await context.new_page()
                await page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
            else:
                context = await browser.new_context(
                    viewport={"width": viewport[0], "height": viewport[1]}, device_scale_factor=dpr,
                    service_workers="block" if allow.active else "allow",
                    proxy={"server": proxy.url, "bypass": "<-loopback>"} if proxy is not None else None,
                )  # fmt: skip
                page = await context.new_page()
        except BaseException:
            if proxy is not None:
                proxy.close()
            raise
        env = cls(context, page, allowed_domains=allowed_domains, home_url=url, proxy=proxy, **options)
        env._browser_proxy = browser_proxy
        try:
            await env._ensure_signals()  # before the first navigation: its document is watched too
            if allow.active:
                env.boundary = await _describe_boundary(browser, proxy, locked=browser_proxy is not None)
                await context.route(lambda u: allow.blocked_host(u) is not None, env._block)
                await context.route_web_socket(lambda u: allow.blocked_host(u) is not None, env._block_socket)
                env._listen(context, "request", env._on_request)
            if url is not None:
                await env._navigate(url)
        except BaseException:
            if not reuse_context:
                await context.close()
            if proxy is not None:
                proxy.close()
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
        for proxy in (self.proxy, self._browser_proxy):
            if proxy is not None:
                await asyncio.to_thread(proxy.close)
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

    async def _ensure_signals(self) -> None:
        """Once: every new document of the context, and the current tab's document now, reports what
        an action started (browser_settle.INIT_SCRIPT), whichever way the environment was built."""
        if self._signals:
            return
        self._signals = True
        with contextlib.suppress(Exception):  # best effort: without it the listeners still see navigations
            await self.context.add_init_script(INIT_SCRIPT)
            await self._page.evaluate(INIT_SCRIPT)  # the tab's current document

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
        if watch is not None:  # closed by execute()
            await watch.settle(timeout_s=self.timeout_s, network_idle_s=self.network_idle_s, new_page_s=2.0)
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
        self._listeners = [entry for entry in self._listeners if entry[0] is not page]
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

    def _on_request(self, request: Request) -> None:
        """A redirect hop to a blocked host: the proxy refuses it; say where the redirect came from."""
        previous = request.redirected_from
        host = self.allow_list.blocked_host(request.url) if previous is not None else None
        if previous is not None and host is not None:
            note = f"a redirect from {previous.url} to {host} was blocked ({self.allow_list.message(host)})"
            if note not in self._events:
                self._events.append(note)

    def _note_refusals(self) -> None:
        """Move the proxy's refusals (gathered on its thread) into the events the model is told."""
        while self.proxy is not None and not self.proxy.refusals.empty():
            note = self.allow_list.message(self.proxy.refusals.get_nowait())
            if not any(note in event for event in self._events):  # a redirect's note may hold it already
                self._events.append(note)

    async def _block_socket(self, socket: WebSocketRoute) -> None:
        note = self.allow_list.message(self.allow_list.blocked_host(socket.url) or socket.url)
        if note not in self._events:
            self._events.append(note)
        await socket.close()  # never connected to the server: the page sees a closed socket

    def _take_events(self) -> str:
        self._note_refusals()
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
        events = self._take_events()
        if events:
            text += f"\nevents: {events}"
        return Observation(
            screenshot=Screenshot.from_png(png), screen=screen, url=page.url, text=text, cursor=self._cursor
        )

    async def focused_target(self) -> Target | None:
        """The element with the keyboard focus (its kind, words and frame URL), for the risk guard and
        the secrets' host check; None when nothing has focus or the page cannot say."""
        if self._dead is not None or self._page.is_closed():
            return None
        return await focused_target(self._page, timeout_s=min(self.timeout_s, 5.0))

    async def target_at(self, x: int, y: int) -> Target | None:
        """The element under (x, y) in screen space, in whichever frame it lies; None when unknown."""
        if self._dead is not None or self._page.is_closed():
            return None
        return await target_at(self._page, x, y, timeout_s=min(self.timeout_s, 5.0))

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
        screen = await _screen(page) if action.positional else None
        if screen is not None:
            check_on_screen(action, screen)
        if action.type in SETTLED:
            await self._ensure_signals()
        watch = ActionWatch(page, self.context) if action.type in SETTLED else None
        try:
            try:
                await self._run(page, action)
            except EnvironmentError_:
                raise
            except Exception as error:
                if not await self._closed_its_own_tab(page, error):
                    raise self._translate(error, action.describe()) from None
            if screen is not None:
                self._cursor = pointer_after(action, screen) or self._cursor
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


async def _command_line(browser: Browser) -> str:
    """How the browser was started, as chrome://version shows it ('' when it will not say)."""
    context = None
    try:
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto("chrome://version", timeout=5000)
        return await page.inner_text("#command_line", timeout=5000)
    except Exception:  # a browser without that page: unknown
        return ""
    finally:
        if context is not None:
            with contextlib.suppress(Exception):
                await context.close()


async def _describe_boundary(browser: Browser, proxy: AllowListProxy | None, *, locked: bool) -> str:
    """What enforces the allow-list in this context, in words; a warning when a channel stays open."""
    if proxy is None:
        text = "request interception only (an existing context cannot be given a proxy)"
        log.warning("allow-list: %s; redirects and workers can reach other hosts", text)
        return text
    if locked or WEBRTC_POLICY_ARG in (await _command_line(browser)).split():
        return "allow-list proxy for every HTTP(S)/WebSocket connection; WebRTC kept off UDP"
    text = "allow-list proxy for every HTTP(S)/WebSocket connection; WebRTC UDP is open"
    log.warning(
        "allow-list: %s (start the browser with launch_args(locked=True), or use BrowserEnvironment.launch)",
        text,
    )
    return text


async def _screen(page: Page) -> Size:
    """Screen space: the viewport in CSS pixels; a browser attached over CDP may have none set, so ask
    the page (one round trip, only then)."""
    viewport = page.viewport_size
    if viewport:
        return Size(width=viewport["width"], height=viewport["height"])
    return Size(**await page.evaluate("({width: innerWidth, height: innerHeight})"))
