"""Finding and starting a Chromium the way a user expects, so `--env browser` works out of the box.

Order: an explicit `executable_path`; Playwright's own Chromium when `playwright install` has put it
where Playwright looks; otherwise a system Chromium or Chrome (Debian's `/usr/bin/chromium` and
friends). Machines without internet cannot run `playwright install`, which is why the system browser
matters. A system browser gets flags that stop it phoning home on a closed network.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from anyres_agent.environments.base import DeviceUnavailableError

if TYPE_CHECKING:
    from playwright.async_api import Browser, Playwright

SYSTEM_BROWSER_NAMES: tuple[str, ...] = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "microsoft-edge",
)
SYSTEM_BROWSER_PATHS: tuple[str, ...] = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/snap/bin/chromium",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/opt/google/chrome/chrome",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
)

# Quiet on a closed network: no update checks, sync, QUIC probes or first-run pages.
QUIET_ARGS: tuple[str, ...] = (
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)

# With an allow-list: WebRTC may use no UDP that does not go through the proxy (the proxy carries no
# UDP, so STUN probes and peer-to-peer ICE checks are never sent; TURN over TCP goes to the proxy, which
# refuses a host that is not allowed). QUIC (and with it WebTransport) is off in QUIET_ARGS already.
# Source: chrome/common/chrome_switches.cc (kWebRtcIPHandlingPolicy) and
# third_party/blink/public/common/peerconnection/webrtc_ip_handling_policy.h in chromium/src. The
# similar --force-webrtc-ip-handling-policy had no effect on Chromium 156: the network-boundary tests
# count STUN and ICE datagrams and caught it.
WEBRTC_POLICY_ARG = "--webrtc-ip-handling-policy=disable_non_proxied_udp"
LOCKED_ARGS: tuple[str, ...] = (WEBRTC_POLICY_ARG,)


@dataclass(frozen=True)
class BrowserChoice:
    """Which browser binary to start; `executable_path=None` means Playwright's own."""

    executable_path: str | None
    source: Literal["explicit", "playwright", "system"]

    def describe(self) -> str:
        return f"{self.source} browser at {self.executable_path or '(Playwright default)'}"


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def launch_args(*, locked: bool = False) -> list[str]:
    """Chromium refuses to start its sandbox as root, so only then add --no-sandbox; `locked` adds the
    flags an allow-list needs (no UDP around the proxy)."""
    return (["--no-sandbox"] if _is_root() else []) + list(QUIET_ARGS) + (list(LOCKED_ARGS) if locked else [])


def find_browser(
    playwright_executable: str | None,
    explicit: str | os.PathLike[str] | None = None,
    candidates: tuple[str, ...] = SYSTEM_BROWSER_PATHS,
) -> BrowserChoice:
    """Pick a browser: explicit path, then Playwright's download, then a system Chromium/Chrome."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise DeviceUnavailableError(
                f"no browser at executable_path={str(path)!r}: the file does not exist"
            )
        return BrowserChoice(str(path), "explicit")
    if playwright_executable and Path(playwright_executable).is_file():
        return BrowserChoice(None, "playwright")
    for candidate in candidates:
        if Path(candidate).is_file():
            return BrowserChoice(candidate, "system")
    if candidates is SYSTEM_BROWSER_PATHS:
        for name in SYSTEM_BROWSER_NAMES:
            found = shutil.which(name)
            if found:
                return BrowserChoice(found, "system")
    hint = "apt-get install chromium" if sys.platform.startswith("linux") else "install Google Chrome"
    raise DeviceUnavailableError(
        "no Chromium found: Playwright's own browser is not installed "
        f"({playwright_executable or 'unknown path'}) and no system Chromium/Chrome was found. "
        f"Run `playwright install chromium`, or {hint}, or pass executable_path=..."
    )


async def start_browser(
    playwright: Playwright,
    *,
    headless: bool = True,
    executable_path: str | os.PathLike[str] | None = None,
    cdp_url: str | None = None,
    timeout_s: float = 30.0,
    proxy: str | None = None,
    extra_args: Sequence[str] = (),
) -> tuple[Browser, BrowserChoice | None]:
    """Launch (or attach over CDP to) a Chromium; returns the browser and how it was found.

    `proxy` (the allow-list proxy's URL) sends every connection of the whole browser through it,
    loopback included, and turns on the allow-list flags. The browser does not share the terminal's
    signals (Playwright would close it on the Ctrl-C meant for the agent, which stops after the step
    in flight and still needs the page): the agent closes it itself.
    """
    from playwright.async_api import Error as PlaywrightError

    if cdp_url is not None:
        try:
            browser = await playwright.chromium.connect_over_cdp(cdp_url, timeout=timeout_s * 1000)
        except PlaywrightError as error:
            raise DeviceUnavailableError(
                f"cannot attach to a browser over CDP at {cdp_url}: {error.message.splitlines()[0]}. "
                "Start it with --remote-debugging-port=9222 and pass cdp_url='http://127.0.0.1:9222'"
            ) from None
        return browser, None
    # looking on disk blocks: off the event loop (a LangGraph server refuses blocking calls in a node)
    choice = await asyncio.to_thread(find_browser, playwright.chromium.executable_path, executable_path)
    args = launch_args(locked=proxy is not None) + list(extra_args)
    if not headless and not os.environ.get("DISPLAY") and sys.platform.startswith("linux"):
        raise DeviceUnavailableError(
            "a headed browser needs a display: set DISPLAY (e.g. start `Xvfb :99` and export DISPLAY=:99) "
            "or launch with headless=True"
        )
    try:
        browser = await playwright.chromium.launch(
            executable_path=choice.executable_path, headless=headless, args=args, timeout=timeout_s * 1000,
            proxy={"server": proxy, "bypass": "<-loopback>"} if proxy is not None else None,
            handle_sigint=False, handle_sigterm=False, handle_sighup=False,
        )  # fmt: skip
    except PlaywrightError as error:
        raise DeviceUnavailableError(
            f"the {choice.describe()} failed to start: {error.message.splitlines()[0]}"
        ) from None
    return browser, choice
