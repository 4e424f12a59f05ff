"""Qwen2.5-VL / Qwen3-VL `<tool_call>` JSON with the cookbook `computer_use` / `mobile_use` tools.

The prompt is Qwen-Agent's NousFnCallPrompt system block (QwenLM/Qwen2.5-VL cookbooks,
`utils/agent_function_call.py`); the model answers
`<tool_call>\\n{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [935, 406]}}\\n</tool_call>`.
Qwen2.5-VL's numbers are pixels of the smart-resized screenshot and the tool declares that size;
Qwen3-VL declares a 1000x1000 screen and answers 0-1000. Both the official click style (mouse_move,
then a coordinate-less left_click) and coordinate-on-click are read.
"""

# ruff: noqa: E501  (verbatim prompt and answer text reads better unwrapped)

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from anyres_agent.model.answer import Box, GroundedAction
from anyres_agent.model.conversation import ImageLike, ImagePart, Message, TextPart
from anyres_agent.model.families.common import (
    TEXT_FIELDS,
    FamilyBase,
    action_text,
    click_name,
    fail,
    make_action,
    scroll_amount,
    split_keys,
    text_action,
    tool_action,
    wait_seconds,
)
from anyres_agent.model.families.textparse import (
    MAX_CALLS,
    LiteralError,
    as_numbers,
    parse_literal,
    parse_object,
    split_think,
)
from anyres_agent.model.families.toolschema import COMPUTER_ACTIONS, nous_system_prompt, tool_schema
from anyres_agent.model.frame import Frame
from anyres_agent.tools import NO_TOOLS, Action, Toolbox

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


def _at(point: tuple[int, int] | None, action: str) -> dict[str, int]:
    if point is None:
        raise fail(f'{action} needs "coordinate": [x, y]')
    return {"x": point[0], "y": point[1]}


def _scroll(action: str, args: dict[str, Any], point: tuple[int, int] | None, frame: Frame) -> Action:
    """`pixels` is positive for up (dy = -pixels); a direction-only scroll moves SCROLL_FRACTION."""
    pixels = as_numbers(args.get("pixels")) if args.get("pixels") is not None else []
    if pixels:
        amount = -round(pixels[0])
        dx, dy = (amount, 0) if action == "hscroll" else (0, amount)
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


class ToolCallFamily(FamilyBase):
    """Shared by qwen25vl and qwen3vl; they differ in coordinate space, factor and declared size."""

    format_hint = (
        'answer with <tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click", '
        '"coordinate": [x, y]}}\n</tool_call>'
    )
    call_names = frozenset({"computer_use", "mobile_use"})

    def declared_size(self, frame: Frame) -> tuple[int, int]:
        raise NotImplementedError

    # --- prompt --------------------------------------------------------------------------
    def tool_schema(self, actions: frozenset[str], frame: Frame) -> dict[str, Any]:
        return tool_schema(actions, self.declared_size(frame))

    def system_prompt(self, actions: frozenset[str], frame: Frame, tools: Toolbox = NO_TOOLS) -> str:
        """The cookbook's tool, then each custom tool's function schema (one JSON per line, as
        Qwen-Agent lists several tools)."""
        return nous_system_prompt(self.tool_schema(actions, frame), [t.function_schema() for t in tools])

    def task_text(self, task: str) -> str:
        return f"The user query: {task}"

    def grounding_messages(self, *, instruction: str, frame: Frame, screenshot: ImageLike) -> list[Message]:
        """The cookbook's computer_use grounding: the tool schema, the screenshot, the query."""
        system = self._cached_system_prompt(frozenset({"click"}), frame)  # a UI test grounds every step
        user = Message(role="user", content=[ImagePart(image=screenshot), TextPart(text=instruction)])
        return [Message.text("system", system), user]

    # --- parse ---------------------------------------------------------------------------
    def _calls(
        self, text: str, tools: Toolbox = NO_TOOLS
    ) -> tuple[str, list[tuple[str | None, dict[str, Any]]]]:
        """The thought and each call as (custom tool name, its arguments), or (None, the cookbook
        tool's arguments with their "action")."""
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
        calls: list[tuple[str | None, dict[str, Any]]] = []
        for block in blocks:
            value = parse_object(block)
            for item in value if isinstance(value, list) else [value]:
                name = item.get("name") if isinstance(item, dict) else None
                if isinstance(name, str) and name in tools:
                    args = item.get("arguments", item.get("parameters"))
                    calls.append((name, parse_object(args) if isinstance(args, str) else args or {}))
                else:
                    calls.append((None, self._arguments(item)))
        thought = "\n".join(
            p for p in [thinking, *(o.replace("```json", "").replace("```", "") for o in outside)]
        )
        return thought.strip(), calls

    @staticmethod
    def _arguments(item: Any) -> dict[str, Any]:
        if not isinstance(item, dict):
            raise fail(f"a tool call must be a JSON object, got {item!r}"[:200])
        args = item.get("arguments", item.get("parameters"))
        if isinstance(args, str):
            args = parse_object(args)
        if args is None and "action" in item:
            args = item
        if not isinstance(args, dict):
            raise fail('a tool call needs "arguments": {"action": ...}')
        if "action" not in args:
            raise fail(f'the arguments need an "action", got keys {sorted(args)[:8]}')
        return args

    def _parse(
        self, text: str, frame: Frame, clamp: bool, tools: Toolbox
    ) -> tuple[str, list[GroundedAction]]:
        thought, calls = self._calls(text, tools)
        steps: list[GroundedAction] = []
        cursor: tuple[int, int] | None = None
        for tool, args in calls:
            if tool is not None:
                steps.append(GroundedAction(action=tool_action(tools, tool, args)))
                continue
            action = str(args.get("action", "")).strip().lower()
            coordinate = args.get("coordinate")
            point = (
                self.point(frame, coordinate, clamp=clamp, what="coordinate")
                if coordinate is not None
                else None
            )
            if action == "mouse_move":
                if point is None:
                    raise fail('mouse_move needs "coordinate": [x, y]')
                cursor = point
                steps.append(GroundedAction(action=make_action("move", x=point[0], y=point[1])))
                continue
            if action in _BUTTONS or action == "left_click_drag":
                after_move = bool(steps) and steps[-1].action.type == "move" and cursor is not None
                if action == "left_click_drag":
                    start_raw = args.get("start_coordinate")
                    if point is None:
                        raise fail('left_click_drag needs "coordinate": [x, y], the end of the drag')
                    if start_raw is not None:
                        start = self.point(frame, start_raw, clamp=clamp, what="start_coordinate")
                    elif cursor is not None:
                        start = cursor
                        if after_move:
                            steps.pop()  # the move was the drag's start
                    else:
                        raise fail("left_click_drag needs a mouse_move to the start point just before it")
                    steps.append(
                        GroundedAction(
                            action=make_action("drag", x=start[0], y=start[1], to_x=point[0], to_y=point[1])
                        )
                    )
                else:
                    if point is None:
                        if cursor is None:
                            raise fail(
                                f'{action} needs "coordinate": [x, y] (or a mouse_move just before it)'
                            )
                        point = cursor
                        if after_move:
                            steps.pop()  # the official two-call click: fold the move into it
                    button, count = _BUTTONS[action]
                    click = make_action("click", x=point[0], y=point[1], button=button, count=count)
                    steps.append(GroundedAction(action=click))
                cursor = point
                continue
            steps.append(GroundedAction(action=self._other(action, args, point, frame, clamp)))
        return thought, steps

    def _other(
        self, action: str, args: dict[str, Any], point: tuple[int, int] | None, frame: Frame, clamp: bool
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
            "swipe": lambda: self._swipe(args, point, frame, clamp),
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
            raise fail(
                f"unknown action {action!r}: use one of {', '.join([*COMPUTER_ACTIONS, 'click', 'swipe'])}"
            )
        return handlers[action]()

    def _swipe(
        self, args: dict[str, Any], point: tuple[int, int] | None, frame: Frame, clamp: bool
    ) -> Action:
        end = args.get("coordinate2")
        if point is None or end is None:
            raise fail('swipe needs "coordinate": [x, y] and "coordinate2": [x2, y2]')
        to = self.point(frame, end, clamp=clamp, what="coordinate2")
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
                            return self.box(frame, item[key], clamp=clamp)
            if value is not None and isinstance(value, list) and len(as_numbers(value)) in (2, 4):
                return self.box(frame, value, clamp=clamp)
        _, calls = self._calls(rest)
        for _tool, args in calls:
            if "coordinate" in args:
                return self.box(frame, args["coordinate"], clamp=clamp)
        raise fail(
            'no location found: answer with <tool_call>\n{"name": "computer_use", "arguments": '
            '{"action": "left_click", "coordinate": [x, y]}}\n</tool_call>'
        )

    # --- render --------------------------------------------------------------------------
    def _xy(self, frame: Frame, x: float, y: float) -> list[int | float]:
        mx, my = self.to_model(frame, x, y)
        return [json.loads(mx), json.loads(my)]

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
            args: dict[str, Any] = {"action": "hscroll" if a.dy == 0 else "scroll", "pixels": -(a.dy or a.dx)}
            if a.x is not None and a.y is not None:
                args["coordinate"] = self._xy(frame, a.x, a.y)
            return [(pc, args)]
        if a.type == "long_press":
            return [
                (mu, {"action": "long_press", "coordinate": self._xy(frame, a.x, a.y), "time": a.duration})
            ]
        if a.type == "swipe":
            to = self._xy(frame, a.to_x, a.to_y)
            return [(mu, {"action": "swipe", "coordinate": self._xy(frame, a.x, a.y), "coordinate2": to})]
        raise ValueError(f"{self.name} cannot render a {a.type} action")

    def render_grounding(self, box: Box, frame: Frame) -> str:
        if box.x1 == box.x2 and box.y1 == box.y2:
            return self.render([make_action("click", x=box.x1, y=box.y1)], frame)
        coords = self._xy(frame, box.x1, box.y1) + self._xy(frame, box.x2, box.y2)
        return "```json\n" + json.dumps([{"bbox_2d": coords, "label": "target"}]) + "\n```"
