"""What every model family provides: prompts in its trained format, its frame, and its parser.

A family is a small declarative unit (after Midscene's per-model adapters): it knows how its model
was trained to be prompted for an action space, what its numbers mean, and how to read its answers
back into `tools` actions in screen space. It never imports an environment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from anyres_agent.model.answer import Box, ParsedAnswer
from anyres_agent.model.conversation import ImageLike, Message
from anyres_agent.model.frame import CoordinateSpace, Fit, Frame
from anyres_agent.tools import NO_TOOLS, Action, Toolbox


class HistoryStep(BaseModel):
    """One earlier step as the loop hands it to a family when building the next prompt."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    index: int = Field(0, ge=0, description="the step's own number in the run (0: count from 1 here)")
    notes: list[str] = Field(
        default_factory=list, description="the notes its prompt showed with its screenshot, in order"
    )
    thought: str = ""
    actions: list[Action] = Field(default_factory=list)
    raw: str = Field("", description="the model's own answer text, secrets already masked")
    frame: Frame | None = None
    screenshot: ImageLike | None = Field(None, description="resized screenshot, or None once dropped")
    note: str = Field("", description="feedback after the step (an execution note, a parse error)")


class Family(Protocol):
    name: str
    space: CoordinateSpace
    factor: int
    min_pixels: int
    max_pixels: int

    def frame(
        self,
        *,
        screen: tuple[int, int],
        image: tuple[int, int],
        min_pixels: int | None = None,
        max_pixels: int | None = None,
        fit: Fit = "resize",
    ) -> Frame:
        """The frame for a screenshot of `image` (W, H) on a `screen` (W, H); `fit` as in Frame.build."""
        ...

    def build_messages(
        self,
        *,
        task: str,
        actions: frozenset[str],
        frame: Frame,
        screenshot: ImageLike,
        history: Sequence[HistoryStep] = (),
        notes: Sequence[str] = (),
        context: Sequence[str] = (),
        extras: frozenset[str] = frozenset(),
        tools: Toolbox = NO_TOOLS,
    ) -> list[Message]:
        """The full conversation for the next step; `screenshot` is already sized to the frame.

        `notes` go with this step's screenshot; `context` (the same every step) follows the task.
        `actions` is what the environment can do (it picks the official template: computer or
        mobile); `extras` are project actions beyond that template the environment opted in to,
        which get lines of their own; `tools` (custom tools) are offered in the family's format.
        Without extras and tools the prompt is the official template."""
        ...

    def grounding_messages(self, *, instruction: str, frame: Frame, screenshot: ImageLike) -> list[Message]:
        """One-call grounding: 'where is <instruction>?' in the family's grounding prompt."""
        ...

    def parse(
        self,
        text: str,
        frame: Frame,
        *,
        clamp: bool = False,
        cursor: tuple[int, int] | None = None,
        tools: Toolbox = NO_TOOLS,
    ) -> ParsedAnswer:
        """Actions in screen space (custom tool calls as `ToolCall`), or raise model.answer.ParseError.
        `cursor` is the pointer's screen position, for formats that act where the pointer is (a Qwen
        `left_click` with no coordinate)."""
        ...

    def check_tools(self, tools: Toolbox) -> None:
        """Raise ValueError when a custom tool is named like one of the family's own actions."""
        ...

    def parse_grounding(self, text: str, frame: Frame, *, clamp: bool = False) -> Box:
        """The grounded box in screen space (a point gives a zero-size box), or raise ParseError."""
        ...

    def render(self, actions: Sequence[Action], frame: Frame, *, thought: str = "") -> str:
        """Write screen-space actions the way this family's model would (tests, replays, history)."""
        ...

    def render_grounding(self, box: Box, frame: Frame) -> str:
        """Write a screen-space box the way this family answers a grounding prompt."""
        ...
