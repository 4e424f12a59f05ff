"""One self-contained HTML report from a trajectory folder: opens offline, from a file, anywhere.

Screenshots are embedded as JPEG data URLs, scaled down. Each sits in an SVG whose viewBox is *screen
space*, so clicks, boxes and drags are drawn with the very numbers the device received: where an
overlay lands is where the action landed, whatever the DPR or the model's resize. All model text is
escaped; no script, font or stylesheet is fetched from anywhere.

The report draws what it can: a step file that cannot be read is a visible gap with its reason, an
unreadable image a placeholder, and a screenshot path leading outside the run folder is refused.
"""

from __future__ import annotations

import base64
import html
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image

from anyres_agent.agent.trajectory import (
    PlannedAction,
    StepRecord,
    Trajectory,
    atomic_write,
    read_trajectory,
    thumbnail_jpeg,
)
from anyres_agent.tools import Drag, Scroll, Swipe

JPEG_START = b"\xff\xd8\xff"  # every JPEG file starts with an SOI marker and the next marker's FF

TIMING_KEYS = ("capture", "prepare", "model", "parse", "guard", "confirm", "execute", "record", "total")

CSS = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
header{background:#1d2330;color:#fff;padding:16px 24px}header h1{margin:0 0 6px;font-size:20px}
.scripted{background:#b45309;color:#fff;padding:8px 24px;font-weight:600}
main{padding:16px 24px;max-width:1400px}
table{border-collapse:collapse;background:#fff;margin:8px 0 20px;width:100%}
td,th{border:1px solid #dde1e7;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef0f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
.step{background:#fff;border:1px solid #dde1e7;border-radius:6px;margin:0 0 20px;padding:12px 16px}
.step h2{font-size:16px;margin:0 0 8px}.shot{max-width:100%;height:auto;border:1px solid #ccd;display:block}
.cols{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:16px}
pre{white-space:pre-wrap;word-break:break-word;background:#f7f7fa;padding:6px 8px;margin:4px 0;
max-height:320px;overflow:auto}
.ok{color:#15803d}.bad{color:#b91c1c}.warn{color:#b45309}.muted{color:#6b7280}
details summary{cursor:pointer;color:#374151}
.gap{border-style:dashed;border-color:#b91c1c}
.status-success{color:#15803d}.status-failure,.status-error{color:#b91c1c}.status-stopped{color:#b45309}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _thumbnail_url(trajectory: Trajectory, step: StepRecord) -> tuple[str | None, str]:
    """The screenshot as a scaled-down JPEG data URL (the one written as the step landed, or made now
    from the screenshot), or None and why there is none: missing, unreadable, or refused because the
    step file points outside the run folder."""
    if not step.screenshot:
        return None, "(no screenshot)"
    path = trajectory.screenshot_path(step)
    if path is None:
        return None, "(screenshot refused: its path leads outside the run folder)"
    thumb = trajectory.thumbnail_path(step)
    data = thumb.read_bytes() if thumb is not None else b""
    if not data.startswith(JPEG_START):  # none, or not a JPEG: make one from the screenshot
        if not path.is_file():
            return None, "(screenshot missing)"
        try:
            with Image.open(path) as image:
                data = thumbnail_jpeg(image)
        except (OSError, ValueError, Image.DecompressionBombError) as error:  # truncated, not an image, huge
            return None, f"(screenshot unreadable: {type(error).__name__})"
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii"), ""


def _overlay(planned: PlannedAction, number: int, scale: float, screen: tuple[int, int], arrow: str) -> str:
    """SVG marks for one action, in screen coordinates; `scale` keeps strokes readable on big screens.
    Only validated integers reach the markup: actions and boxes are typed when the step file is read."""
    action = planned.action
    color = {"rejected": "#dc2626", "skipped": "#9ca3af"}.get(planned.decision, "#e11d48")
    if planned.ok is False:
        color = "#f59e0b"
    r, stroke = 10 * scale, 3 * scale
    parts = []
    box = planned.box
    if box and {"x1", "y1", "x2", "y2"} <= box.keys():
        parts.append(
            f'<rect x="{box["x1"]}" y="{box["y1"]}" width="{max(1, box["x2"] - box["x1"])}" '
            f'height="{max(1, box["y2"] - box["y1"])}" fill="none" stroke="#2563eb" '
            f'stroke-width="{stroke}" stroke-dasharray="{4 * scale}"/>'
        )
    x: float | None = getattr(action, "x", None)
    y: float | None = getattr(action, "y", None)
    if isinstance(action, Scroll) and x is None and y is None:  # adapters scroll at the screen centre
        x, y = screen[0] / 2, screen[1] / 2
    if x is None or y is None:
        return "".join(parts)
    if isinstance(action, Drag | Swipe):
        parts.append(
            f'<line x1="{x:g}" y1="{y:g}" x2="{action.to_x}" y2="{action.to_y}" stroke="{color}" '
            f'stroke-width="{stroke}" marker-end="url(#{arrow})"/>'
        )
    elif isinstance(action, Scroll):
        length = 60 * scale
        norm = max(1.0, (action.dx**2 + action.dy**2) ** 0.5)
        parts.append(
            f'<line x1="{x:g}" y1="{y:g}" x2="{x + action.dx / norm * length:.0f}" '
            f'y2="{y + action.dy / norm * length:.0f}" '
            f'stroke="{color}" stroke-width="{stroke}" marker-end="url(#{arrow})"/>'
        )
    parts.append(
        f'<circle cx="{x:g}" cy="{y:g}" r="{r}" fill="none" stroke="{color}" stroke-width="{stroke}"/>'
        f'<circle cx="{x:g}" cy="{y:g}" r="{2 * scale}" fill="{color}"/>'
        f'<text x="{x + r + 2 * scale:g}" y="{y - r:g}" font-size="{16 * scale}" fill="{color}" '
        f'font-weight="bold">{number}</text>'
    )
    return "".join(parts)


def _screenshot_svg(trajectory: Trajectory, step: StepRecord) -> str:
    url, missing = _thumbnail_url(trajectory, step)
    screen_w, screen_h = step.observation.screen
    if url is None or not screen_w:
        return f'<p class="muted">{_e(missing or "(no screenshot)")}</p>'
    scale = max(1.0, screen_w / 1280)
    arrow = f"arrow-{step.index}"  # ids must be unique in the page, which holds every step's SVG
    screen = (screen_w, screen_h)
    marks = "".join(_overlay(p, i + 1, scale, screen, arrow) for i, p in enumerate(step.actions))
    return (
        f'<svg class="shot" viewBox="0 0 {screen_w} {screen_h}" width="{screen_w}" height="{screen_h}" '
        f'role="img" aria-label="step {step.index} screenshot">'
        f'<defs><marker id="{arrow}" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="5" markerHeight="5" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#e11d48"/></marker></defs>'
        f'<image href="{url}" x="0" y="0" width="{screen_w}" height="{screen_h}" '
        f'preserveAspectRatio="none"/>{marks}</svg>'
    )


def _step_html(trajectory: Trajectory, step: StepRecord) -> str:
    rows = []
    for i, planned in enumerate(step.actions, 1):
        state = planned.decision if planned.decision != "pending" else ""
        result = "" if planned.ok is None else ("ok" if planned.ok else "failed")
        css = "bad" if planned.ok is False or planned.decision == "rejected" else "ok"
        risk = f'<div class="warn">risk: {_e(planned.risk)}</div>' if planned.risk else ""
        note = f'<div class="muted">{_e(planned.note)}</div>' if planned.note else ""
        rows.append(
            f"<tr><td>{i}</td><td><code>{_e(planned.action.describe())}</code>{risk}{note}</td>"
            f'<td class="{css}">{_e(" ".join(filter(None, [state, result])))}</td></tr>'
        )
    actions = (
        "<table><tr><th>#</th><th>action (screen space)</th><th>result</th></tr>" + "".join(rows) + "</table>"
        if rows
        else '<p class="muted">no action</p>'
    )
    decisions = "".join(
        f'<li class="{"bad" if d.verdict in ("stop", "reject") else "warn"}">{_e(d.guard)}: {_e(d.verdict)} '
        f"{_e(d.detail)}</li>"
        for d in step.decisions
        if d.verdict != "ok"
    )
    timings = " · ".join(f"{k} {step.timings[k] * 1000:.0f} ms" for k in TIMING_KEYS if k in step.timings)
    tokens = step.tokens()
    attempts = "".join(
        f"<details><summary>model call {n} ({a.seconds * 1000:.0f} ms, {a.prompt_tokens} prompt / "
        f"{a.completion_tokens} completion tokens){' — parse error' if a.parse_error else ''}</summary>"
        + "".join(f"<pre><b>{_e(m.role)}</b>: {_e(m.text)}</pre>" for m in a.request)
        + f"<pre><b>reply</b>: {_e(a.reply)}</pre>"
        + (f'<pre class="bad">parse error: {_e(a.parse_error)}</pre>' if a.parse_error else "")
        + (f'<pre class="warn">{_e(a.note)}</pre>' if a.note else "")
        + "</details>"
        for n, a in enumerate(step.attempts, 1)
    )
    notes = "".join(f"<li>{_e(n)}</li>" for n in step.notes)
    return (
        f'<section class="step" id="step-{step.index}"><h2>Step {step.index}'
        f"{' — ' + _e(step.outcome) if step.outcome else ''}</h2>"
        f'<div class="cols"><div>{_screenshot_svg(trajectory, step)}'
        f'<div class="muted">{_e(step.observation.url or step.observation.app or "")} · screen '
        f"{step.observation.screen[0]}x{step.observation.screen[1]}, image "
        f"{step.observation.image[0]}x{step.observation.image[1]}</div></div>"
        f"<div><h3>Thought</h3><pre>{_e(step.thought) or '(none)'}</pre><h3>Actions</h3>{actions}"
        + (f"<h3>Guards</h3><ul>{decisions}</ul>" if decisions else "")
        + (f"<h3>Feedback to the model</h3><ul>{notes}</ul>" if notes else "")
        + f'<p class="muted">{_e(timings)}<br>tokens: {tokens["prompt"]} prompt, {tokens["completion"]} '
        f"completion, {tokens['image']} image</p>{attempts}</div></div></section>"
    )


def _gap_html(index: int, reason: str) -> str:
    return (
        f'<section class="step gap" id="step-{index}"><h2 class="bad">Step {index} — could not be read</h2>'
        f'<p class="muted">{_e(reason)}</p></section>'
    )


def _summary_table(steps: list[StepRecord]) -> str:
    head = "".join(
        f"<th>{k}</th>" for k in ("step", "actions", "outcome", "model ms", "overhead ms", "tokens")
    )
    rows = []
    for step in steps:
        total = step.timings.get("total", 0.0)
        model = step.timings.get("model", 0.0)
        acts = "; ".join(p.action.describe() for p in step.actions) or "—"
        tokens = step.tokens()
        rows.append(
            f'<tr><td><a href="#step-{step.index}">{step.index}</a></td><td><code>{_e(acts)}</code></td>'
            f'<td>{_e(step.outcome)}</td><td class="num">{model * 1000:.0f}</td>'
            f'<td class="num">{(total - model) * 1000:.0f}</td>'
            f'<td class="num">{tokens["prompt"] + tokens["completion"]}</td></tr>'
        )
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _when(stamp: float | None) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if stamp else "—"


def render_report(trajectory: Trajectory) -> str:
    """The report as one HTML string."""
    run = trajectory.run
    steps = trajectory.steps
    status: str = run.status if run else "unknown (no run.json: the run may have crashed)"
    if trajectory.run_problem:
        status = f"unknown ({trajectory.run_problem})"
    title = f"anyres-agent run: {run.task if run else trajectory.root.name}"
    banner = (
        '<div class="scripted">SCRIPTED RUN: the answers came from a script, not a model.</div>'
        if run and run.scripted
        else ""
    )
    tokens = sum(s.tokens()["prompt"] + s.tokens()["completion"] for s in steps)
    model_s = sum(s.timings.get("model", 0.0) for s in steps)
    total_s = sum(s.timings.get("total", 0.0) for s in steps)
    facts = [
        ("status", f'<b class="status-{_e(run.status if run else "")}">{_e(status)}</b>'),
        ("reason", _e(run.reason if run else "")),
        ("answer", _e(run.answer) if run and run.answer else "—"),
        ("steps", str(len(steps)) + (f", {len(trajectory.gaps)} unreadable" if trajectory.gaps else "")),
        ("model", _e(" / ".join(filter(None, [run.backend, run.model, run.family])) if run else "")),
        ("environment", _e(run.env if run else "")),
        ("started", _when(run.started_at if run else None)),
        ("finished", _when(run.finished_at if run else None)),
        ("time", f"{total_s:.2f} s in steps, of which model {model_s:.2f} s"),
        ("tokens", str(tokens)),
    ]
    facts_html = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts)
    sections = [(s.index, _step_html(trajectory, s)) for s in steps]
    sections += [(index, _gap_html(index, reason)) for index, reason in trajectory.gaps.items()]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{_e(title)}</h1></header>{banner}<main>"
        f"<table>{facts_html}</table><h2>Steps</h2>{_summary_table(steps)}"
        + "".join(html for _, html in sorted(sections, key=lambda item: item[0]))
        + "</main></body></html>"
    )


def write_report(
    record_dir: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    trajectory: Trajectory | None = None,
) -> Path:
    """Write a trajectory folder's report (record_dir/report.html by default); `trajectory` is the
    folder already read, when the caller has it."""
    if trajectory is None:
        trajectory = read_trajectory(record_dir)
    path = Path(output) if output is not None else Path(record_dir) / "report.html"
    atomic_write(path, render_report(trajectory).encode("utf-8"))
    return path
