"""What the safety boundary costs, against floors measured in the same run on the same browser.

    .venv/bin/python tests/benchmarks/bench_safety_overhead.py [--loads 15] [--reads 40]

1. The allow-list proxy: loading a page with 20 images from its own host (21 requests, loopback)
   through the proxy, against the same load in a context without an allow-list (the floor). Every
   plain-HTTP request gets a fresh upstream connection (one request per connection, by design).
2. Reading the target of an action (the element under a point, the focused field), which the risk
   guard does for every click, key and type: against one screenshot of the same page (the floor a
   step pays anyway).

Not collected by pytest (the file name does not start with test_). Figures are medians; on a shared
machine they move with its load, which is printed first.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # page_server

from page_server import PageServer

from anyres_agent.environments.browser import BrowserEnvironment
from anyres_agent.environments.browser_launch import start_browser

PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f80f0000010101005d1c1b5b0000000049454e44ae426082"
)
PAGE = (
    "<!doctype html><html><body style='margin:0'>"
    "<button id='pay' style='position:absolute;left:20px;top:20px;width:200px;height:40px'>Pay $500</button>"
    "<input id='pw' type='password' aria-label='Password' style='position:absolute;left:20px;top:80px'>"
    + "".join(f"<img src='/img/{i}.png?{{n}}' width=8 height=8>" for i in range(20))
    + "</body></html>"
)


async def _median(work: object, times: int) -> float:
    samples = []
    for n in range(times):
        start = time.perf_counter()
        await work(n)  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


async def main(loads: int, reads: int) -> None:
    from playwright.async_api import async_playwright

    def answer(method: str, path: str) -> tuple[bytes | str, str] | None:
        if path.startswith("/img/"):
            return PIXEL, "image/png"
        return PAGE.replace("{n}", path.split("?")[-1]), "text/html"

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    with PageServer(answer) as site:
        playwright = await async_playwright().start()
        browser, _ = await start_browser(playwright)
        direct = await BrowserEnvironment.from_browser(browser, site.url("/?warm"))
        proxied = await BrowserEnvironment.from_browser(
            browser, site.url("/?warm"), allowed_domains=["127.0.0.1"]
        )
        try:
            floor = await _median(lambda n: direct.page.goto(site.url(f"/?d{n}"), wait_until="load"), loads)
            through = await _median(
                lambda n: proxied.page.goto(site.url(f"/?p{n}"), wait_until="load"), loads
            )
            print(
                f"page load, 21 requests on loopback: {through:.1f} ms through the allow-list proxy vs "
                f"{floor:.1f} ms without (floor) = {through / floor:.2f}x"
            )
            page = proxied.page
            shot = await _median(lambda n: page.screenshot(), reads)
            point = await _median(lambda n: proxied.target_at(120, 40), reads)
            await page.click("#pw")
            focus = await _median(lambda n: proxied.focused_target(), reads)
            print(
                f"target reads: element under a point {point:.1f} ms ({point / shot:.2f}x a screenshot), "
                f"focused field {focus:.1f} ms ({focus / shot:.2f}x); screenshot {shot:.1f} ms (floor)"
            )
        finally:
            await direct.close()
            await proxied.close()
            await browser.close()
            await playwright.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=15)
    parser.add_argument("--reads", type=int, default=40)
    options = parser.parse_args()
    asyncio.run(main(options.loads, options.reads))
