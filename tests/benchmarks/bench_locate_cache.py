"""Cold vs warm: a 10-step UI flow with every locate through the model, then from the locate cache.

Run: .venv/bin/python tests/benchmarks/bench_locate_cache.py [--latency 1.0] [--runs 3] [--dpr 1]

Real headless Chromium and a local page with ten buttons; the flow taps each one. The model is the
scripted backend answering from the page's geometry after sleeping `--latency` seconds, a stand-in
for a served 7B grounding call (about 0.5-2 s per call on one GPU; Stagehand's docs quote 0.5-2 s of
LLM time per uncached action). Per step it prints the total, the model time, the action time (the
click, including the browser adapter's 0.1 s settle) and the overhead: everything else (screenshot,
frame, resize, cache lookup and hash, step record). The target is a warm overhead under 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the real packages before tests/ folders
sys.path.append(str(Path(__file__).resolve().parents[1]))  # page_server

from page_server import PageServer

from anyres_agent.agent.testing import UI, BrowserHost, LocateCache, ModelSetup
from anyres_agent.agent.testing.record import StepSummary
from anyres_agent.model.answer import Box
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.model.conversation import ModelRequest
from anyres_agent.model.families import get_family

LABELS = [
    "Profile",
    "Security",
    "Billing",
    "Team",
    "Projects",
    "Reports",
    "Alerts",
    "Exports",
    "Themes",
    "Help",
]
PAGE = (
    "<!doctype html><html><body style='margin:0;font:15px sans-serif;background:#f8fafc'>"
    "<h1 style='margin:24px'>Settings</h1>"
    "<div style='display:grid;grid-template-columns:repeat(5,200px);gap:24px;margin:24px'>"
    + "".join(
        f"<button id='b{i}' style='height:64px;border:1px solid #94a3b8;border-radius:8px;background:#fff'"
        f" onclick='window.clicks.push({i})'>{label}</button>"
        for i, label in enumerate(LABELS)
    )
    + "</div><p style='margin:24px;color:#475569'>Choose a section to configure.</p>"
    "<script>window.clicks = []</script></body></html>"
)


def serve() -> PageServer:
    return PageServer(lambda method, path: (PAGE, "text/html"))


def open_ui(host: BrowserHost, url: str, cache: LocateCache, latency: float, dpr: float, record: Path) -> UI:
    family = get_family("qwen2vl")
    holder: dict[str, UI] = {}

    async def model(request: ModelRequest) -> str:
        await asyncio.sleep(latency)  # a served model's grounding call
        text = "\n".join(m.plain_text() for m in request.messages)
        index = next(i for i, label in enumerate(LABELS) if f'"the {label} button"' in text)
        rect = await holder["ui"].env.page.locator(f"#b{index}").bounding_box()  # type: ignore[attr-defined]
        box = Box(x1=round(rect["x"]), y1=round(rect["y"]), x2=round(rect["x"] + rect["width"]),
                  y2=round(rect["y"] + rect["height"]))  # fmt: skip
        assert request.frame is not None
        return family.render_grounding(box, request.frame)

    setup = ModelSetup(backend=ScriptedBackend(model), family=family, model="simulated")
    ui = host.ui(setup, url, viewport=(1280, 720), dpr=dpr, cache=cache, record_dir=record)
    holder["ui"] = ui
    return ui


def run_flow(ui: UI) -> list[StepSummary]:
    for label in LABELS:
        ui.tap(f"the {label} button")
    clicks = ui.call(lambda env: env.page.evaluate("window.clicks"))  # type: ignore[attr-defined]
    assert clicks == list(range(10)), f"the taps landed on {clicks}"
    return ui.steps


def table(title: str, runs: list[list[StepSummary]]) -> dict[str, float]:
    print(f"\n{title}")
    print(f"{'step':>4}  {'source':7} {'total ms':>9} {'model ms':>9} {'action ms':>10} {'overhead ms':>12}")
    medians: dict[str, list[float]] = {"total": [], "model": [], "action": [], "overhead": []}
    for index in range(len(runs[0])):
        steps = [run[index] for run in runs]
        total = statistics.median(s.seconds for s in steps) * 1000
        model = statistics.median(s.model_seconds for s in steps) * 1000
        action = statistics.median(s.action_seconds for s in steps) * 1000
        overhead = statistics.median((s.seconds - s.model_seconds - s.action_seconds) for s in steps) * 1000
        for key, value in (("total", total), ("model", model), ("action", action), ("overhead", overhead)):
            medians[key].append(value)
        print(
            f"{index + 1:>4}  {steps[0].source:7} {total:9.1f} {model:9.1f} {action:10.1f} {overhead:12.1f}"
        )
    summary = {key: statistics.mean(values) for key, values in medians.items()}
    print(
        f"mean  {'':7} {summary['total']:9.1f} {summary['model']:9.1f} {summary['action']:10.1f} "
        f"{summary['overhead']:12.1f}   (max overhead {max(medians['overhead']):.1f} ms)"
    )
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=1.0, help="simulated seconds per model call")
    parser.add_argument("--runs", type=int, default=3, help="warm runs (medians are reported)")
    parser.add_argument("--dpr", type=float, default=1.0)
    args = parser.parse_args()

    server = serve()
    url = server.url("/settings.html")
    host = BrowserHost()
    work = Path(tempfile.mkdtemp(prefix="bench-locate-cache-"))
    cache_path = work / "locate-cache.yaml"
    try:
        warmup = open_ui(host, url, LocateCache(work / "warmup.yaml"), 0.0, args.dpr, work / "warmup")
        run_flow(warmup)  # browser start and first-paint costs are not the cache's
        warmup.close()
        cold_ui = open_ui(host, url, LocateCache(cache_path), args.latency, args.dpr, work / "cold")
        cold = run_flow(cold_ui)
        cold_ui.close()
        warm_runs = []
        for run in range(args.runs):
            ui = open_ui(host, url, LocateCache(cache_path), args.latency, args.dpr, work / f"warm{run}")
            warm_runs.append(run_flow(ui))
            ui.close()
    finally:
        host.close()
        server.close()

    print(f"10-step flow, 1280x720 at DPR {args.dpr:g}, simulated model latency {args.latency:g} s per call")
    cold_summary = table("cold (every locate through the model)", [cold])
    warm_summary = table(f"warm (from the locate cache; median of {args.runs} runs)", warm_runs)
    assert all(s.source == "cache" for run in warm_runs for s in run), "every warm locate must be a cache hit"
    print(
        f"\nflow total: cold {sum(s.seconds for s in cold):.2f} s, warm "
        f"{statistics.median(sum(s.seconds for s in run) for run in warm_runs):.2f} s; "
        f"warm overhead per step {warm_summary['overhead']:.1f} ms (target < 100 ms plus the action); "
        f"cold/warm per step {cold_summary['total'] / warm_summary['total']:.1f}x"
    )


if __name__ == "__main__":
    main()
