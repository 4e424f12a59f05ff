"""index.html of a study: one self-contained page with the record, the summary per task and a line
per episode linking its own report (relative links, so the folder can be moved or zipped whole)."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from anyres_agent.agent.eval.protocol import StudyRecord
from anyres_agent.agent.eval.results import EpisodeResult, TaskSummary, by_group, by_task
from anyres_agent.agent.report import CSS
from anyres_agent.agent.trajectory import atomic_write


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _summary_rows(rows: Sequence[TaskSummary], bold: bool = False) -> str:
    out = []
    for row in rows:
        name = f"<b>{_e(row.name)}</b>" if bold else _e(row.name)
        cells = "".join(f'<td class="num">{_e(c)}</td>' for c in row.cells())
        out.append(f"<tr><td>{name}</td>{cells}</tr>")
    return "".join(out)


def _episode_rows(results: Sequence[EpisodeResult]) -> str:
    out = []
    for r in results:
        link = f'<a href="{_e(r.report)}">report</a>' if r.report else "—"
        verdict = '<b class="ok">success</b>' if r.success else '<b class="bad">failure</b>'
        out.append(
            f"<tr><td>{_e(r.task)}</td><td class=num>{r.seed}</td><td>{verdict}</td>"
            f'<td class="num">{r.reward:.3f}</td><td class="num">{r.raw_reward:g}</td>'
            f'<td class="num">{r.steps}</td><td class="num">{r.tokens}</td>'
            f'<td class="num">{r.model_seconds:.2f}</td><td class="num">{r.overhead_seconds:.2f}</td>'
            f"<td>{_e(r.harness)}</td><td>{_e(r.reason)}</td><td>{_e(r.utterance)}</td><td>{link}</td></tr>"
        )
    return "".join(out)


HEAD = (
    "<tr><th>task</th><th>success (raw reward &gt; 0)</th><th>reward (time-discounted)</th>"
    "<th>raw reward</th><th>steps</th><th>tokens</th><th>model s</th><th>overhead s</th>"
    "<th>time-outs/errors</th></tr>"
)


def render_study_page(record: StudyRecord, results: Sequence[EpisodeResult]) -> str:
    model = record.model
    title = f"anyres-agent study: {record.selection.suite} with {model.model}"
    banner = (
        '<div class="scripted">HARNESS CHECK: the answers came from a stand-in '
        f"({_e(model.model)}), not a model. This is not a model score.</div>"
        if model.stand_in
        else ""
    )
    facts = {
        "model": model.model,
        "endpoint": model.endpoint or "(local weights or stand-in)",
        "family": model.family,
        "pixel budget": f"min {model.min_pixels} / max {model.max_pixels}",
        "server profile": model.server_profile or "—",
        "runner": f"{record.runner}, {record.workers} worker(s), "
        f"{record.max_inflight} model request(s) in flight",
        "browser": record.browser,
        "created": datetime.fromtimestamp(record.created_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    }
    facts_html = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts.items())
    protocol = json.dumps(record.protocol.model_dump(mode="json"), indent=1)
    versions = json.dumps(record.versions, indent=1)
    episode_head = (
        "<tr><th>task</th><th>seed</th><th>verdict</th><th>reward</th><th>raw</th><th>steps</th>"
        "<th>tokens</th><th>model s</th><th>overhead s</th><th>harness</th><th>reason</th>"
        "<th>utterance</th><th>report</th></tr>"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{_e(title)}</h1>{len(results)} episode(s)</header>{banner}<main>"
        f"<table>{facts_html}</table>"
        f"<h2>Summary</h2><table>{HEAD}{_summary_rows(by_group(results), bold=True)}"
        f"{_summary_rows(by_task(results, record.selection.tasks))}</table>"
        f"<details><summary>protocol</summary><pre>{_e(protocol)}</pre></details>"
        f"<details><summary>versions</summary><pre>{_e(versions)}</pre></details>"
        f"<h2>Episodes</h2><table>{episode_head}{_episode_rows(results)}</table>"
        "</main></body></html>"
    )


def write_study_page(path: Path, record: StudyRecord, results: Sequence[EpisodeResult]) -> Path:
    atomic_write(path, render_study_page(record, results).encode("utf-8"))
    return path
