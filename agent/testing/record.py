"""Each UI call as a trajectory step, so a failed test gets the same HTML report as an agent run.

A test step is written with the agent's own recorder (agent.trajectory) and rendered by its report
(agent.report): one screenshot per step with the grounded box and the click drawn in screen space,
the model calls with their answers, and whether the box came from the cache.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from anyres_agent.agent.report import write_report
from anyres_agent.agent.secrets import SecretStore
from anyres_agent.agent.trajectory import (
    Attempt,
    ObservationInfo,
    PlannedAction,
    RunRecord,
    RunStatus,
    SentMessage,
    StepRecord,
    TrajectoryRecorder,
)
from anyres_agent.environments.base import Observation
from anyres_agent.model.answer import Box
from anyres_agent.model.conversation import Message, ModelReply
from anyres_agent.model.frame import Frame
from anyres_agent.tools import Action


@dataclass
class StepSummary:
    """What a caller (a benchmark, a flow runner) wants to know of a finished step."""

    index: int
    kind: str
    text: str
    source: str
    ok: bool
    seconds: float
    model_seconds: float
    action_seconds: float
    model_calls: int


class StepLog:
    """The record folder of one UI session (one test): step JSON, screenshots, run.json, report."""

    def __init__(
        self,
        root: str | Path,
        *,
        name: str,
        env: str,
        backend: str,
        model: str,
        family: str,
        secrets: SecretStore | None = None,
    ) -> None:
        self.root = Path(root)
        self.recorder = TrajectoryRecorder(self.root, secrets)
        self.run = RunRecord(
            id=uuid.uuid4().hex[:12],
            task=name,
            env=env,
            backend=backend,
            model=model,
            family=family,
            scripted=backend == "scripted",
        )
        self.recorder.write_run(self.run)
        self.summaries: list[StepSummary] = []
        self._next = 1

    def begin(self, kind: str, text: str) -> StepRecord:
        step = StepRecord(index=self._next, thought=f"{kind}: {text}" if text else kind)
        self._next += 1
        return step

    def attempt(
        self, step: StepRecord, messages: list[Message], reply: ModelReply, seconds: float, error: str | None
    ) -> None:
        step.attempts.append(
            Attempt(
                request=[SentMessage(role=m.role, text=m.plain_text()) for m in messages],
                reply=reply.text,
                prompt_tokens=reply.prompt_tokens,
                completion_tokens=reply.completion_tokens,
                image_tokens=reply.image_tokens,
                seconds=seconds,
                parse_error=error,
            )
        )

    def action(
        self, step: StepRecord, action: Action, box: Box | None, *, ok: bool, seconds: float, note: str = ""
    ) -> None:
        step.actions.append(
            PlannedAction(
                action=action.model_dump(mode="json"),
                box=box.model_dump(include={"x1", "y1", "x2", "y2"}) if box else None,
                decision="approved",
                executed=True,
                ok=ok,
                note=note,
                seconds=seconds,
            )
        )

    def finish(
        self,
        step: StepRecord,
        observation: Observation | None,
        *,
        outcome: str,
        ok: bool,
        frame: Frame | None = None,
        source: str = "",
        timings: dict[str, float] | None = None,
    ) -> str | None:
        """Write the step; returns the screenshot path (absolute) for error messages."""
        step.finished_at = time.time()
        step.outcome = outcome
        if timings is not None:
            step.timings = dict(timings)
        step.timings.setdefault("total", step.finished_at - step.started_at)
        shot: str | None = None
        if observation is not None:
            step.observation = ObservationInfo(
                url=observation.url,
                app=observation.app,
                text=observation.text,
                screen=(observation.screen.width, observation.screen.height),
                image=observation.screenshot.size,
            )
            step.screenshot = self.recorder.write_screenshot(step.index, observation.screenshot)
            shot = str((self.root / step.screenshot).resolve())
        if frame is not None:
            step.frame = {"description": frame.describe()}
        self.recorder.write_step(step)
        kind, _, text = step.thought.partition(": ")
        self.summaries.append(
            StepSummary(
                index=step.index,
                kind=kind,
                text=text,
                source=source,
                ok=ok,
                seconds=step.timings["total"],
                model_seconds=step.timings.get("model", 0.0),
                action_seconds=step.timings.get("execute", 0.0),
                model_calls=len(step.attempts),
            )
        )
        self.run.steps = len(self.summaries)
        return shot

    def close(self, status: RunStatus, reason: str = "") -> None:
        self.run.status = status
        self.run.reason = reason
        self.run.finished_at = time.time()
        self.recorder.write_run(self.run)

    def write_report(self, path: str | os.PathLike[str] | None = None) -> Path:
        """The self-contained HTML report of every step so far (record folder/report.html by default)."""
        return write_report(self.root, path)
