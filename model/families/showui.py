"""ShowUI (Qwen2-VL-2B based): Python-dict actions with 0-1 positions.

showlab/ShowUI README / QUICK_START: grounding answers `[0.73, 0.21]`, "a relative coordinate on the
screenshot, scaled from 0 to 1"; navigation answers `{'action': 'CLICK', 'value': None, 'position':
[0.49, 0.42]}` (several separated by commas), with `position` `[[x1,y1],[x2,y2]]` for two-point
actions. The whole prompt is user-turn text, as in the README. Pixel budget from the README:
min_pixels 256*28*28, max_pixels 1344*28*28. INPUT with a position is a click then typing.
"""

# ruff: noqa: E501  (verbatim prompt and answer text reads better unwrapped)

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from anyres_agent.model.answer import Box, GroundedAction
from anyres_agent.model.conversation import ImageLike, ImagePart, Message, TextPart
from anyres_agent.model.families.common import (
    Cursor,
    FamilyBase,
    action_text,
    click_name,
    coordinates,
    fail,
    insert_lines,
    is_mobile,
    make_action,
    scroll_amount,
    scroll_direction,
    split_keys,
    text_action,
    tool_action,
    wait_seconds,
)
from anyres_agent.model.families.textparse import MAX_CALLS, LiteralError, as_numbers, numbers, parse_literal
from anyres_agent.model.frame import QWEN_FACTOR, Frame
from anyres_agent.tools import NO_TOOLS, Action, Tool, Toolbox, swipe_end_for_scroll

SHOWUI_MIN_PIXELS = 256 * 28 * 28
SHOWUI_MAX_PIXELS = 1344 * 28 * 28
GROUNDING_SYSTEM = (
    "Based on the screenshot of the page, I give a text description and you give its corresponding location. "
    "The coordinate represents a clickable location [x, y] for an element, which is a relative coordinate on "
    "the screenshot, scaled from 0 to 1."
)
WEB_PROMPT = (
    "You are an assistant trained to navigate the web screen. \n"
    "Given a task instruction, a screen observation, and an action history sequence, \n"
    "output the next action and wait for the next observation. \n"
    "Here is the action space:\n"
    "\n"
    "1. `CLICK`: Click on an element, value is not applicable and the position [x,y] is required. \n"
    "2. `INPUT`: Type a string into an element, value is a string to type and the position [x,y] is required. \n"
    "3. `SELECT`: Select a value for an element, value is not applicable and the position [x,y] is required. \n"
    "4. `HOVER`: Hover on an element, value is not applicable and the position [x,y] is required.\n"
    "5. `ANSWER`: Answer the question, value is the answer and the position is not applicable.\n"
    "6. `ENTER`: Enter operation, value and position are not applicable.\n"
    "7. `SCROLL`: Scroll the screen, value is the direction to scroll and the position is not applicable.\n"
    "8. `SELECT_TEXT`: Select some text content, value is not applicable and position [[x1,y1], [x2,y2]] is the start and end position of the select operation.\n"
    "9. `COPY`: Copy the text, value is the text to copy and the position is not applicable.\n"
    "\n"
    "\n"
    "Format the action as a dictionary with the following keys:\n"
    "{'action': 'ACTION_TYPE', 'value': 'element', 'position': [x,y]}\n"
    "\n"
    "If value or position is not applicable, set it as `None`.\n"
    "Position might be [[x1,y1], [x2,y2]] if the action requires a start and end position.\n"
    "Position represents the relative coordinates on the screenshot and should be scaled to a range of 0-1.\n"
)
PHONE_PROMPT = (
    "You are an assistant trained to navigate the phone screen. \n"
    "Given a task instruction, a screen observation, and an action history sequence, \n"
    "output the next action and wait for the next observation. \n"
    "Here is the action space:\n"
    "\n"
    "1. `INPUT`: Type a string into an element, value is a string to type and the position [x,y] is required. \n"
    "2. `SWIPE`: Swipe the screen, value is not applicable and the position [[x1,y1], [x2,y2]] is the start and end position of the swipe operation.\n"
    "3. `TAP`: Tap on an element, value is not applicable and the position [x,y] is required.\n"
    "4. `ANSWER`: Answer the question, value is the status (e.g., 'task complete') and the position is not applicable.\n"
    "5. `ENTER`: Enter operation, value and position are not applicable.\n"
    "\n"
    "\n"
    "Format the action as a dictionary with the following keys:\n"
    "{'action': 'ACTION_TYPE', 'value': 'element', 'position': [x,y]}\n"
    "\n"
    "If value or position is not applicable, set it as `None`.\n"
    "Position might be [[x1,y1], [x2,y2]] if the action requires a start and end position.\n"
    "Position represents the relative coordinates on the screenshot and should be scaled to a range of 0-1.\n"
)
"""showlab/ShowUI@21ed7cb QUICK_START.md "GUI Navigation": `_NAV_SYSTEM.format(_APP=split,
_ACTION_SPACE=action_map[split]) + _NAV_FORMAT` for split 'web' and 'phone', byte for byte."""
OFFERS = {
    "web": frozenset({"click", "type", "move", "answer", "scroll", "drag"}),
    "phone": frozenset({"type", "swipe", "click", "answer"}),
}
EXTRA_LINES = {  # project lines, offered only for the actions an environment opts in to (docs/models.md)
    "key": "`KEY`: Press keys, value is the keys split by spaces (e.g. 'ctrl c') and the position is not applicable.",
    "long_press": "`PRESS`: Long click on an element, value is not applicable and the position [x,y] is required.",
    "navigate": "`NAVIGATE`: Open a URL, value is the URL and the position is not applicable.",
    "back": "`BACK`: Go back, value and position are not applicable.",
    "home": "`HOME`: Go to the home screen, value and position are not applicable.",
    "open_app": "`OPEN_APP`: Open an app, value is the app name and the position is not applicable.",
    "wait": "`WAIT`: Wait, value is the seconds to wait and the position is not applicable.",
    "choose": "`CHOOSE`: Pick an offered option, value is the option and the position is not applicable.",
    "call_user": "`CALL_USER`: Ask the user for help, value is why and the position is not applicable.",
    "finish": "`FINISH`: The task is complete, value is a short summary and the position is not applicable.",
}
SCROLL_FRACTION = 0.6
"""A SCROLL moves 60% of the screen: ShowUI's AITW evaluation follows SeeClick, which turns 'scroll down'
into a swipe from y=0.8 to y=0.2 (njucckevin/SeeClick agent_tasks/action_matching.py action_2_format)."""
_CLICKS = {"CLICK": ("left", 1), "TAP": ("left", 1), "SELECT": ("left", 1), "DOUBLE_CLICK": ("left", 2)}
_CLICKS |= {"RIGHT_CLICK": ("right", 1)}
_CLICK_KINDS = {("left", 1): "CLICK", ("left", 2): "DOUBLE_CLICK", ("right", 1): "RIGHT_CLICK"}
_AT_POINT = {"HOVER": "move", "PRESS": "long_press", "LONG_PRESS": "long_press"}
_TEXT_KINDS = ("answer", "navigate", "open_app", "choose", "call_user")
"""Actions whose `value` is their text, named as ours in upper case (ANSWER, NAVIGATE, OPEN_APP...)."""
_FIXED: dict[str, tuple[str, dict[str, Any]]] = {"BACK": ("back", {}), "HOME": ("home", {})}
_FIXED |= {"ENTER": ("key", {"keys": ["enter"]}), "ESC": ("key", {"keys": ["escape"]})}
_FIXED |= {"COPY": ("key", {"keys": ["ctrl", "c"]})}
_FIXED |= {
    "PRESS_BACK": ("back", {}),
    "PRESS_HOME": ("home", {}),
    "PRESS_ENTER": ("key", {"keys": ["enter"]}),
}
"""The AITW vocabulary of ShowUI's own evaluation (showlab/ShowUI data/template/aitw.py) included."""
_STATUS = {"STATUS_TASK_COMPLETE": True, "STATUS_TASK_IMPOSSIBLE": False}
_DONE_WORDS = frozenset({"task complete", "task completed", "complete", "completed"})
"""The phone prompt's ANSWER carries "the status (e.g., 'task complete')": that value ends the task."""
_SCROLLS = {f"SCROLL_{d.upper()}": d for d in ("up", "down", "left", "right")}


KINDS = frozenset(
    {"INPUT", "TYPE", "ANSWER", "KEY", "SCROLL", "SELECT_TEXT", "SWIPE", "DRAG", "WAIT", "FINISH", "STOP",
     "TERMINATE", "STATUS"}
    | {kind.upper() for kind in _TEXT_KINDS}
    | set(_CLICKS) | set(_AT_POINT) | set(_FIXED) | set(_STATUS) | set(_SCROLLS)
)  # fmt: skip
"""Every action word the parser reads: a custom tool may not take one."""


def tool_space_line(tool: Tool) -> str:
    """A custom tool in ShowUI's action-space wording: its arguments travel in `value` as a dict."""
    fields = ", ".join(f"'{name}': ..." for name in tool.field_names())
    return (
        f"`{tool.name.upper()}`: {tool.description} The value is a dict of its arguments "
        f"{{{fields}}} and the position is not applicable."
    )


def _without_position(kind: str, text: str, value: Any) -> Action | None:
    """The action for a kind that takes no position (None for one that does, or an unknown one)."""
    if kind == "ANSWER" and text.strip().lower() in _DONE_WORDS:
        return make_action("finish", success=True, message=text)
    if kind.lower() in _TEXT_KINDS:
        return text_action(kind.lower(), text)
    if kind in _FIXED:
        name, arguments = _FIXED[kind]
        return make_action(name, **arguments)
    if kind in _STATUS:
        return make_action("finish", success=_STATUS[kind], message=text)
    if kind == "KEY":
        return make_action("key", keys=split_keys(text) if text else [])
    if kind == "WAIT":
        return make_action("wait", seconds=wait_seconds(value))
    if kind in ("FINISH", "STOP", "TERMINATE"):
        return make_action("finish", success=True, message=text)
    return None


_OBJECT = re.compile(r"\{")
_NUMBERED = re.compile(r"(?m)^\d+\. `")
MAX_CANDIDATES = 4 * MAX_CALLS
"""Braces tried before giving up: prose may hold a few, and each try reads at most MAX_TOKENS tokens."""


class ShowUI(FamilyBase):
    name = "showui"
    space = "unit"
    factor = QWEN_FACTOR
    min_pixels = SHOWUI_MIN_PIXELS
    max_pixels = SHOWUI_MAX_PIXELS
    decimals = 2
    format_hint = "answer with {'action': 'CLICK', 'value': None, 'position': [x, y]} (x and y from 0 to 1)"
    call_names = frozenset(kind.lower() for kind in KINDS)

    # --- prompts -------------------------------------------------------------------------
    def prompt(
        self, actions: frozenset[str], extras: frozenset[str] = frozenset(), tools: Toolbox = NO_TOOLS
    ) -> str:
        """The official web or phone prompt; opted-in project actions and custom tools continue its
        numbered list."""
        split = "phone" if is_mobile(actions) else "web"
        base = PHONE_PROMPT if split == "phone" else WEB_PROMPT
        wanted = [line for key, line in EXTRA_LINES.items() if key in extras - OFFERS[split]]
        wanted += [tool_space_line(tool) for tool in tools]
        if not wanted:
            return base
        official = len(_NUMBERED.findall(base))
        numbered = [f"{i}. {line}" for i, line in enumerate(wanted, start=official + 1)]
        return insert_lines(base, numbered, "Format the action")

    def system_prompt(
        self,
        actions: frozenset[str],
        frame: Frame,
        extras: frozenset[str] = frozenset(),
        tools: Toolbox = NO_TOOLS,
    ) -> str:
        return self.prompt(actions, extras, tools)

    def opening(
        self,
        task: str,
        actions: frozenset[str],
        frame: Frame,
        extras: frozenset[str] = frozenset(),
        tools: Toolbox = NO_TOOLS,
    ) -> tuple[str, str]:
        """ShowUI's quick start sends the prompt and f'Task: {query}' as two text parts of one user turn,
        which the chat template joins with nothing between them."""
        return "", self._cached_system_prompt(actions, frame, extras, tools) + f"Task: {task}"

    def grounding_messages(self, *, instruction: str, frame: Frame, screenshot: ImageLike) -> list[Message]:
        content = [TextPart(text=GROUNDING_SYSTEM), ImagePart(image=screenshot), TextPart(text=instruction)]
        return [Message(role="user", content=content)]

    # --- parse ---------------------------------------------------------------------------
    def _parse(
        self, text: str, frame: Frame, clamp: bool, cursor: Cursor | None, tools: Toolbox
    ) -> tuple[str, list[GroundedAction]]:
        """Every action dict in the answer; other braces (prose, a context dict) are skipped, and the
        first of them is the error only when no action dict is found at all."""
        steps: list[GroundedAction] = []
        pos = 0
        first = -1
        skipped: str | None = None
        for _ in range(MAX_CANDIDATES):
            match = _OBJECT.search(text, pos) if len(steps) < MAX_CALLS else None
            if match is None:
                break
            try:
                value, end = parse_literal(text, match.start())
            except LiteralError as error:
                skipped = skipped or str(error)
                pos = max(error.end or 0, match.end())  # never reread what this literal consumed
                continue
            pos = max(end, match.end())
            if not isinstance(value, dict) or "action" not in value:
                skipped = skipped or f"each action must be a dict with an 'action' key: {self.format_hint}"
                continue
            first = match.start() if first < 0 else first
            steps.extend(self._steps(value, frame, clamp, tools))
        if not steps and skipped is not None:
            raise fail(skipped)
        thought = text[:first].strip().strip("[").strip() if first > 0 else ""
        return thought, steps

    def _steps(
        self, item: dict[str, Any], frame: Frame, clamp: bool, tools: Toolbox = NO_TOOLS
    ) -> list[GroundedAction]:
        kind = "_".join(str(item.get("action", "")).upper().split())
        value = item.get("value")
        if kind.lower() in tools:  # a custom tool: its arguments in `value` (one bare value: the first)
            fields = tools.get(kind.lower()).field_names()
            arguments = (
                value
                if isinstance(value, dict)
                else {fields[0]: value}
                if fields and value is not None
                else {}
            )
            return [GroundedAction(action=tool_action(tools, kind.lower(), arguments))]
        text = "" if value is None else str(value)
        action = _without_position(kind, text, value)
        if action is not None:
            return [GroundedAction(action=action)]
        position = item.get("position")
        has_position = position is not None and as_numbers(position, 1) != []

        def at() -> tuple[int, int]:
            if not has_position:
                raise fail(f"{kind} needs 'position': [x, y] with x and y from 0 to 1")
            return self.point(frame, position, clamp=clamp, what="position")

        if kind in ("TYPE", "SELECT") and not has_position and text:
            # AITW's TYPE and SELECT name no position: type into (or pick the option of) what has focus
            return [GroundedAction(action=make_action("type", text=text))]
        if kind in _CLICKS:
            x, y = at()
            button, count = _CLICKS[kind]
            return [GroundedAction(action=make_action("click", x=x, y=y, button=button, count=count))]
        if kind in _AT_POINT:
            x, y = at()
            return [GroundedAction(action=make_action(_AT_POINT[kind], x=x, y=y))]
        if kind in ("INPUT", "TYPE"):
            typed = [GroundedAction(action=make_action("type", text=text))]
            if has_position:
                x, y = at()
                return [GroundedAction(action=make_action("click", x=x, y=y)), *typed]
            return typed
        if kind in ("SWIPE", "SELECT_TEXT", "DRAG"):
            nums = coordinates(position, "position") if has_position else []
            return [GroundedAction(action=self._two_points(kind, text, nums, frame, clamp))]
        if kind == "SCROLL" or kind in _SCROLLS:
            dx, dy = scroll_amount(frame, _SCROLLS.get(kind) or text or "down", SCROLL_FRACTION)
            where = dict(zip(("x", "y"), at(), strict=True)) if has_position else {}
            return [GroundedAction(action=make_action("scroll", dx=dx, dy=dy, **where))]
        raise fail(f"unknown action {kind!r}: use CLICK, INPUT, HOVER, ENTER, SCROLL, SWIPE, TAP or ANSWER")

    def _two_points(self, kind: str, text: str, nums: list[float], frame: Frame, clamp: bool) -> Action:
        """SWIPE / SELECT_TEXT / DRAG from [[x1,y1], [x2,y2]]; a SWIPE may give a direction instead."""
        name = "swipe" if kind == "SWIPE" else "drag"
        if len(nums) == 4:
            x, y = self.to_screen(frame, nums[0], nums[1], clamp=clamp)
            tx, ty = self.to_screen(frame, nums[2], nums[3], clamp=clamp)
        elif kind == "SWIPE" and text:
            if len(nums) >= 2:
                x, y = self.point(frame, nums[:2], clamp=clamp, what="position")
            else:
                x, y = frame.screen_width // 2, frame.screen_height // 2
            dx, dy = scroll_amount(frame, text, SCROLL_FRACTION)
            tx, ty = swipe_end_for_scroll(x, y, dx, dy, (frame.screen_width, frame.screen_height))
        else:
            raise fail(f"{kind} needs 'position': [[x1,y1], [x2,y2]]")
        return make_action(name, x=x, y=y, to_x=tx, to_y=ty)

    def _parse_grounding(self, text: str, frame: Frame, clamp: bool) -> Box:
        start = text.find("[")
        nums: list[float] = []
        if start >= 0:
            try:
                value, _ = parse_literal(text, start)
                nums = as_numbers(value, 5)
            except LiteralError:
                nums = []
        if len(nums) not in (2, 4):
            nums = numbers(text, 5)
        if len(nums) in (2, 4):
            return self.box(frame, nums, clamp=clamp)
        raise fail("no location found: answer with [x, y], relative coordinates from 0 to 1")

    # --- render --------------------------------------------------------------------------
    def _pos(self, frame: Frame, x: float, y: float) -> str:
        mx, my = self.to_model(frame, x, y)
        return f"[{mx}, {my}]"

    def render(self, actions: Sequence[Action], frame: Frame, *, thought: str = "") -> str:
        items: list[str] = []
        i = 0
        while i < len(actions):
            a = actions[i]
            nxt = actions[i + 1] if i + 1 < len(actions) else None
            if (
                a.type == "click"
                and a.button == "left"
                and a.count == 1
                and nxt is not None
                and nxt.type == "type"
            ):
                items.append(self._item("INPUT", nxt.text, self._pos(frame, a.x, a.y)))
                i += 2
                continue
            items.append(self._render_one(a, frame))
            i += 1
        return ", ".join(items)

    @staticmethod
    def _item(kind: str, value: Any, position: str | None) -> str:
        return f"{{'action': '{kind}', 'value': {value!r}, 'position': {position or 'None'}}}"

    def _render_one(self, a: Action, frame: Frame) -> str:
        item = self._item
        if a.type == "tool":
            return item(a.name.upper(), dict(a.arguments), None)
        if a.type == "click":
            kind = click_name(self.name, _CLICK_KINDS, a)
            return item(kind, None, self._pos(frame, a.x, a.y))
        if a.type in ("move", "long_press"):
            return item("HOVER" if a.type == "move" else "PRESS", None, self._pos(frame, a.x, a.y))
        if a.type in ("drag", "swipe"):
            pos = f"[{self._pos(frame, a.x, a.y)}, {self._pos(frame, a.to_x, a.to_y)}]"
            return item("SWIPE" if a.type == "swipe" else "SELECT_TEXT", None, pos)
        if a.type == "type":
            return item("INPUT", a.text, None)
        if a.type == "key":
            named = {"enter": "ENTER", "escape": "ESC"}.get(a.keys[0]) if len(a.keys) == 1 else None
            return item(named, None, None) if named else item("KEY", " ".join(a.keys), None)
        if a.type == "scroll":
            where = self._pos(frame, a.x, a.y) if a.x is not None and a.y is not None else None
            return item("SCROLL", scroll_direction(a), where)
        if a.type == "wait":
            return item("WAIT", a.seconds, None)
        if a.type == "finish":
            return item("FINISH", a.message or None, None)
        if a.type in _TEXT_KINDS:
            return item(a.type.upper(), action_text(a) or None, None)
        if a.type in ("back", "home"):
            return item(a.type.upper(), None, None)
        raise ValueError(f"{self.name} cannot render a {a.type} action")

    def render_grounding(self, box: Box, frame: Frame) -> str:
        if box.x1 == box.x2 and box.y1 == box.y2:
            return self._pos(frame, box.x1, box.y1)
        return f"{self._pos(frame, box.x1, box.y1)[:-1]}, {self._pos(frame, box.x2, box.y2)[1:]}"


FAMILY = ShowUI()
