"""The run's two halves: `RunState` (plain, serializable data) and `RunContext` (live handles).

A LangGraph checkpoint stores the state; the context is rebuilt on resume (`Agent.context()`).
Nothing in the state can hold a secret value, an image or a connection.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.guards import ConfirmationRequest, Decision, LoopTracker, Usage
from anyres_agent.agent.history import HistoryPolicy, ImageStore, StepMemory
from anyres_agent.agent.secrets import SecretStore
from anyres_agent.agent.trajectory import RecordingError, RunStatus, StepRecord, TrajectoryRecorder
from anyres_agent.environments.base import Observation
from anyres_agent.environments.png import PngEncoder
from anyres_agent.model.backends.base import Backend
from anyres_agent.model.conversation import GenerationSettings
from anyres_agent.model.families.base import Family, HistoryStep
from anyres_agent.tools import NO_TOOLS, Toolbox

if TYPE_CHECKING:
    from anyres_agent.agent.guard_hooks import Guard

Phase = Literal["observe", "think", "guard", "confirm", "act", "record", "done"]


class Tokens(BaseModel):
    prompt: int = 0
    completion: int = 0
    image: int = 0

    @property
    def total(self) -> int:
        return self.prompt + self.completion


class RunState(BaseModel):
    """Everything a run needs to continue, as plain data. Secrets appear only as placeholders."""

    run_id: str
    task: str
    phase: Phase = "observe"
    status: RunStatus = "running"
    reason: str = ""
    answer: str | None = None
    steps_done: int = 0
    seconds_spent: float = 0.0
    tokens: Tokens = Field(default_factory=Tokens)
    history: list[StepMemory] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="feedback for the next prompt")
    loop: LoopTracker = Field(default_factory=LoopTracker)
    step: StepRecord | None = Field(None, description="the step in flight")

    def usage(self) -> Usage:
        return Usage(steps=self.steps_done, seconds=self.seconds_spent, tokens=self.tokens.total)

    def end(self, status: RunStatus, reason: str) -> None:
        """Mark the run over; the step in flight is still recorded before the phase becomes done."""
        if self.status == "running":
            self.status, self.reason = status, reason
        self.phase = "record" if self.step is not None else "done"


class StepEvent(BaseModel):
    """What the loop reports as it goes: the CLI prints these, LangGraph streaming can reuse them."""

    kind: Literal[
        "run_started", "observed", "model", "parse_error", "guard", "action", "step", "run_finished"
    ]
    step: int = 0
    message: str = ""
    data: dict[str, Any] = Field(default_factory=dict)


ConfirmCallback = Callable[[ConfirmationRequest], "Decision | Awaitable[Decision]"]
EventCallback = Callable[[StepEvent], "Awaitable[None] | None"]


@dataclass
class RunContext:
    """The live side of a run: handles that cannot (and must not) be serialized."""

    env: Any
    backend: Backend
    family: Family
    config: AgentConfig = field(default_factory=AgentConfig)
    secrets: SecretStore = field(default_factory=SecretStore)
    confirm: ConfirmCallback | None = None
    recorder: TrajectoryRecorder | None = None
    on_event: EventCallback | None = None
    settings: GenerationSettings | None = None
    images: ImageStore | None = None
    stop_requested: bool = False
    observation: Observation | None = None
    thumb: Callable[[], bytes] | None = None  # this step's screen, computed on demand
    previous_thumb: Callable[[], bytes] | None = None  # the last step's; gone after a resume
    pending_write: asyncio.Future[None] | None = None  # the last step's files, written meanwhile
    history_text: dict[int, HistoryStep] = field(default_factory=dict)  # past steps built for prompts
    model_encoder: PngEncoder = field(default_factory=PngEncoder)  # model images, changed rows only
    rechecked: int | None = None  # the step whose approved targets this process has read again
    record_problems: list[str] = field(default_factory=list)  # files that could not be written
    tools: Toolbox = NO_TOOLS  # custom tools the model may call (their handlers run in `act`)
    guards: list[Guard] | None = None  # checks of every planned action; None: default_guards()

    def __post_init__(self) -> None:
        if self.images is None:
            self.images = ImageStore(HistoryPolicy.of(self.config).most_images)

    async def flush(self) -> None:
        """Wait for the last step's screenshot and JSON to reach the disk (written in the background);
        a failed write is raised as a RecordingError that says which file."""
        if self.pending_write is not None:
            write, self.pending_write = self.pending_write, None
            try:
                await write
            except RecordingError:
                raise
            except Exception as error:  # encoding the frame, or anything else on the writer's thread
                raise RecordingError(
                    f"could not write the last step: {type(error).__name__}: {error}"
                ) from None

    async def emit(self, event: StepEvent) -> None:
        if self.on_event is not None:
            await call_maybe_async(self.on_event, event)


async def call_maybe_async(function: Callable[..., Any], *args: Any) -> Any:
    result = function(*args)
    return await result if inspect.isawaitable(result) else result
