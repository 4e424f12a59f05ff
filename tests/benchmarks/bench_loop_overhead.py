"""Framework overhead per step, against a floor measured in the same run; and RSS growth over 300 steps.

    .venv/bin/python tests/benchmarks/bench_loop_overhead.py [--steps 60] [--memory-steps 300]
        [--skip-browser] [--skip-desktop]        (exit status 1 when a target row fails)

Overhead = a step's wall time minus its model time: capture, frame, prompt building, parsing, guards
(loop check, risk), execution and recording (screenshot + step JSON written atomically). Resizing the
screenshot to the model's frame happens inside the backend when it encodes the request (the scripted
one needs only the size), so it is model time; tests/benchmarks/bench_request_prep.py measures it.
Floor = one raw capture + one raw click with the device library itself, measured after every step
(after the same idle gap as the model's) so that both see the same machine load. Target: overhead
<= 1.5x floor on the target rows: a model that takes time, or recording off. With an instant model
and recording on, nothing overlaps the recording; those rows are printed as stress rows.
The model is the scripted backend answering in qwen25vl's format with clicks that alternate between
two spots (no guard stops the run), once instantly and once after 300 ms (a served or GPU model: the
CPU is idle meanwhile, which is when the previous step's files are written in the background; with an
instant model that work competes with the next step for the two cores). On the desktop the clicks
land on a Tk window that counts them in a label (a small change per step) or also repaints its whole
background (the worst case for recording); the browser clicks blank spots of the demo page.

Not collected by pytest (the file name does not start with test_).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "environments"))  # x_display

from anyres_agent.agent.api import Agent
from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.loop import StepEvent
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.model.conversation import ModelRequest
from anyres_agent.model.families import get_family
from anyres_agent.tools import Click

FAMILY = get_family("qwen25vl")
BLANK_SPOTS = ((900, 200), (1000, 500))


class LeanScriptedBackend(ScriptedBackend):
    """ScriptedBackend keeps every request for tests to inspect; a 300-step run must not.

    `latency` simulates a served or GPU model: the call waits without using this machine's CPU, which
    is when the loop's background work (writing the last screenshot) really happens.
    """

    def __init__(self, answers: Any, latency: float = 0.0) -> None:
        super().__init__(answers)
        self.latency = latency

    async def complete(self, request: ModelRequest) -> Any:
        if self.latency:
            await asyncio.sleep(self.latency)
        reply = await super().complete(request)
        self.calls.clear()
        return reply


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Probe:
    """Per-step overhead from wall time, and a raw floor measurement interleaved after each step.

    A step's wall time runs from the moment the loop got control back after the previous step event
    (the floor measurement done) to this step's event: observation, prompt, model, parse, guards,
    execution, recording, the step JSON write and the event itself. Overhead = that minus model time.
    """

    def __init__(self, floor: Any, idle: float = 0.0) -> None:
        self.floor, self.idle = floor, idle
        self.overheads: list[float] = []
        self.floors: list[float] = []
        self.phases: dict[str, list[float]] = {}
        self.resumed: float | None = None

    async def __call__(self, event: StepEvent) -> None:
        if event.kind != "step":
            return
        now = time.perf_counter()
        timings = event.data["timings"]
        if self.resumed is not None:
            self.overheads.append(now - self.resumed - timings.get("model", 0.0))
        for key, value in timings.items():
            self.phases.setdefault(key, []).append(value)
        if self.idle:  # the same idle gap before the raw calls as the model leaves before a capture
            await asyncio.sleep(self.idle)
        self.floors.append(await self.floor())
        self.resumed = time.perf_counter()


CALLS = itertools.count()


def answer(request: ModelRequest) -> str:
    assert request.frame is not None
    x, y = BLANK_SPOTS[next(CALLS) % 2]
    return FAMILY.render([Click(x=x, y=y)], request.frame, thought="Click a blank spot.")


MODEL_LATENCIES = (0.0, 0.3)  # an instant script, and a model served on a GPU or over HTTP


async def measure(
    name: str, env: Any, floor: Any, steps: int, record: Path | None, latency: float = 0.0
) -> dict[str, Any]:
    probe = Probe(floor, latency)
    config = AgentConfig(
        max_steps=steps + 5, max_tokens=10**9, max_seconds=10**6, record_dir=record, report=False
    )
    agent = Agent(env, LeanScriptedBackend(answer, latency), FAMILY, config, on_event=probe)
    await agent.run("benchmark: click blank spots")
    overheads, floors = probe.overheads[4:], probe.floors[5:]  # drop warm-up steps
    overhead, floor_ms = statistics.median(overheads) * 1000, statistics.median(floors) * 1000
    phases = {k: statistics.median(v[5:]) * 1000 for k, v in probe.phases.items() if k != "total"}
    label = f"{name}, model {'instant' if not latency else f'{latency * 1000:.0f} ms (simulated)'}"
    label += "" if record is not None else ", recording off"
    row = {
        "env": label,
        "steps": len(overheads),
        "overhead": overhead,
        "floor": floor_ms,
        "phases": phases,
        "instant": not latency,
        "recording": record is not None,
    }
    if record is not None:
        row["changed"] = changed_screens(record)
    return row


def changed_screens(record: Path) -> str:
    """How many recorded screenshots differ from the one before: evidence of what the screen did."""
    shots = sorted((record / "steps").glob("*.png"))
    changed = sum(a.read_bytes() != b.read_bytes() for a, b in itertools.pairwise(shots))
    return f"{changed} of {len(shots) - 1} screenshots differ from the step before"


RESULTS: list[bool] = []  # the target rows' verdicts


def report(row: dict[str, Any]) -> None:
    """Print a row. The target rows are those where a model takes time or recording is off; with an
    instant model and recording on there is no model call for the recording to overlap, so that row
    shows recording's own CPU cost, not loop overhead (reported with its ratio, not judged)."""
    ratio = row["overhead"] / row["floor"]
    stress = row["instant"] and row["recording"]
    if stress:
        verdict = "stress row: nothing for recording to overlap"
    else:
        RESULTS.append(ratio <= 1.5)
        verdict = "PASS" if ratio <= 1.5 else "FAIL"
    print(
        f"{row['env']}: median overhead {row['overhead']:.1f} ms/step vs floor {row['floor']:.1f} ms "
        f"(raw capture + raw click) = {ratio:.2f}x [{verdict}, target <= 1.5x] over {row['steps']} steps"
    )
    print("   phases (median ms): " + ", ".join(f"{k} {v:.1f}" for k, v in row["phases"].items()))
    if "changed" in row:
        print(f"   recorded: {row['changed']}")


# --- browser ---------------------------------------------------------------------------------


async def browser_bench(steps: int, memory_steps: int, tmp: Path) -> None:
    from anyres_agent.agent.demo_site import serve_demo_site
    from anyres_agent.environments.browser import BrowserEnvironment

    with serve_demo_site() as site:
        env = await BrowserEnvironment.launch(site.url, viewport=(1280, 720), settle_s=0.0)
        try:
            page = env.page

            async def floor() -> float:
                start = time.perf_counter()
                await page.screenshot()
                await page.mouse.click(*BLANK_SPOTS[0])
                return time.perf_counter() - start

            for latency in MODEL_LATENCIES:
                row = await measure("browser 1280x720", env, floor, steps, tmp / f"b{latency}", latency)
                report(row)
            if memory_steps:
                await memory_bench(env, memory_steps, tmp / "memory")
        finally:
            await env.close()


async def memory_bench(env: Any, steps: int, record: Path) -> None:
    samples: list[float] = []

    async def sample(event: StepEvent) -> None:
        if event.kind == "step":
            samples.append(rss_mb())

    config = AgentConfig(max_steps=steps, max_tokens=10**9, max_seconds=3600, record_dir=record, report=False)
    await Agent(env, LeanScriptedBackend(answer), FAMILY, config, on_event=sample).run(
        "memory: click blank spots"
    )
    warm = samples[19]  # after the caches (image encoders, fonts, Playwright channels) are warm
    growth = samples[-1] - warm
    RESULTS.append(growth < 50)
    verdict = "PASS" if growth < 50 else "FAIL"
    print(
        f"memory: RSS {warm:.0f} MB after step 20 -> {samples[-1]:.0f} MB after step {len(samples)} "
        f"(growth {growth:+.1f} MB) [{verdict}, target < 50 MB]"
    )


# --- desktop ---------------------------------------------------------------------------------


CHANGING_APP = r"""
import sys, tkinter as tk
path, width, height, change = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
root = tk.Tk()
root.geometry(f"{width}x{height}+0+0")
colors = ("#f0f0f0", "#203040", "#f0c040")  # 3: a step clicks twice (loop, floor)
root.configure(bg=colors[0])
label = tk.Label(root, text="clicks: 0", font=("TkDefaultFont", 24))
label.place(x=40, y=40)
count = 0
def save():
    with open(path, "w") as f:
        f.write('{"clicks": %d}' % count)
def clicked(event):
    global count
    count += 1
    label.configure(text=f"clicks: {count}")
    if change == "whole":
        root.configure(bg=colors[count % 3])
    save()
root.bind("<Button-1>", clicked)
root.after(200, save)
root.mainloop()
"""


async def desktop_bench(steps: int, tmp: Path) -> None:
    """The real adapter (mss capture, XTest input) against the same two library calls done raw.

    The screen is a private 1920x1080 Xvfb with a Tk window that counts clicks in a label (a small
    change per step, like most GUI steps) or, the worst case, also repaints its whole background.
    """
    import mss
    from x_display import XScreen
    from Xlib import X
    from Xlib.display import Display
    from Xlib.ext import xtest

    from anyres_agent.environments.desktop import DesktopEnvironment

    for change in ("small", "whole"):
        screen = XScreen(1920, 1080, tmp, True, CHANGING_APP, change)
        env = DesktopEnvironment(display=screen.display)
        sct, conn = mss.MSS(display=screen.display), Display(screen.display)

        async def floor(sct: Any = sct, conn: Any = conn) -> float:
            start = time.perf_counter()
            sct.grab(sct.monitors[1])
            xtest.fake_input(conn, X.MotionNotify, x=BLANK_SPOTS[0][0], y=BLANK_SPOTS[0][1])
            xtest.fake_input(conn, X.ButtonPress, 1)
            xtest.fake_input(conn, X.ButtonRelease, 1)
            conn.sync()
            return time.perf_counter() - start

        label = f"desktop 1920x1080 (mss + XTest), {change} screen change per click"
        try:
            for latency in MODEL_LATENCIES:
                report(await measure(label, env, floor, steps, tmp / f"d-{change}-{latency}", latency))
            if change == "small":  # what recording costs, by difference
                report(await measure(label, env, floor, steps, None))
        finally:
            await env.close()
            sct.close()
            conn.close()
            screen.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--memory-steps", type=int, default=300)
    parser.add_argument("--skip-desktop", action="store_true")
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        if not args.skip_browser:
            asyncio.run(browser_bench(args.steps, args.memory_steps, tmp))
        if not args.skip_desktop:
            asyncio.run(desktop_bench(args.steps, tmp))
    print(f"target rows: {sum(RESULTS)} of {len(RESULTS)} PASS")
    sys.exit(0 if all(RESULTS) else 1)


if __name__ == "__main__":
    main()
