"""What every family shares: frames, model<->screen points with bounds checks, errors, history.

A family module only declares its format (prompt text, names, how a call maps to an action); the
arithmetic that makes a click land where the model meant lives here once, so the six families
cannot drift apart on rounding, bounds or DPR.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from pydantic import ValidationError

from anyres_agent.model.answer import Box, GroundedAction, ParsedAnswer, ParseError
from anyres_agent.model.conversation import ImageLike, ImagePart, Message, TextPart
from anyres_agent.model.families.base import HistoryStep
from anyres_agent.model.families.textparse import LiteralError, as_numbers, cap_answer, strip_chat_tokens
from anyres_agent.model.frame import CoordinateSpace, Fit, Frame, FrameError
from anyres_agent.tools import (
    NO_TOOLS,
    WHEEL_CLICK_PX,
    Action,
    InvalidActionError,
    Scroll,
    UnknownKeyError,
    action_from_call,
    normalize_key,
    scroll_vector,
    split_combo,
)
from anyres_agent.tools.custom import Toolbox

SCROLL_FRACTION = 0.5
"""A direction-only scroll in a format whose official executor gives no amount (the project's own
Qwen2-VL tools, OS-Atlas-Pro's SCROLL [UP]) moves half the screen height (or width). Families with an
official executor follow it instead: see `wheel_scroll` and docs/models.md, "Scroll amounts"."""

MAX_WHEEL_CLICKS = 100
"""The most wheel clicks one scroll may ask for (a scroll of 10,000 px): past it is a runaway number."""

Cursor = tuple[int, int]
"""Where the pointer is, in screen space, as the environment reports it (None where there is none)."""

MAX_WAIT_SECONDS = 60.0

TEXT_FIELDS: dict[str, str] = {
    "type": "text",
    "answer": "text",
    "navigate": "url",
    "open_app": "name",
    "choose": "option",
    "call_user": "message",
    "finish": "message",
}
"""The field that holds a text-carrying action's text: what a model writes as its `text` or `value`."""

ParseFailure = (LiteralError, InvalidActionError, UnknownKeyError, FrameError, ValidationError)


MOBILE_SIGNS = frozenset({"swipe", "open_app"})


def is_mobile(actions: frozenset[str]) -> bool:
    """Whether an action set is a phone's (swipe or open_app, and no mouse pointer to move): it picks
    the official mobile template (UI-TARS MOBILE_USE, Qwen mobile_use, ShowUI phone) over the computer one."""
    return bool(actions & MOBILE_SIGNS) and "move" not in actions


def insert_lines(template: str, lines: Sequence[str], before: str) -> str:
    """`template` with `lines` added after its last action line, i.e. before the blank lines that
    precede `before` (the heading after the action space)."""
    if not lines:
        return template
    at = template.index(before)
    while at > 0 and template[at - 1] == "\n":
        at -= 1
    return template[:at] + "\n" + "\n".join(lines) + template[at:]


def one_line(message: str, limit: int = 400) -> str:
    """Error text for a model: one line, bounded."""
    text = " ".join(str(message).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def fail(message: str) -> ParseError:
    return ParseError(one_line(message))


def make_action(name: str, /, **arguments: Any) -> Action:
    """A validated tools action; a bad argument becomes a ParseError that names it."""
    try:
        return action_from_call(name, arguments)
    except (InvalidActionError, UnknownKeyError) as error:
        raise fail(str(error)) from None


def tool_action(tools: Toolbox, name: str, arguments: Any) -> Action:
    """A custom tool's call, validated against its arguments model; a bad one is a ParseError."""
    try:
        return tools.call(name, arguments)
    except InvalidActionError as error:
        raise fail(str(error)) from None


def text_action(name: str, text: str) -> Action:
    """A text-carrying action (type, answer, navigate, open_app, choose, call_user) holding `text`."""
    return make_action(name, **{TEXT_FIELDS[name]: text})


def action_text(action: Action) -> str:
    """The text of a text-carrying action, from whichever field holds it (see TEXT_FIELDS)."""
    return str(getattr(action, TEXT_FIELDS[action.type]))


def split_keys(combo: str) -> list[str]:
    """'ctrl c' (UI-TARS: "split keys with a space"), 'ctrl+c' or 'Control-Shift-T' as key names.

    Spaces win over '+' and '-' so that 'ctrl +' is ctrl and plus; an unknown key is a ParseError."""
    try:
        parts = combo.split()
        if len(parts) > 1:
            return [normalize_key(p) for p in parts]
        return split_combo(combo)
    except UnknownKeyError as error:
        raise fail(str(error)) from None


def direction_vector(direction: str) -> tuple[int, int]:
    """The unit (dx, dy) of a direction word; an unknown word is a ParseError."""
    try:
        return scroll_vector(direction)
    except ValueError as error:
        raise fail(str(error)) from None


def scroll_amount(frame: Frame, direction: str, fraction: float = SCROLL_FRACTION) -> tuple[int, int]:
    """(dx, dy) for a direction word, `fraction` of the screen's height (or width) that way."""
    ux, uy = direction_vector(direction)
    return ux * max(1, round(fraction * frame.screen_width)), uy * max(
        1, round(fraction * frame.screen_height)
    )


def wheel_scroll(direction: str, clicks: Any, what: str = "a scroll amount") -> tuple[int, int]:
    """(dx, dy) for `clicks` wheel clicks towards a direction word, at WHEEL_CLICK_PX a click; a bad
    count is a ParseError naming `what`."""
    ux, uy = direction_vector(direction)
    step = round(wheel_clicks(clicks, what) * WHEEL_CLICK_PX)
    return ux * step, uy * step


def wheel_clicks(value: Any, what: str) -> float:
    """A finite wheel-click count within MAX_WHEEL_CLICKS (its sign kept), or a ParseError naming `what`."""
    nums = as_numbers(value, 1) if value is not None else []
    clicks = nums[0] if nums else math.nan
    if not math.isfinite(clicks) or abs(clicks) > MAX_WHEEL_CLICKS:
        raise fail(
            f"{what} must be a number of mouse-wheel clicks from -{MAX_WHEEL_CLICKS} to {MAX_WHEEL_CLICKS}, "
            f"got {value!r}"[:300]
        )
    return clicks


def scroll_direction(action: Scroll) -> str:
    """The direction word closest to a scroll's (dx, dy)."""
    if abs(action.dy) >= abs(action.dx):
        return "down" if action.dy > 0 else "up"
    return "right" if action.dx > 0 else "left"


def click_name(family: str, names: Mapping[tuple[str, int], str], action: Action) -> str:
    """The family's word for a click (left single, double, right...), or a clear ValueError when its
    action space has none (render refuses rather than writing something the model never says)."""
    button, count = getattr(action, "button", "left"), getattr(action, "count", 1)
    name = names.get((button, count))
    if name is None:
        raise ValueError(f"{family} cannot express a {button} click x{count}")
    return name


def coordinates(value: Any, what: str) -> list[float]:
    """Exactly the numbers a point (2) or a box (4) has. The official parsers reject anything else, and
    so does this one: an answer cut at max_tokens (`start_box='[2,3,4,5,...`) is not a point."""
    nums = as_numbers(value, 5)
    if len(nums) not in (2, 4):
        count = "more than 4" if len(nums) > 4 else str(len(nums))
        shown = value if isinstance(value, str) else repr(value)
        raise fail(
            f"{what} must be a point (x, y) or a box (x1, y1, x2, y2), got {count} numbers in {shown[:80]!r}"
        )
    return nums


def wait_seconds(value: Any, default: float = 1.0) -> float:
    nums = as_numbers(value) if value is not None else []
    seconds = nums[0] if nums else default
    if not math.isfinite(seconds) or seconds < 0:
        raise fail(f"wait time must be a number of seconds, got {value!r}")
    return min(seconds, MAX_WAIT_SECONDS)


class FamilyBase:
    """Shared machinery; subclasses set the class attributes and implement `_parse` and friends."""

    name: ClassVar[str]
    space: ClassVar[CoordinateSpace]
    factor: ClassVar[int] = 28
    min_pixels: ClassVar[int]
    max_pixels: ClassVar[int]
    format_hint: ClassVar[str]
    decimals: ClassVar[int] = 0
    call_names: ClassVar[frozenset[str]] = frozenset()
    """The words this family's model uses for its own actions: no custom tool may take one."""

    def __repr__(self) -> str:
        return f"<family {self.name}: {self.space}, factor {self.factor}>"

    # --- frames --------------------------------------------------------------------------
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
        return Frame.build(
            space=self.space,
            screen=screen,
            image=image,
            factor=self.factor,
            min_pixels=self.min_pixels if min_pixels is None else min_pixels,
            max_pixels=self.max_pixels if max_pixels is None else max_pixels,
            fit=fit,
        )

    # --- model space -> screen space -----------------------------------------------------
    def to_screen(self, frame: Frame, x: float, y: float, *, clamp: bool) -> tuple[int, int]:
        """A model-space point as integer screen pixels, or a ParseError when it is off the image."""
        if not (math.isfinite(x) and math.isfinite(y)):
            raise fail(f"coordinate ({x}, {y}) is not a finite number")
        if not frame.in_model_space(x, y):  # outside the image, or on the padding beside the screenshot
            if not clamp:
                limits = (
                    f"x must be within 0-{frame.content_model_width:g} and y within "
                    f"0-{frame.content_model_height:g}"
                )
                raise fail(
                    f"coordinate ({x:g}, {y:g}) is off the screenshot: {limits} ({self.space_words(frame)})"
                )
            x = min(max(x, 0.0), frame.content_model_width)
            y = min(max(y, 0.0), frame.content_model_height)
        sx, sy = frame.model_to_screen(x, y)
        # the far edge of the screenshot in model space (1000, the resized width, 1.0 unless padded)
        # is the last screen pixel
        return min(round(sx), frame.screen_width - 1), min(round(sy), frame.screen_height - 1)

    def space_words(self, frame: Frame) -> str:
        return {
            "norm1000": "relative coordinates from 0 to 1000",
            "resized": f"pixels of the {frame.resized_width}x{frame.resized_height} screenshot",
            "unit": "relative coordinates from 0 to 1",
        }[frame.space]

    def point(self, frame: Frame, value: Any, *, clamp: bool, what: str = "point") -> tuple[int, int]:
        """A point from '(x,y)', '<point>x y</point>', [x, y] or a box (its centre)."""
        nums = coordinates(value, what)
        if len(nums) == 4:
            return self.box(frame, nums, clamp=clamp).center
        return self.to_screen(frame, nums[0], nums[1], clamp=clamp)

    def box(self, frame: Frame, value: Any, *, clamp: bool, what: str = "box") -> Box:
        """A screen-space box from four model numbers (a point gives a zero-size box)."""
        nums = coordinates(value, what)
        if len(nums) == 2:
            x, y = self.to_screen(frame, nums[0], nums[1], clamp=clamp)
            return Box(x1=x, y1=y, x2=x, y2=y)
        x1, y1 = self.to_screen(frame, nums[0], nums[1], clamp=clamp)
        x2, y2 = self.to_screen(frame, nums[2], nums[3], clamp=clamp)
        return Box(x1=min(x1, x2), y1=min(y1, y2), x2=max(x1, x2), y2=max(y1, y2))

    # --- screen space -> model space (render) --------------------------------------------
    def to_model(self, frame: Frame, x: float, y: float) -> tuple[str, str]:
        """A screen point written as this family's model writes numbers (ints, or decimals for 0-1)."""
        mx, my = frame.screen_to_model(x, y)
        mx = min(max(mx, 0.0), frame.content_model_width)
        my = min(max(my, 0.0), frame.content_model_height)
        if self.decimals == 0:
            return str(round(mx)), str(round(my))
        return _short(mx, self.decimals, frame.screen_width), _short(my, self.decimals, frame.screen_height)

    # --- parse ---------------------------------------------------------------------------
    def parse(
        self,
        text: str,
        frame: Frame,
        *,
        clamp: bool = False,
        cursor: Cursor | None = None,
        tools: Toolbox = NO_TOOLS,
    ) -> ParsedAnswer:
        """Actions in screen space, or a ParseError whose message tells the model what to fix.

        `cursor` is where the environment says the pointer is (screen space); formats whose official
        executors act at the pointer (a Qwen `left_click` without a coordinate) need it. `tools`: the
        custom tools the model was offered (their calls become `ToolCall`s)."""
        if not isinstance(text, str):
            raise fail(f"the answer must be text, got {type(text).__name__}")
        capped, cut = cap_answer(text)
        try:
            thought, steps = self._parse(strip_chat_tokens(capped), frame, clamp, cursor, tools)
        except ParseFailure as error:
            raise ParseError(one_line(str(error)), raw=text, cut_chars=cut) from None
        except ParseError as error:
            raise ParseError(str(error), raw=text, cut_chars=cut) from None
        if not steps:
            raise ParseError(one_line(f"no action found: {self.format_hint}"), raw=text, cut_chars=cut)
        return ParsedAnswer(thought=thought.strip(), steps=steps, raw=text, cut_chars=cut)

    def parse_grounding(self, text: str, frame: Frame, *, clamp: bool = False) -> Box:
        """The grounded box in screen space (a point gives a zero-size box), or raise ParseError."""
        if not isinstance(text, str):
            raise fail(f"the answer must be text, got {type(text).__name__}")
        try:
            return self._parse_grounding(strip_chat_tokens(cap_answer(text)[0]), frame, clamp)
        except ParseFailure as error:
            raise ParseError(one_line(str(error)), raw=text) from None
        except ParseError as error:
            raise ParseError(str(error), raw=text) from None

    def _parse(
        self, text: str, frame: Frame, clamp: bool, cursor: Cursor | None, tools: Toolbox
    ) -> tuple[str, list[GroundedAction]]:
        raise NotImplementedError

    def _parse_grounding(self, text: str, frame: Frame, clamp: bool) -> Box:
        raise NotImplementedError

    # --- prompts -------------------------------------------------------------------------
    def system_prompt(
        self,
        actions: frozenset[str],
        frame: Frame,
        extras: frozenset[str] = frozenset(),
        tools: Toolbox = NO_TOOLS,
    ) -> str:
        """The official template for the device `actions` describe, plus lines for the project actions
        in `extras` that it lacks (an environment's opt-in; see docs/models.md) and for the custom
        `tools` (none leaves the template official)."""
        raise NotImplementedError

    def _cached_system_prompt(
        self,
        actions: frozenset[str],
        frame: Frame,
        extras: frozenset[str] = frozenset(),
        tools: Toolbox = NO_TOOLS,
    ) -> str:
        """The system prompt depends only on the action sets, the frame and the custom tools, which
        rarely change within a run; rendering its tool schema every step is wasted work."""
        cache: dict[tuple[frozenset[str], Frame, frozenset[str], tuple[str, ...]], str]
        cache = self.__dict__.setdefault("_system_prompts", {})
        key = (actions, frame, extras, tools.key)
        if key not in cache:
            if len(cache) >= 64:
                cache.clear()
            cache[key] = self.system_prompt(actions, frame, extras, tools)
        return cache[key]

    def opening(
        self,
        task: str,
        actions: frozenset[str],
        frame: Frame,
        extras: frozenset[str] = frozenset(),
        tools: Toolbox = NO_TOOLS,
    ) -> tuple[str, str]:
        """The system turn and the text that opens the user turn; families trained without a
        system turn (UI-TARS, ShowUI) put their prompt in the user text instead."""
        return self._cached_system_prompt(actions, frame, extras, tools), self.task_text(task, actions)

    def check_tools(self, tools: Toolbox) -> None:
        """Refuse custom tools named like one of this family's own actions (raises ValueError)."""
        tools.check_names(self.call_names, self.name)

    def task_text(self, task: str, actions: frozenset[str] = frozenset()) -> str:
        return f"Task: {task}"

    def render_step(self, step: HistoryStep) -> str:
        """One earlier step as this family's own answer text (raw when we have it)."""
        if step.raw.strip():
            return step.raw.strip()
        if step.frame is not None and step.actions:
            try:
                return self.render(step.actions, step.frame, thought=step.thought)
            except ValueError:
                pass
        parts = [step.thought.strip(), "; ".join(a.describe() for a in step.actions)]
        return "\n".join(p for p in parts if p)

    def render(self, actions: Sequence[Action], frame: Frame, *, thought: str = "") -> str:
        raise NotImplementedError

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
        """System prompt, task and standing context, the history (text for steps whose screenshot was
        dropped, image + answer turns for the others), this step's notes, then the screenshot.
        `tools`: custom tools, offered in the family's own format."""
        system, opening = self.opening(task, actions, frame, extras, tools)
        return assemble(
            system=system,
            task=opening,
            context=context,
            history=history,
            notes=notes,
            screenshot=screenshot,
            render_step=self.render_step,
        )


def _short(value: float, decimals: int, screen: int) -> str:
    """Fewest decimals (at least `decimals`) that keep a 0-1 coordinate within a screen pixel."""
    for places in range(decimals, 6):
        text = f"{value:.{places}f}"
        if abs(float(text) - value) * screen <= 0.5:
            return text
    return f"{value:.6f}"


def assemble(
    *,
    system: str,
    task: str,
    history: Sequence[HistoryStep],
    notes: Sequence[str],
    screenshot: ImageLike,
    render_step: Callable[[HistoryStep], str],
    context: Sequence[str] = (),
) -> list[Message]:
    """A multi-turn conversation that only grows at its end from one step to the next, so a server's
    prefix cache (vLLM, SGLang) reuses all of the last prompt:

        system | user: task, context, "Step N (done): ..." for text-only steps | per step with a
        screenshot: user: its notes + its screenshot, assistant: its answer, user: "Note after step N"
        | user: this step's notes + this screenshot

    A step with a screenshot renders exactly as its own prompt ended (the same notes, the same image),
    steps are named by their own number, never by their place in the window, and the window moves in
    chunks (agent.history), so between those moves nothing before the new turns changes.
    Built as plain strings first and turned into message objects once, to stay off the step's cost."""
    turns: list[tuple[str, list[str | ImageLike]]] = [("user", [task])]

    def add(role: str, part: str | ImageLike) -> None:
        if turns[-1][0] != role:
            turns.append((role, [part]))
        elif isinstance(part, str) and isinstance(turns[-1][1][-1], str):
            turns[-1][1][-1] += "\n" + part  # join neighbouring text into one block
        else:
            turns[-1][1].append(part)

    for line in context:
        if line.strip():
            add("user", f"Note: {line.strip()}")
    for number, step in enumerate(history, start=1):
        index = step.index or number
        text = render_step(step)
        if step.screenshot is None:
            add("user", f"Step {index} (done): {text}")
        else:
            for note in step.notes:
                if note.strip():
                    add("user", f"Note: {note.strip()}")
            add("user", step.screenshot)
            add("assistant", text)
        if step.note.strip():
            add("user", f"Note after step {index}: {step.note.strip()}")
    for note in notes:
        if note.strip():
            add("user", f"Note: {note.strip()}")
    add("user", screenshot)
    messages = [Message.text("system", system)] if system else []
    for role, parts in turns:
        content = [TextPart(text=p) if isinstance(p, str) else ImagePart(image=p) for p in parts]
        messages.append(Message(role=role, content=content))
    return messages
