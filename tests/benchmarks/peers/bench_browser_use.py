"""browser-use's per-step overhead on the step benchmark's pages, measured the way ours is.

    tests/benchmarks/peers/.venv/bin/python tests/benchmarks/peers/bench_browser_use.py \
        [--steps 20] [--latency 0.3] [--viewport 1288x728] [--json]

Run by tests/benchmarks/bench_loop_overhead.py (set up with tests/benchmarks/peers/setup.sh). browser-use
0.13.14 runs with its defaults (vision on, its own waits) against the same fake served model, a
separate process speaking the OpenAI API (ChatOpenAI with a base_url; browser-use asks for structured
output and gets its AgentOutput JSON: click the toggle by the index browser-use itself listed). The
clicks alternate between two toggles that change the page, as in our rows.

A step's overhead = the time from the end of the previous step's hook (after the floor was measured)
to the end of this step's hook, minus the time the model server held the step's request. The floor
is a raw CDP screenshot (PNG) + a raw CDP click on the same page right after each step: what
Playwright's page.screenshot() + page.mouse.click() send. Prints one line per page, or JSON.
Standard library + browser-use only; the pages and the fake server are the main benchmark's files.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench_pages import TOGGLES, PageSite  # noqa: E402

os.environ.setdefault("ANONYMIZED_TELEMETRY", "false")
os.environ.setdefault("BROWSER_USE_SETUP_LOGGING", "false")


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    labels = ",".join(TOGGLES)
    process = subprocess.Popen(
        [
            sys.executable,
            str(HERE.parent / "fake_model_server.py"),
            "--latency",
            str(latency),
            "--browser-use",
            labels,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().split()
    return process, f"http://127.0.0.1:{line[1]}"


def http_json(url: str, data: bytes | None = None) -> dict[str, Any]:
    with urllib.request.urlopen(
        urllib.request.Request(url, data=data, method="POST" if data else "GET")
    ) as r:
        return json.loads(r.read())


async def measure(url: str, server: str, steps: int, viewport: tuple[int, int]) -> dict[str, Any]:
    from browser_use import Agent, BrowserProfile, BrowserSession
    from browser_use.llm.openai.chat import ChatOpenAI

    profile = BrowserProfile(
        headless=True,
        executable_path=shutil.which("chromium") or "/usr/bin/chromium",
        viewport={"width": viewport[0], "height": viewport[1]},
        window_size={"width": viewport[0], "height": viewport[1]},
        user_data_dir=tempfile.mkdtemp(prefix="bu-profile-"),
        chromium_sandbox=False,
    )
    session = BrowserSession(browser_profile=profile)
    llm = ChatOpenAI(model="served", base_url=server + "/v1", api_key="not-needed", max_retries=0)
    agent = Agent(
        task="Click Toggle A, then Toggle B, and keep alternating.",
        llm=llm,
        browser_session=session,
        initial_actions=[{"navigate": {"url": url}}],
    )
    overheads: list[float] = []
    floors: list[float] = []
    resumed: list[float] = []

    async def floor() -> float:
        cdp = await session.get_or_create_cdp_session()
        x, y = TOGGLES["Toggle A"]
        start = time.perf_counter()
        await cdp.cdp_client.send.Page.captureScreenshot(params={"format": "png"}, session_id=cdp.session_id)
        for kind in ("mousePressed", "mouseReleased"):
            await cdp.cdp_client.send.Input.dispatchMouseEvent(
                params={"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
                session_id=cdp.session_id,
            )
        return time.perf_counter() - start

    async def on_step_end(_agent: Any) -> None:
        now = time.perf_counter()
        if resumed:
            overheads.append(now - resumed[-1])
        floors.append(await floor())
        resumed.append(time.perf_counter())

    http_json(server + "/reset", b"{}")
    await agent.run(max_steps=steps, on_step_end=on_step_end)
    await session.kill()
    records = http_json(server + "/stats")["requests"]
    held = [r.get("server_s", 0.0) for r in records]
    clicks = sum('"click"' in r["answer"] for r in records)
    # step i (from the second on) holds request i; requests beyond one a step (retries) count as overhead
    per_step = [o - (held[i + 1] if i + 1 < len(held) else 0.0) for i, o in enumerate(overheads)]
    warm = per_step[3:] or per_step
    return {
        "steps": len(per_step),
        "requests": len(held),
        "clicks": clicks,
        "overhead_ms": statistics.median(warm) * 1000,
        "floor_ms": statistics.median(floors[3:] or floors) * 1000,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--viewport", default="1288x728")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    viewport = tuple(int(v) for v in args.viewport.split("x"))
    site = PageSite()
    process, server = start_server(args.latency)
    results: dict[str, Any] = {}
    try:
        for name, path in (("form", "/form.html"), ("500 elements", "/many.html")):
            results[name] = await measure(site.url(path), server, args.steps, viewport)  # type: ignore[arg-type]
    finally:
        process.terminate()
        site.close()
    if args.json:
        print(json.dumps(results))
    else:
        for name, row in results.items():
            ratio = row["overhead_ms"] / row["floor_ms"]
            overhead, floor = row["overhead_ms"], row["floor_ms"]
            print(f"browser-use, {name}: overhead {overhead:.0f} ms vs floor {floor:.0f} ms = {ratio:.1f}x")


if __name__ == "__main__":
    asyncio.run(main())
