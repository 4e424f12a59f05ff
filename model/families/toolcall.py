"""Qwen2.5-VL / Qwen3-VL `<tool_call>` JSON with the cookbooks' `computer_use` / `mobile_use` tools.

The prompt is the official tool rendered as its cookbook renders it (toolschema); the model answers
`<tool_call>\\n{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [935, 406]}}\\n</tool_call>`.
Both click styles are read: coordinate-on-click, and the official Qwen2.5-VL one, where `left_click`,
`right_click`, `middle_click` and `double_click` take no coordinate and act at the pointer, and
`left_click_drag` names only the end point. The pointer is wherever a `mouse_move` in the same answer
put it, or else where the environment reports it (`cursor`).

Scroll amounts follow the official executors (OSWorld's Qwen agents): `pixels` is handed to
pyautogui.scroll / pyautogui.hscroll, so it counts wheel clicks; positive scrolls up (scroll) or
right (hscroll, X11 buttons 6/7).
"""

# ruff: noqa: E501  (verbatim prompt and answer text reads better unwrapped)

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from anyres_agent.model.answer import Box, GroundedAction
from anyres_agent.model.conversation import ImageLike, ImagePart, Message, TextPart
from anyres_agent.model.families.common import (
    TEXT_FIELDS,
    Cursor,
    FamilyBase,
    action_text,
    click_name,
    coordinates,
    fail,
    is_mobile,
    make_action,
    scroll_amount,
    split_keys,
    text_action,
    tool_action,
    wait_seconds,
    wheel_scroll,
)
from anyres_agent.model.families.textparse import (
    MAX_CALLS,
    LiteralError,
    as_numbers,
    parse_literal,
    parse_object,
    split_think,
)
from anyres_agent.model.families.toolschema import OfficialTool, tool_prompt
from anyres_agent.model.frame import Frame
from anyres_agent.tools import NO_TOOLS, WHEEL_CLICK_PX, Action, Toolbox

_BUTTONS = {"left_click": ("left", 1), "right_click": ("right", 1), "middle_click": ("middle", 1)}
_BUTTONS |= {"double_click": ("left", 2), "triple_click": ("left", 3)}
_CLICK_NAMES = {press: name for name, press in _BUTTONS.items()}
_TOOL_OPEN = re.compile(r"<tool_call>|<\|tool_call\|>|<tool_call\b")
_TOOL_CLOSE = re.compile(r"</tool_call>|<\|/tool_call\|>")
_BARE_CALL = re.compile(r"\{\s*+[\"']?(?:name|action)[\"']?\s*+:")
_TEXT_ACTIONS = {"type": "type", "answer": "answer", "navigate": "navigate", "open": "open_app"}
_TEXT_ACTIONS |= {"call_user": "call_user", "choose": "choose"}
"""Cookbook action -> our text-carrying action; the text comes in "text" (or our own field name)."""
_TEXT_RENDER = {ours: theirs for theirs, ours in _TEXT_ACTIONS.items()}
_SYSTEM_BUTTONS: dict[str, tuple[str, dict[str, Any]]] = {
    "back": ("back", {}),
    "home": ("home", {}),
    "menu": ("key", {"keys": ["menu"]}),
    "enter": ("key", {"keys": ["enter"]}),
}
KNOWN_ACTIONS = (
    "key", "type", "mouse_move", "left_click", "left_click_drag", "right_click", "middle_click", "double_click",
    "triple_click", "scroll", "hscroll", "wait", "terminate", "answer", "click", "long_press", "swipe",
    "system_button", "open",
)  # fmt: skip


def _at(point: tuple[int, int] | None, action: str) -> dict[str, int]:
    if point is None:
        raise fail(f'{action} needs "coordinate": [x, y]')
    return {"x": point[0], "y": point[1]}


def _scroll(action: str, args: dict[str, Any], point: tuple[int, int] | None, frame: Frame) -> Action:
    """`pixels` counts wheel clicks, positive up (scroll) or right (hscroll); a direction-only scroll
    (not in the official tool, but models write it) moves SCROLL_FRACTION of the screen."""
    if args.get("pixels") is not None:
        dx, dy = wheel_scroll("right" if action == "hscroll" else "up", args["pixels"], "pixels")
    else:
        dx, dy = scroll_amount(frame, str(args.get("direction", "down")))
    where = {"x": point[0], "y": point[1]} if point else {}
    return make_action("scroll", dx=dx, dy=dy, **where)


def _key(args: dict[str, Any]) -> Action:
    keys = args.get("keys", args.get("text"))
    if isinstance(keys, str):
        keys = split_keys(keys)
    return make_action("key", keys=keys if isinstance(keys, list) else [str(keys)])


def _system_button(args: dict[str, Any]) -> Action:
    button = str(args.get("button", "")).strip().lower()
    if button not in _SYSTEM_BUTTONS:
        raise fail(f"unknown system_button {args.get('button')!r}: use Back, Home, Menu or Enter")
    name, kwargs = _SYSTEM_BUTTONS[button]
    return make_action(name, **kwargs)


def _wheel_pixels(distance: int) -> int:
    """A pixel distance as the cookbook's wheel clicks (at least one)."""
    clicks = round(distance / WHEEL_CLICK_PX)
    return clicks or (1 if distance > 0 else -1)


class ToolCallFamily(FamilyBase):
    """Shared by qwen25vl and qwen3vl; they differ in tools, coordinate grid, factor and declared size."""

    format_hint = (
        'answer with <tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click", '
        '"coordinate": [x, y]}}\n</tool_call>'
    )
    computer_tool: ClassVar[OfficialTool]
    mobile_tool: ClassVar[OfficialTool]
    call_names = frozenset({"computer_use", "mobile_use"})

    def declared_size(self, frame: Frame, tool: OfficialTool) -> tuple[int, int]:
        """The screen size the tool description declares (the model's coordinate grid)."""
        raise NotImplementedError

    def answer_grid(self, tool_name: str) -> int | None:
        """The grid a tool's coordinates are on when it is not the frame's model space (None)."""
        return None

    # --- prompt --------------------------------------------------------------------------
    def tool_for(self, actions: frozenset[str]) -> OfficialTool:
        return self.mobile_tool if is_mobile(actions) else self.computer_tool

    def system_prompt(
        self,
        actions: frozenset[str],
        frame: Frame,
        extras: frozenset[str] = frozenset(),
        tools: Toolbox = NO_TOOLS,
    ) -> str:
        tool = self.tool_for(actions)
        return tool_prompt(tool, self.declared_size(frame, tool), extras, tools)

    def task_text(self, task: str, actions: frozenset[str] = frozenset()) -> str:
        """The cookbooks' user text: the bare query for computer_use, "The user query: ..." for mobile_use."""
        return f"The user query: {task}" if is_mobile(actions) else task

    def grounding_messages(self, *, instruction: str, frame: Frame, screenshot: ImageLike) -> list[Message]:
        """The cookbook's computer_use grounding: the tool prompt, the screenshot, the query."""
        system = self._cached_system_prompt(frozenset({"click"}), frame)  # a UI test grounds every step
        user = Message(role="user", content=[ImagePart(image=screenshot), TextPart(text=instruction)])
        return [Message.text("system", system), user]

    # --- parse ---------------------------------------------------------------------------
    def _calls(self, text: str, tools: Toolbox = NO_TOOLS) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
        """The thought and each call as (the function's name, its arguments): the cookbook's tool with
        an "action" in its arguments, or a custom tool with its own."""
        thinking, text = split_think(text)
        blocks: list[str] = []
        outside: list[str] = []
        pos = 0
        while len(blocks) < MAX_CALLS:
            start = _TOOL_OPEN.search(text, pos)
            if start is None:
                break
            outside.append(text[pos : start.start()])
            body_start = text.find(">", start.start()) + 1
            close = _TOOL_CLOSE.search(text, body_start)
            reopen = _TOOL_OPEN.search(text, body_start)
            ends = [m.start() for m in (close, reopen) if m is not None]
            end = min(ends) if ends else len(text)
            blocks.append(text[body_start:end])
            pos = close.end() if close is not None and close.start() == end else end
        outside.append(text[pos:])
        if not blocks:  # no tags: fenced or bare JSON objects that look like calls
            outside = []
            pos = 0
            while len(blocks) < MAX_CALLS:
                match = _BARE_CALL.search(text, pos)
                if match is None:
                    break
                outside.append(text[pos : match.start()])
                try:
                    _, end = parse_literal(text, match.start())
                except LiteralError:
                    end = len(text)
                blocks.append(text[match.start() : end])
                pos = max(end, match.end())
            outside.append(text[pos:])
        calls: list[tuple[str, dict[str, Any]]] = []
        for block in blocks:
            value = parse_object(block)
            for item in value if isinstance(value, list) else [value]:
                name = item.get("name") if isinstance(item, dict) else None
                if isinstance(name, str) and name in tools:
                    calls.append((name, self._raw_args(item) or {}))
                else:
                    calls.append(self._arguments(item))
        thought = "\n".join(
            p for p in [thinking, *(o.replace("```json", "").replace("```", "") for o in outside)]
        )
        return thought.strip(), calls

    @staticmethod
    def _raw_args(item: dict[str, Any]) -> Any:
        """A call object's "arguments" (or "parameters"), parsed when written as a JSON string."""
        args = item.get("arguments", item.get("parameters"))
        return parse_object(args) if isinstance(args, str) else args

    @classmethod
    def _arguments(cls, item: Any) -> tuple[str, dict[str, Any]]:
        """(the tool name, its arguments) of one call object."""
        if not isinstance(item, dict):
            raise fail(f"a tool call must be a JSON object, got {item!r}"[:200])
        args = cls._raw_args(item)
        if args is None and "action" in item:
            args = item
        if not isinstance(args, dict):
            raise fail('a tool call needs "arguments": {"action": ...}')
        if "action" not in args:
            raise fail(f'the arguments need an "action", got keys {sorted(args)[:8]}')
        return str(item.get("name", "")), args

    def _point(self, frame: Frame, tool: str, value: Any, clamp: bool, what: str) -> tuple[int, int]:
        grid = self.answer_grid(tool)
        nums = coordinates(value, what)
        if grid is not None:  # multiply first: 999 * 1000 / 999 is exactly 1000, 999 * (1000 / 999) is not
            nums = [n * frame.model_width / grid for n in nums]
        return self.point(frame, nums, clamp=clamp, what=what)

    def _parse(
        self, text: str, frame: Frame, clamp: bool, cursor: Cursor | None, tools: Toolbox
    ) -> tuple[str, list[GroundedAction]]:
        thought, calls = self._calls(text, tools)
        steps: list[GroundedAction] = []
        for tool, args in calls:
            if tool in tools:
                steps.append(GroundedAction(action=tool_action(tools, tool, args)))
                continue
            action = str(args.get("action", "")).strip().lower()
            coordinate = args.get("coordinate")
            point = (
                self._point(frame, tool, coordinate, clamp, "coordinate") if coordinate is not None else None
            )
            if action == "mouse_move":
                if point is None:
                    raise fail('mouse_move needs "coordinate": [x, y]')
                cursor = point
                steps.append(GroundedAction(action=make_action("move", x=point[0], y=point[1])))
                continue
            if action in _BUTTONS or action == "left_click_drag":
                steps.append(
                    GroundedAction(
                        action=self._pointer(action, args, tool, point, cursor, steps, frame, clamp)
                    )
                )
                cursor = point if point is not None else cursor
                continue
            steps.append(GroundedAction(action=self._other(action, args, tool, point, frame, clamp)))
        return thought, steps

    def _pointer(
        self,
        action: str,
        args: dict[str, Any],
        tool: str,
        point: tuple[int, int] | None,
        cursor: Cursor | None,
        steps: list[GroundedAction],
        frame: Frame,
        clamp: bool,
    ) -> Action:
        """A click or a left_click_drag; where a coordinate is missing, the pointer stands in, and a
        mouse_move just before it in the same answer is folded in (the official two-call click)."""
        after_move = bool(steps) and steps[-1].action.type == "move" and cursor is not None
        if action == "left_click_drag":
            if point is None:
                raise fail('left_click_drag needs "coordinate": [x, y], the end of the drag')
            start_raw = args.get("start_coordinate")
            if start_raw is not None:
                start = self._point(frame, tool, start_raw, clamp, "start_coordinate")
            elif cursor is not None:
                start = cursor
                if after_move:
                    steps.pop()  # the move was the drag's start
            else:
                raise fail(
                    "left_click_drag starts where the pointer is, and the pointer position is unknown: "
                    "mouse_move to the start point first"
                )
            return make_action("drag", x=start[0], y=start[1], to_x=point[0], to_y=point[1])
        if point is None:
            if cursor is None:
                raise fail(
                    f'{action} needs "coordinate": [x, y] here (the pointer position is unknown), or a '
                    "mouse_move just before it"
                )
            point = cursor
            if after_move:
                steps.pop()  # the official two-call click: fold the move into it
        button, count = _BUTTONS[action]
        return make_action("click", x=point[0], y=point[1], button=button, count=count)

    def _other(
        self,
        action: str,
        args: dict[str, Any],
        tool: str,
        point: tuple[int, int] | None,
        frame: Frame,
        clamp: bool,
    ) -> Action:
        """Every action but the mouse buttons and mouse_move (those depend on the steps before)."""
        if action in _TEXT_ACTIONS:
            name = _TEXT_ACTIONS[action]
            text = args.get("text")
            value = text if text not in (None, "") else args.get(TEXT_FIELDS[name])
            return text_action(name, "" if value is None else str(value))
        if action in ("back", "home"):
            return make_action(action)
        handlers: dict[str, Callable[[], Action]] = {
            "click": lambda: make_action("click", **_at(point, action)),
            "long_press": lambda: make_action(
                "long_press", **_at(point, action), duration=wait_seconds(args.get("time"), 1.0)
            ),
            "swipe": lambda: self._swipe(args, tool, point, frame, clamp),
            "scroll": lambda: _scroll(action, args, point, frame),
            "hscroll": lambda: _scroll(action, args, point, frame),
            "key": lambda: _key(args),
            "system_button": lambda: _system_button(args),
            "wait": lambda: make_action("wait", seconds=wait_seconds(args.get("time"))),
            "terminate": lambda: make_action(
                "finish",
                success=str(args.get("status", "success")).strip().lower() == "success",
                message=str(args.get("text") or ""),
            ),
        }
        if action not in handlers:
            raise fail(f"unknown action {action!r}: use one of {', '.join(KNOWN_ACTIONS)}")
        return handlers[action]()

    def _swipe(
        self, args: dict[str, Any], tool: str, point: tuple[int, int] | None, frame: Frame, clamp: bool
    ) -> Action:
        end = args.get("coordinate2")
        if point is None or end is None:
            raise fail('swipe needs "coordinate": [x, y] and "coordinate2": [x2, y2]')
        to = self._point(frame, tool, end, clamp, "coordinate2")
        return make_action("swipe", x=point[0], y=point[1], to_x=to[0], to_y=to[1])

    def _parse_grounding(self, text: str, frame: Frame, clamp: bool) -> Box:
        _, rest = split_think(text)
        if "bbox_2d" in rest or "point_2d" in rest or "<tool_call" not in rest:
            try:
                value = parse_object(rest)
            except LiteralError:
                value = None
            items = value if isinstance(value, list) else [value]
            for item in items[:8]:
                if isinstance(item, dict):
                    for key in ("bbox_2d", "point_2d", "coordinate", "bbox", "point"):
                        if key in item:
                            return self.box(frame, item[key], clamp=clamp, what=key)
            if value is not None and isinstance(value, list) and len(as_numbers(value, 5)) in (2, 4):
                return self.box(frame, value, clamp=clamp)
        _, calls = self._calls(rest)
        for tool, args in calls:
            if "coordinate" in args:
                x, y = self._point(frame, tool, args["coordinate"], clamp, "coordinate")
                return Box(x1=x, y1=y, x2=x, y2=y)
        raise fail(
            'no location found: answer with <tool_call>\n{"name": "computer_use", "arguments": '
            '{"action": "left_click", "coordinate": [x, y]}}\n</tool_call>'
        )

    # --- render --------------------------------------------------------------------------
    def _xy(self, frame: Frame, x: float, y: float, tool: str = "computer_use") -> list[int | float]:
        grid = self.answer_grid(tool)
        if grid is None:
            return [json.loads(v) for v in self.to_model(frame, x, y)]
        mx, my = frame.screen_to_model(x, y)  # rounded once, on the tool's own grid
        return [
            round(min(max(mx, 0.0), frame.model_width) * grid / frame.model_width),
            round(min(max(my, 0.0), frame.model_height) * grid / frame.model_height),
        ]

    def render(self, actions: Sequence[Action], frame: Frame, *, thought: str = "") -> str:
        calls: list[tuple[str, dict[str, Any]]] = []
        for a in actions:
            calls.extend(self._render_one(a, frame))
        blocks = [
            "<tool_call>\n"
            + json.dumps({"name": n, "arguments": args}, ensure_ascii=False)
            + "\n</tool_call>"
            for n, args in calls
        ]
        return "\n".join(([thought.strip()] if thought.strip() else []) + blocks)

    def _render_one(self, a: Action, frame: Frame) -> list[tuple[str, dict[str, Any]]]:
        pc, mu = "computer_use", "mobile_use"
        if a.type == "tool":
            return [(a.name, dict(a.arguments))]
        if a.type in _TEXT_RENDER:
            return [
                (mu if a.type == "open_app" else pc, {"action": _TEXT_RENDER[a.type], "text": action_text(a)})
            ]
        if a.type in ("back", "home"):
            return [(mu, {"action": "system_button", "button": a.type.capitalize()})]
        if a.type == "key":
            return [(pc, {"action": "key", "keys": list(a.keys)})]
        if a.type == "wait":
            return [(pc, {"action": "wait", "time": a.seconds})]
        if a.type == "finish":
            args = {"action": "terminate", "status": "success" if a.success else "failure"}
            return [(pc, args | ({"text": a.message} if a.message else {}))]
        return self._render_pointer(a, frame)

    def _render_pointer(self, a: Action, frame: Frame) -> list[tuple[str, dict[str, Any]]]:
        """The actions with coordinates (pointer, scroll, touch)."""
        pc, mu = "computer_use", "mobile_use"
        if a.type == "click":
            name = click_name(self.name, _CLICK_NAMES, a)
            return [(pc, {"action": name, "coordinate": self._xy(frame, a.x, a.y)})]
        if a.type == "move":
            return [(pc, {"action": "mouse_move", "coordinate": self._xy(frame, a.x, a.y)})]
        if a.type == "drag":
            return [
                (pc, {"action": "mouse_move", "coordinate": self._xy(frame, a.x, a.y)}),
                (pc, {"action": "left_click_drag", "coordinate": self._xy(frame, a.to_x, a.to_y)}),
            ]
        if a.type == "scroll":
            vertical = a.dy != 0
            pixels = -_wheel_pixels(a.dy) if vertical else _wheel_pixels(a.dx)
            args: dict[str, Any] = {"action": "scroll" if vertical else "hscroll", "pixels": pixels}
            if a.x is not None and a.y is not None:
                args["coordinate"] = self._xy(frame, a.x, a.y)
            return [(pc, args)]
        if a.type == "long_press":
            return [
                (
                    mu,
                    {"action": "long_press", "coordinate": self._xy(frame, a.x, a.y, mu), "time": a.duration},
                )
            ]
        if a.type == "swipe":
            to = self._xy(frame, a.to_x, a.to_y, mu)
            return [(mu, {"action": "swipe", "coordinate": self._xy(frame, a.x, a.y, mu), "coordinate2": to})]
        raise ValueError(f"{self.name} cannot render a {a.type} action")

    def render_grounding(self, box: Box, frame: Frame) -> str:
        if box.x1 == box.x2 and box.y1 == box.y2:
            return self.render([make_action("click", x=box.x1, y=box.y1)], frame)
        coords = self._xy(frame, box.x1, box.y1) + self._xy(frame, box.x2, box.y2)
        return "```json\n" + json.dumps([{"bbox_2d": coords, "label": "target"}]) + "\n```"
