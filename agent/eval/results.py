"""Episode results: one JSON line each, appended as episodes finish, so a study can be resumed.

A rerun reads the lines already there and skips those episodes. A line cut short by a crash is
ignored (that episode runs again); every complete line is kept.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

HarnessStatus = Literal["finished", "timeout", "error"]


def episode_key(task: str, seed: int) -> str:
    return f"{task}@{seed}"


class EpisodeResult(BaseModel):
    """One episode: the score read from the page, what the agent spent, and where its report is."""

    model_config = ConfigDict(extra="forbid")

    task: str
    seed: int
    harness: HarnessStatus = Field(
        "finished", description="finished; timeout (cancelled at the hard limit); error (harness failure)"
    )
    success: bool = Field(description="the headline: raw reward > 0")
    reward: float = Field(0.0, description="the page's time-discounted reward")
    raw_reward: float = Field(0.0, description="the page's reward without the time discount")
    page_done: bool = Field(False, description="the page ended the episode itself")
    reason: str = Field("", description="why the episode ended, from the page or the run")
    utterance: str = ""
    run_status: str = ""
    run_reason: str = ""
    steps: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    image_tokens: int = 0
    seconds: float = Field(0.0, description="the episode's wall time, set-up included")
    model_seconds: float = Field(0.0, description="waiting for the model, summed over steps")
    overhead_seconds: float = Field(0.0, description="step time not spent waiting for the model")
    report: str | None = Field(None, description="the episode's report, relative to the results folder")
    worker: str = ""
    finished_at: float = Field(default_factory=time.time)

    @property
    def key(self) -> str:
        return episode_key(self.task, self.seed)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class ResultsFile:
    """episodes.jsonl in a results folder; appends are whole lines, flushed and fsynced one by one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def load(self) -> list[EpisodeResult]:
        """The complete episodes recorded so far (last one wins for a key run twice)."""
        if not self.path.exists():
            return []
        found: dict[str, EpisodeResult] = {}
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    result = EpisodeResult.model_validate_json(line)
                except (ValidationError, ValueError):
                    continue  # a line cut short by a crash: that episode runs again
                found[result.key] = result
        return list(found.values())

    def append(self, result: EpisodeResult) -> None:
        line = json.dumps(result.model_dump(mode="json"), ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self._ends_mid_line():  # a line cut short by a crash: never glue a new one onto it
                line = "\n" + line
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())

    def _ends_mid_line(self) -> bool:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return False
        with self.path.open("rb") as handle:
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) != b"\n"


class TaskSummary(BaseModel):
    """One row of the summary table (a task, or a group of tasks)."""

    name: str
    episodes: int
    successes: int
    reward: float
    raw_reward: float
    steps: float
    tokens: float
    model_seconds: float
    overhead_seconds: float
    timeouts: int
    errors: int

    @property
    def success_rate(self) -> float:
        return self.successes / self.episodes if self.episodes else 0.0

    def cells(self) -> list[str]:
        """The row's numbers as the summary tables show them (terminal and HTML), after its name."""
        return [
            f"{self.successes}/{self.episodes} ({self.success_rate:.0%})",
            f"{self.reward:.3f}",
            f"{self.raw_reward:.3f}",
            f"{self.steps:.1f}",
            f"{self.tokens:.0f}",
            f"{self.model_seconds:.2f}",
            f"{self.overhead_seconds:.2f}",
            f"{self.timeouts}/{self.errors}",
        ]


def summarize(name: str, results: Iterable[EpisodeResult]) -> TaskSummary:
    """Means per episode; an error or a time-out counts as a failure with reward 0."""
    rows = list(results)
    count = max(1, len(rows))

    def mean(values: Iterable[float]) -> float:
        return sum(values) / count

    return TaskSummary(
        name=name,
        episodes=len(rows),
        successes=sum(r.success for r in rows),
        reward=mean(r.reward for r in rows),
        raw_reward=mean(r.raw_reward for r in rows),
        steps=mean(r.steps for r in rows),
        tokens=mean(r.tokens for r in rows),
        model_seconds=mean(r.model_seconds for r in rows),
        overhead_seconds=mean(r.overhead_seconds for r in rows),
        timeouts=sum(r.harness == "timeout" for r in rows),
        errors=sum(r.harness == "error" for r in rows),
    )


def by_task(results: Iterable[EpisodeResult], order: Iterable[str] = ()) -> list[TaskSummary]:
    """One summary per task, in `order` first, then any other task seen, alphabetically."""
    groups: dict[str, list[EpisodeResult]] = {}
    for result in results:
        groups.setdefault(result.task, []).append(result)
    names = [t for t in order if t in groups] + sorted(set(groups) - set(order))
    return [summarize(name, groups[name]) for name in names]


def by_group(results: Iterable[EpisodeResult]) -> list[TaskSummary]:
    """The headline rows: single-screen tasks, and flight tasks apart (never folded into one mean)."""
    from anyres_agent.agent.eval.miniwob import is_flight_task

    rows = list(results)
    flights = [r for r in rows if is_flight_task(r.task)]
    others = [r for r in rows if not is_flight_task(r.task)]
    if not flights or not others:
        return [summarize("all tasks", rows)] if rows else []
    return [summarize("all but flight", others), summarize("flight tasks", flights)]
