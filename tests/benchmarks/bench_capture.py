"""Capture time of each adapter against the raw library call it is built on, in one run.

    .venv/bin/python tests/benchmarks/bench_capture.py [--runs 30]

Browser: BrowserEnvironment.observe() vs raw `page.screenshot()` on the same page, 1280x720 at DPR 1
and 2. Desktop: DesktopEnvironment.observe() vs a raw `mss.MSS().grab()` on an Xvfb this script
starts, at 1920x1080 and 3840x2160; plus capture-to-PIL-image at 1920x1080. The two sides of each
pair are measured interleaved, so machine load hits both alike. The adapter may add at most 20%.
Not collected by pytest (the file name does not start with test_).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "environments"))  # x_display, local_site
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the real packages before tests/ folders
sys.path.append(str(Path(__file__).resolve().parents[1]))  # page_server

from local_site import serve_site
from x_display import XScreen

from anyres_agent.environments.browser import BrowserEnvironment
from anyres_agent.environments.browser_launch import start_browser
from anyres_agent.environments.desktop import DesktopEnvironment

BUDGET = 1.2
IMAGE_LIMIT_MS = 10.0


async def paired(
    floor: Callable[[], Awaitable[Any]], adapter: Callable[[], Awaitable[Any]], runs: int
) -> tuple[float, float]:
    """Median milliseconds of the floor and of the adapter, alternating which goes first."""
    for _ in range(3):
        await floor()
        await adapter()
    floor_times: list[float] = []
    adapter_times: list[float] = []
    for i in range(runs):
        order = [(floor, floor_times), (adapter, adapter_times)]
        for call, times in order if i % 2 == 0 else order[::-1]:
            start = time.perf_counter()
            await call()
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(floor_times), statistics.median(adapter_times)


def report(label: str, floor_ms: float, adapter_ms: float, floor_name: str) -> bool:
    ratio = adapter_ms / floor_ms
    ok = ratio <= BUDGET
    print(
        f"{label:<28} floor ({floor_name}) {floor_ms:8.2f} ms   adapter {adapter_ms:8.2f} ms   "
        f"ratio {ratio:5.2f}   {'PASS' if ok else 'FAIL'} (<= {BUDGET})"
    )
    return ok


async def bench_browser(runs: int) -> list[bool]:
    from playwright.async_api import async_playwright

    site = serve_site()
    results = []
    playwright = await async_playwright().start()
    browser, choice = await start_browser(playwright)
    print(f"browser: {choice.describe() if choice else 'CDP'}, version {browser.version}")
    try:
        for dpr in (1, 2):
            env = await BrowserEnvironment.from_browser(
                browser, site.url("/form.html"), viewport=(1280, 720), dpr=dpr
            )
            floor, adapter = await paired(env.page.screenshot, env.observe, runs)
            observed = await env.observe()
            label = f"browser 1280x720 dpr {dpr} ({observed.screenshot.width}x{observed.screenshot.height})"
            results.append(report(label, floor, adapter, "page.screenshot"))
            await env.close()
    finally:
        await browser.close()
        await playwright.stop()
        site.close()
    return results


async def bench_desktop(runs: int) -> list[bool]:
    import mss

    results = []
    with tempfile.TemporaryDirectory() as state_dir:
        for width, height in ((1920, 1080), (3840, 2160)):
            screen = XScreen(width, height, Path(state_dir))
            try:
                env = DesktopEnvironment(display=screen.display)
                with mss.MSS(display=screen.display) as raw:
                    monitor = raw.monitors[1]

                    async def grab(raw: Any = raw, monitor: Any = monitor) -> Any:
                        return raw.grab(monitor)

                    floor, adapter = await paired(grab, env.observe, runs * 2)
                    results.append(report(f"desktop {width}x{height}", floor, adapter, "mss grab"))
                    if width == 1920:
                        times = []
                        for _ in range(runs):
                            start = time.perf_counter()
                            (await env.observe()).screenshot.image  # noqa: B018
                            times.append((time.perf_counter() - start) * 1000)
                        image_ms = statistics.median(times)
                        ok = image_ms < IMAGE_LIMIT_MS
                        print(
                            f"{'desktop 1920x1080 to image':<28} observe + PIL RGB image {image_ms:8.2f} ms"
                            f"   {'PASS' if ok else 'FAIL'} (< {IMAGE_LIMIT_MS:g} ms)"
                        )
                        results.append(ok)
                await env.close()
            finally:
                screen.stop()
    return results


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--runs", type=int, default=30, help="measured captures per side (desktop: twice that)"
    )
    args = parser.parse_args()
    results = await bench_browser(args.runs) + await bench_desktop(args.runs)
    print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
