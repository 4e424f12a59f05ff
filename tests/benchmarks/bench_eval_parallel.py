"""Episodes per minute with 1, 4 and 8 local workers against an instant stand-in model, and the
memory each worker's browser takes.

    .venv/bin/python tests/benchmarks/bench_eval_parallel.py [--episodes 48] [--workers 1,4,8] [--http]

The study is click-button (one step per episode, ended by the page's reward) answered by the DOM
oracle in qwen25vl's format: with it the model costs nothing, so what is measured is the harness: a
fresh browser context per episode, page load, the MiniWoB start, capture, prompt, parse, click,
reward read, trajectory and report written. `--http` answers through the stand-in OpenAI server on
loopback instead (tests/standin_model.py; the image is PNG-encoded and posted each step).

Floor: the 1-worker rate, measured in the same run; each row prints its speed-up over it next to the
ideal (the worker count). Memory per worker = the peak proportional set size (PSS, so shared pages
count once) of all Chromium processes below this one, divided by the workers, sampled every 200 ms.
With N cores, rows beyond N workers cannot scale: each browser keeps about a core busy while it draws.

Not collected by pytest (the file name does not start with test_).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # standin_model

from anyres_agent.agent.eval.miniwob import MiniWoBSuite
from anyres_agent.agent.eval.models import ModelChoice, ModelProvider
from anyres_agent.agent.eval.protocol import Protocol, Selection
from anyres_agent.agent.eval.study import Scale, run_study


def _children(root: int) -> list[int]:
    """Every process below `root` (from /proc; Linux only)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        kids = [pid for pid, ppid in parents.items() if ppid == parent]
        found += kids
        frontier += kids
    return found


def chromium_pss_mib() -> float:
    total = 0
    for pid in _children(os.getpid()):
        try:
            if b"chrom" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                continue
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


async def sample_peak(peak: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], await asyncio.to_thread(chromium_pss_mib))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)


async def measure(workers: int, episodes: int, http: bool, folder: Path) -> tuple[float, float]:
    """(episodes per minute, peak browser PSS per worker in MiB)."""
    suite = MiniWoBSuite()
    server = None
    if http:
        from standin_model import LivePages, StandInServer, miniwob_oracle

        from anyres_agent.environments.browser import BrowserEnvironment
        from anyres_agent.model.families import get_family

        pages = LivePages()
        original = BrowserEnvironment.from_browser

        class Patch:
            def setattr(self, owner: object, name: str, value: object) -> None:
                setattr(owner, name, value)

        pages.watch(Patch())
        server = StandInServer(miniwob_oracle(pages, get_family("qwen25vl")))
        choice = ModelChoice(model="qwen2.5-vl-7b", endpoint=server.url, family="qwen25vl")
    else:
        choice = ModelChoice(model="oracle", family="qwen25vl")
    provider = ModelProvider(choice, max_inflight=workers)
    provider.open()
    selection = Selection(suite="miniwob", tasks=("click-button",), seeds=tuple(range(episodes)))
    peak, stop = [0.0], asyncio.Event()
    sampler = asyncio.create_task(sample_peak(peak, stop))
    start = time.perf_counter()
    try:
        outcome = await run_study(
            suite, selection, Protocol(max_steps=3), provider, folder / f"w{workers}", Scale(workers=workers)
        )
    finally:
        elapsed = time.perf_counter() - start
        stop.set()
        await sampler
        await provider.aclose()
        suite.close()
        if server is not None:
            server.close()
            BrowserEnvironment.from_browser = original  # type: ignore[method-assign]
    failed = [r for r in outcome.results if not r.success]
    if failed:
        raise SystemExit(f"{len(failed)} episode(s) failed; the harness is broken: {failed[0].reason}")
    return len(outcome.results) / elapsed * 60, peak[0] / workers


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--episodes", type=int, default=48)
    parser.add_argument("--workers", default="1,4,8")
    parser.add_argument("--http", action="store_true", help="answer through the loopback stand-in server")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    model = "the stand-in HTTP server" if args.http else "the oracle"
    print(f"{args.episodes} click-button episodes per row, answered by {model}; floor: the first row")
    print(f"{'workers':>7}  {'episodes/min':>12}  {'speed-up':>8}  {'ideal':>5}  {'browser PSS/worker':>18}")
    floor = None
    with tempfile.TemporaryDirectory() as folder:
        for workers in counts:
            rate, memory = asyncio.run(measure(workers, args.episodes, args.http, Path(folder)))
            floor = floor or rate
            print(f"{workers:>7}  {rate:>12.1f}  {rate / floor:>7.2f}x  {workers:>4}x  {memory:>14.0f} MiB")


if __name__ == "__main__":
    main()
