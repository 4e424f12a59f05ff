"""A study: a results folder holding study.json (protocol, model, versions), episodes.jsonl (one line
per finished episode) and index.html (the summary page linking each episode's report).

`run_study` resumes: episodes already in episodes.jsonl are skipped, and a folder made under another
protocol or model is refused before anything runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from anyres_agent.agent.eval.episode import hard_limit
from anyres_agent.agent.eval.html_report import write_study_page
from anyres_agent.agent.eval.models import ModelProvider
from anyres_agent.agent.eval.protocol import (
    Protocol,
    ProtocolMismatchError,
    RunnerInfo,
    Selection,
    StudyRecord,
    check_same_study,
    software_versions,
)
from anyres_agent.agent.eval.results import EpisodeResult, ResultsFile, episode_key
from anyres_agent.agent.eval.suite import Suite, SuiteError
from anyres_agent.agent.trajectory import atomic_write

if TYPE_CHECKING:
    from anyres_agent.agent.eval.sources import SuiteSource

STUDY_FILE = "study.json"
RESULTS_FILE = "episodes.jsonl"
PAGE_FILE = "index.html"


class Scale(BaseModel):
    """Where the episodes run: asyncio workers in this process, or Ray actors."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    runner: Literal["local", "ray"] = "local"
    workers: int = 1
    max_inflight: int = 1
    ray_address: str | None = None
    headless: bool = True
    hard_limit_s: float | None = Field(
        None, gt=0, description="cancel an episode after this (max_seconds + 20)"
    )


class StudyOutcome(BaseModel):
    folder: Path
    tasks: tuple[str, ...] = Field(description="the selection's tasks, in the order they were asked for")
    results: list[EpisodeResult]
    ran: int
    skipped: int
    page: Path


def read_study(folder: Path) -> StudyRecord | None:
    path = folder / STUDY_FILE
    if not path.exists():
        return None
    try:
        return StudyRecord.model_validate_json(path.read_bytes())
    except (ValidationError, ValueError):
        raise ProtocolMismatchError(
            f"{path} is not a study record of this version; choose another --out folder"
        ) from None


def write_study(folder: Path, record: StudyRecord) -> None:
    atomic_write(folder / STUDY_FILE, json.dumps(record.model_dump(mode="json"), indent=1).encode())


def pending_episodes(selection: Selection, finished: set[str]) -> list[tuple[str, int]]:
    return [(t, s) for t in selection.tasks for s in selection.seeds if episode_key(t, s) not in finished]


async def run_study(
    suite: Suite,
    selection: Selection,
    protocol: Protocol,
    provider: ModelProvider,
    out: Path,
    scale: Scale,
    *,
    on_start: Callable[[int, int], None] = lambda pending, skipped: None,
    on_result: Callable[[EpisodeResult], None] = lambda result: None,
    suite_source: SuiteSource | None = None,
) -> StudyOutcome:
    """Run what is missing from `out`, append each episode as it ends, and write the summary page."""
    wanted = StudyRecord(
        protocol=protocol, selection=selection, model=provider.record(),
        versions=software_versions("miniwob", "ray"), workers=scale.workers,
        max_inflight=scale.max_inflight, runner=scale.runner,
    )  # fmt: skip
    recorded = read_study(out)
    if recorded is not None:
        check_same_study(recorded, wanted, str(out))
        wanted = wanted.model_copy(update={"created_at": recorded.created_at, "browser": recorded.browser})
    out.mkdir(parents=True, exist_ok=True)
    write_study(out, wanted)
    results_file = ResultsFile(out / RESULTS_FILE)
    done = {r.key: r for r in results_file.load()}
    pending = pending_episodes(selection, set(done))
    on_start(len(pending), selection.episodes - len(pending))

    def record(result: EpisodeResult) -> None:
        results_file.append(result)
        done[result.key] = result
        on_result(result)

    info = RunnerInfo(browser=wanted.browser, server_profile=wanted.model.server_profile)
    if pending:
        if scale.runner == "ray":
            from anyres_agent.agent.eval.ray_runner import run_on_ray

            if suite_source is None:
                raise SuiteError("a Ray study needs the suite's source to open it on each actor")
            info = await run_on_ray(
                suite_source, pending, protocol=protocol, choice=provider.choice, out=out, scale=scale,
                on_result=record,
            )  # fmt: skip
        else:
            from anyres_agent.agent.eval.local import run_local

            info = await run_local(
                suite, pending, protocol=protocol, provider=provider, out=out, workers=scale.workers,
                on_result=record, limit=hard_limit(protocol, scale.hard_limit_s), headless=scale.headless,
            )  # fmt: skip
    model = wanted.model.model_copy(update={"server_profile": info.server_profile})
    final = wanted.model_copy(update={"model": model, "browser": info.browser or wanted.browser})
    write_study(out, final)
    keys = [episode_key(t, s) for t in selection.tasks for s in selection.seeds]
    results = [done[k] for k in keys if k in done]
    page = write_study_page(out / PAGE_FILE, final, results)
    return StudyOutcome(
        folder=out,
        tasks=selection.tasks,
        results=results,
        ran=len(pending),
        skipped=len(keys) - len(pending),
        page=page,
    )
