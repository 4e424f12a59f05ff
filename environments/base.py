"""The one small protocol every device adapter implements, and the errors adapters raise.

An adapter knows its device and nothing about models: it captures an `Observation` (the screenshot in
image space plus the size of screen space, where actions land) and executes `tools` actions given in
screen space. The device pixel ratio is *measured* (image width / screen width), never trusted from
what the platform reports.
"""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from anyres_agent.environments.screenshot import Screenshot
from anyres_agent.tools import Action


class Size(BaseModel):
    model_config = ConfigDict(frozen=True)
    width: int = Field(gt=0)
    height: int = Field(gt=0)

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"


class Observation(BaseModel):
    """What an adapter sees at one moment."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    screenshot: Screenshot = Field(description="pixels as captured (image space)")
    screen: Size = Field(description="size of screen space, where actions land")
    url: str | None = None
    app: str | None = Field(None, description="foreground app or window, where the device knows it")
    text: str | None = Field(None, description="any other text the device offers (tabs, dialogs)")
    cursor: tuple[int, int] | None = Field(
        None, description="where the pointer is (screen space), where the device has one and knows it"
    )
    captured_at: float = Field(default_factory=time.time)

    @property
    def dpr(self) -> float:
        """Device pixel ratio, measured: image width over screen width."""
        return self.screenshot.width / self.screen.width

    @property
    def dpr_y(self) -> float:
        return self.screenshot.height / self.screen.height


class ExecutionResult(BaseModel):
    """What happened when an action ran: `note` is told to the model (a blocked domain, a new tab)."""

    model_config = ConfigDict(frozen=True)
    ok: bool = True
    note: str = ""


class Target(BaseModel):
    """What an action is about to land on, as far as the device can read it: the element under a point
    or the field that has the keyboard focus. Risk checks judge this, not only the model's words."""

    model_config = ConfigDict(frozen=True)
    description: str = Field(
        "", description="what it is, e.g. 'button \"Pay $500\"' or 'window \"Terminal\"'"
    )
    field: str | None = Field(None, description='a text field\'s kind ("password", "text", "textarea"...)')
    location: str | None = Field(None, description="where it lives: its document's URL, the app, the window")
    hidden: bool = Field(False, description="the device could not read it (a closed shadow root...)")

    def __str__(self) -> str:
        where = f" at {self.location}" if self.location else ""
        return (self.description or "something unreadable") + where


class EnvironmentError_(RuntimeError):
    """Base class of adapter errors; `restart_required` says whether the adapter can go on."""

    def __init__(self, message: str, *, restart_required: bool = False) -> None:
        super().__init__(message)
        self.restart_required = restart_required


class DeviceUnavailableError(EnvironmentError_):
    """The device cannot be reached at all: no display, no browser, no phone, a closed page."""


class ActionRejectedError(EnvironmentError_):
    """The action cannot run here: off screen, not supported by this device, unknown key."""


@runtime_checkable
class Environment(Protocol):
    """A device the agent can see and act on. Implementations are async; slow calls go to threads."""

    name: str

    async def observe(self) -> Observation: ...

    async def execute(self, action: Action) -> ExecutionResult: ...

    def supported_actions(self) -> frozenset[str]: ...

    async def close(self) -> None: ...


def check_on_screen(action: Action, screen: Size) -> None:
    """Raise ActionRejectedError when a positional action falls outside screen space."""
    points = []
    for xk, yk in (("x", "y"), ("to_x", "to_y")):
        x, y = getattr(action, xk, None), getattr(action, yk, None)
        if x is not None and y is not None:
            points.append((x, y))
    for x, y in points:
        if not (0 <= x < screen.width and 0 <= y < screen.height):
            raise ActionRejectedError(
                f"{action.type} at ({x}, {y}) is off the {screen} screen; coordinates are screen-space "
                f"pixels from 0 to {screen.width - 1} x 0 to {screen.height - 1}"
            )


def pointer_after(action: Action, screen: Size) -> tuple[int, int] | None:
    """Where a pointer action leaves the pointer (a scroll without a point scrolls at the centre), or
    None for an action that does not move it. Adapters with a pointer keep this as their cursor, so a
    model whose official format clicks "where the pointer is" can be read (Qwen's coordinate-less
    left_click)."""
    match action.type:
        case "click" | "move" | "long_press":
            return action.x, action.y
        case "drag":
            return action.to_x, action.to_y
        case "scroll":
            if action.x is not None and action.y is not None:
                return action.x, action.y
            return screen.width // 2, screen.height // 2
    return None
