"""The action vocabulary: what an agent can do to a screen, in screen coordinates.

Every action is a frozen pydantic model that validates itself on construction, so a malformed
action never reaches a device. Coordinates are integers in *screen space* (CSS pixels in a browser,
the input API's logical pixels on a desktop, device pixels on a phone); converting from what a
model emits is the job of `model/`, never of an adapter.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from anyres_agent.tools.keys import normalize_key, split_combo

MAX_COORDINATE = 100_000  # far beyond any real screen (an 8K display is 7680 wide)


def _to_pixel(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"a coordinate must be a number, got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"a coordinate must be finite, got {value!r}")
    if value < 0:
        raise ValueError(f"a coordinate must be >= 0 (screen space starts at the top-left), got {value!r}")
    if value > MAX_COORDINATE:
        raise ValueError(f"a coordinate must be <= {MAX_COORDINATE}, got {value!r}")
    return round(value)


Pixel = Annotated[
    int,
    Field(ge=0, le=MAX_COORDINATE, description="screen-space pixels from the left/top edge"),
    BeforeValidator(_to_pixel),
]
Seconds = Annotated[float, Field(ge=0, le=600, allow_inf_nan=False)]
NonEmptyText = Annotated[str, Field(min_length=1, max_length=100_000)]


class _Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    positional: ClassVar[bool] = False
    type: str  # each action narrows this to its own Literal name

    def describe(self) -> str:
        """A short human-readable line, used in history text and reports."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.model_dump(exclude={"type"}).items())
        return f"{self.type}({args})"


class Click(_Action):
    """Press and release a mouse button (or tap) at a point; count=2 is a double click."""

    type: Literal["click"] = "click"
    positional: ClassVar[bool] = True
    x: Pixel
    y: Pixel
    button: Literal["left", "right", "middle"] = "left"
    count: int = Field(1, ge=1, le=3)


class Move(_Action):
    """Move the pointer without clicking (hover)."""

    type: Literal["move"] = "move"
    positional: ClassVar[bool] = True
    x: Pixel
    y: Pixel


class Drag(_Action):
    """Press at (x, y), move to (to_x, to_y), release."""

    type: Literal["drag"] = "drag"
    positional: ClassVar[bool] = True
    x: Pixel
    y: Pixel
    to_x: Pixel
    to_y: Pixel


class Scroll(_Action):
    """Scroll by (dx, dy) pixels at a point (the screen centre when x/y are omitted); dy > 0 scrolls down."""

    type: Literal["scroll"] = "scroll"
    positional: ClassVar[bool] = True
    x: Pixel | None = None
    y: Pixel | None = None
    dx: int = Field(0, ge=-100_000, le=100_000)
    dy: int = Field(0, ge=-100_000, le=100_000)

    @model_validator(mode="after")
    def _moves(self) -> Scroll:
        if self.dx == 0 and self.dy == 0:
            raise ValueError("a scroll must move: give a non-zero dx or dy")
        if (self.x is None) != (self.y is None):
            raise ValueError("give both x and y, or neither (the screen centre)")
        return self


WHEEL_CLICK_PX = 100
"""Pixels one mouse-wheel click scrolls, by this project's convention. Families whose official
executors count wheel clicks (UI-TARS's pyautogui.scroll(5), Qwen's pyautogui.scroll(pixels)) turn
clicks into pixels with it, and the desktop adapter turns pixels back into wheel clicks with it, so a
model's "5 clicks" is exactly 5 clicks on a real desktop."""

SCROLL_DIRECTIONS: dict[str, tuple[int, int]] = {
    "down": (0, 1),
    "up": (0, -1),
    "right": (1, 0),
    "left": (-1, 0),
}


def scroll_vector(direction: str) -> tuple[int, int]:
    """The unit (dx, dy) of a direction word, in the Scroll convention (dy > 0 scrolls down)."""
    vector = SCROLL_DIRECTIONS.get(direction.strip().lower())
    if vector is None:
        raise ValueError(f"unknown scroll direction {direction!r}: use up, down, left or right")
    return vector


def swipe_end_for_scroll(x: int, y: int, dx: int, dy: int, screen: tuple[int, int]) -> tuple[int, int]:
    """Where a finger starting at (x, y) must move to scroll by (dx, dy): against the scroll (content
    scrolls down when the finger moves up), kept on the screen."""
    width, height = screen
    return min(max(x - dx, 0), width - 1), min(max(y - dy, 0), height - 1)


class Type(_Action):
    """Type text into whatever has focus. `{{secret:NAME}}` placeholders are filled in by the executor."""

    type: Literal["type"] = "type"
    text: NonEmptyText


class Key(_Action):
    """Press keys together (a hotkey such as ["ctrl", "c"]) or a single key such as ["enter"]."""

    type: Literal["key"] = "key"
    keys: list[str] = Field(min_length=1, max_length=6)

    @field_validator("keys", mode="before")
    @classmethod
    def _normalize(cls, value: Any) -> list[str]:
        if isinstance(value, str):
            return split_combo(value)
        if not isinstance(value, list | tuple):
            raise ValueError("keys must be a list of key names such as ['ctrl', 'c']")
        return [normalize_key(k) for k in value]


class LongPress(_Action):
    """Touch and hold at a point (phones), or hold the left button (desktop, browser)."""

    type: Literal["long_press"] = "long_press"
    positional: ClassVar[bool] = True
    x: Pixel
    y: Pixel
    duration: Seconds = 1.0


class Swipe(_Action):
    """A touch swipe from (x, y) to (to_x, to_y) over `duration` seconds."""

    type: Literal["swipe"] = "swipe"
    positional: ClassVar[bool] = True
    x: Pixel
    y: Pixel
    to_x: Pixel
    to_y: Pixel
    duration: Seconds = 0.3


class Navigate(_Action):
    """Open a URL (browsers) or a deep link (phones)."""

    type: Literal["navigate"] = "navigate"
    url: NonEmptyText

    @field_validator("url")
    @classmethod
    def _has_scheme(cls, url: str) -> str:
        url = url.strip()
        if "://" not in url and not url.startswith(("about:", "data:")):
            url = "https://" + url
        return url


class Back(_Action):
    """Go back: browser history, or the phone's back button."""

    type: Literal["back"] = "back"


class Home(_Action):
    """Go to the home screen (phones) or the start page (browsers)."""

    type: Literal["home"] = "home"


class OpenApp(_Action):
    """Start an app by its name or package id."""

    type: Literal["open_app"] = "open_app"
    name: NonEmptyText


class Wait(_Action):
    """Do nothing for a while, to let the screen settle."""

    type: Literal["wait"] = "wait"
    seconds: float = Field(1.0, ge=0, le=60, allow_inf_nan=False)


class Choose(_Action):
    """Pick one of the named options the environment offers (a game move, a robot command)."""

    type: Literal["choose"] = "choose"
    option: str = Field(min_length=1, max_length=200)


class CallUser(_Action):
    """Hand control to a person (a captcha, a login, a decision the agent must not take alone)."""

    type: Literal["call_user"] = "call_user"
    message: str = Field("", max_length=10_000)


class Answer(_Action):
    """Report information the task asked for; the run may continue."""

    type: Literal["answer"] = "answer"
    text: NonEmptyText


class Finish(_Action):
    """End the run, saying whether the task succeeded."""

    type: Literal["finish"] = "finish"
    success: bool = True
    message: str = Field("", max_length=100_000)


TOOL_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
"""A custom tool's name: lower-case snake case, at most 64 characters (every family can write it;
ShowUI upper-cases its action words)."""


class ToolCall(_Action):
    """A call of a custom tool the application registered (`tools.custom`): its handler runs it, not a
    device. The arguments were validated against the tool's own model when the answer was parsed."""

    type: Literal["tool"] = "tool"
    name: str = Field(pattern=TOOL_NAME_PATTERN)
    arguments: dict[str, Any] = Field(default_factory=dict)

    def describe(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.arguments.items())
        return f"{self.name}({args})"


ACTION_TYPES: tuple[type[_Action], ...] = (
    Click,
    Move,
    Drag,
    Scroll,
    Type,
    Key,
    LongPress,
    Swipe,
    Navigate,
    Back,
    Home,
    OpenApp,
    Wait,
    Choose,
    CallUser,
    Answer,
    Finish,
)
"""The built-in actions. ToolCall is in the `Action` union (runs and checkpoints hold it) but is no
built-in: a custom tool is called by its own name, so "tool" is free as one."""

Action = Annotated[
    Click
    | Move
    | Drag
    | Scroll
    | Type
    | Key
    | LongPress
    | Swipe
    | Navigate
    | Back
    | Home
    | OpenApp
    | Wait
    | Choose
    | CallUser
    | Answer
    | Finish
    | ToolCall,
    Field(discriminator="type"),
]

ACTIONS_BY_NAME: dict[str, type[_Action]] = {cls.model_fields["type"].default: cls for cls in ACTION_TYPES}
ALL_ACTION_NAMES: frozenset[str] = frozenset(ACTIONS_BY_NAME)
