"""What a study promises to have measured: the protocol (pinned, recorded, compared on resume) and the
reproducibility record (versions, model, endpoint, family, pixel budget, server profile).

A rerun into the same results folder must use the same protocol, or its episodes would not be
comparable with the ones already there: `check_same_protocol` refuses a mismatch in one line.
"""

from __future__ import annotations

import platform
import sys
import time
from importlib import metadata
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PageTimer = Literal["off", "task"]

BROWSERGYM_EPISODE_MAX_TIME_MS = 1_000_000
"""BrowserGym's MiniWoB default `episode_max_time` (ServiceNow/BrowserGym,
browsergym/miniwob/src/browsergym/miniwob/base.py): in effect no page-side time-out."""


class Protocol(BaseModel):
    """The knobs that change an episode's score. Episodes are comparable only when these are equal;
    which tasks and seeds a study runs may grow between reruns (see `Selection`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_steps: int = Field(10, ge=1, le=1000, description="steps per episode (AgentLab uses 10 for MiniWoB)")
    max_seconds: float = Field(120.0, gt=0, description="wall time per episode before the run stops")
    page_timer: PageTimer = Field(
        "off",
        description="off: the page never ends an episode for time (BrowserGym's convention) but still "
        "computes its time-discounted reward against the task's own limit; task: the page's own timer "
        "ends the episode with -1 at its limit (10 s for most tasks, 30 s for book-flight)",
    )
    dpr: float = Field(2.0, gt=0, le=4, description="device scale factor: image pixels per CSS pixel")
    history_images: int = Field(2, ge=0, le=20)
    settle_seconds: float = Field(
        0.05, ge=0, le=5, description="pause after a click or key, before observing"
    )

    def differences(self, other: Protocol) -> list[str]:
        """'max_steps 10 here, 15 there' for each field that differs."""
        mine, theirs = self.model_dump(), other.model_dump()
        return [
            f"{key} {mine[key]!r} here, {theirs[key]!r} there" for key in mine if mine[key] != theirs[key]
        ]


class Selection(BaseModel):
    """Which episodes a study runs: every task with every seed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    suite: str = Field(description="'miniwob' or the user suite's name")
    tasks: tuple[str, ...] = Field(min_length=1)
    seeds: tuple[int, ...] = Field(min_length=1, description="one episode per task and seed")

    @property
    def episodes(self) -> int:
        return len(self.tasks) * len(self.seeds)


class ModelRecord(BaseModel):
    """Which model answered, and the image budget it was sent (what decides coordinates)."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(description="the model id: a served name, a preset, 'oracle' or 'random'")
    endpoint: str | None = None
    family: str
    min_pixels: int | None = None
    max_pixels: int | None = None
    server_profile: str | None = Field(None, description="the server kind the client spoke to (vllm...)")
    stand_in: bool = Field(False, description="true for the oracle and the random clicker: no model ran")


class RunnerInfo(BaseModel):
    """What the runner learnt while running: the browser's version, the server kind it detected."""

    browser: str = ""
    server_profile: str | None = None


class StudyRecord(BaseModel):
    """study.json: the protocol, the model and the software that produced the episodes beside it."""

    model_config = ConfigDict(extra="forbid")

    protocol: Protocol
    selection: Selection
    model: ModelRecord
    versions: dict[str, str] = Field(default_factory=dict)
    browser: str = ""
    workers: int = 1
    max_inflight: int = 1
    runner: str = Field("local", description="local (asyncio in one process) or ray")
    created_at: float = Field(default_factory=time.time)


def software_versions(*extra: str) -> dict[str, str]:
    """Python, the platform, and each installed distribution named (ours, playwright, miniwob...)."""
    found = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in ("anyres-agent", "playwright", "httpx", "pydantic", *extra):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


class ProtocolMismatchError(ValueError):
    """A rerun into a results folder made under another protocol or model."""


def check_same_study(recorded: StudyRecord, wanted: StudyRecord, folder: str) -> None:
    """Refuse to mix episodes of two protocols (or two models) in one results folder."""
    differences = wanted.protocol.differences(recorded.protocol)
    if wanted.selection.suite != recorded.selection.suite:
        differences.append(f"suite {wanted.selection.suite!r} here, {recorded.selection.suite!r} there")
    for key in ("model", "endpoint", "family", "min_pixels", "max_pixels"):
        mine, theirs = getattr(wanted.model, key), getattr(recorded.model, key)
        if mine != theirs:
            differences.append(f"{key} {mine!r} here, {theirs!r} there")
    if differences:
        raise ProtocolMismatchError(
            f"{folder} holds episodes of another study ({'; '.join(differences[:3])}); "
            "rerun with the same settings to resume it, or choose another --out folder"
        )
