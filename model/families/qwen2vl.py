"""Qwen2-VL (and OS-Atlas): Qwen-Agent function calls with ✿FUNCTION✿/✿ARGS✿ markers, 0-1000 boxes.

The paper (arXiv 2409.12191, §2.2.1, §3.2.7) trains agents on Qwen-Agent's format: a `# Tools` system
block, then `✿FUNCTION✿: Tap` / `✿ARGS✿: {"point": (348,291)}` with points "where x and y range from 0
to 1000". Grounding answers `<|object_ref_start|>..<|object_ref_end|><|box_start|>(x1,y1),(x2,y2)<|box_end|>`,
fractions of the whole image (so of the screen). Decode with skip_special_tokens=False; when the tokens
were stripped anyway the bare `(x1,y1),(x2,y2)` is still read.
"""

# ruff: noqa: E501  (verbatim prompt and answer text reads better unwrapped)

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from anyres_agent.model.answer import Box, GroundedAction
from anyres_agent.model.conversation import ImageLike, ImagePart, Message, TextPart
from anyres_agent.model.families.common import (
    TEXT_FIELDS,
    Cursor,
    FamilyBase,
    action_text,
    coordinates,
    fail,
    make_action,
    scroll_amount,
    scroll_direction,
    split_keys,
    text_action,
    tool_action,
    wait_seconds,
)
from anyres_agent.model.families.textparse import (
    MAX_CALLS,
    LiteralError,
    numbers,
    parse_literal,
    split_think,
)
from anyres_agent.model.frame import CHECKPOINT_MAX_PIXELS, CHECKPOINT_MIN_PIXELS, QWEN_FACTOR, Frame
from anyres_agent.tools import NO_TOOLS, Action, Tool, Toolbox

FN_NAME, FN_ARGS, FN_RESULT, FN_EXIT = "✿FUNCTION✿", "✿ARGS✿", "✿RESULT✿", "✿RETURN✿"
_MARK = re.compile(
    r"(?:[✿*]{1,2}(FUNCTION|ARGS|RESULT|RETURN)|^[ \t]*(FUNCTION|ARGS|RESULT|RETURN))[✿*]{0,2}[ \t]*[:：]",
    re.M,
)
"""A marker: delimited (`✿FUNCTION✿:`, the paper's `*FUNCTION*:`) anywhere, or at the start of a line.
A bare `RETURN:` inside a sentence is text, and markers inside the arguments are never reached: the
scan goes on after the end of the parsed arguments."""
_NON_SPACE = re.compile(r"\S")
_PAIR = re.compile(r"\(\s*+([-+]?\d+(?:\.\d+)?)\s*+,\s*+([-+]?\d+(?:\.\d+)?)\s*+\)")
POINT_DOC = (
    "The specific spot of interest on the screen, denoted by the coordinates (x, y) where x and y range "
    "from 0 to 1000."
)
TOOLS: dict[str, tuple[str, list[tuple[str, str, str, bool]]]] = {
    "click": ("Click (tap) a point.", [("point", "array", POINT_DOC, True),
              ("button", "string", "left, right or middle (default left).", False),
              ("count", "integer", "1, or 2 for a double click.", False)]),
    "move": ("Move the pointer to a point without clicking.", [("point", "array", POINT_DOC, True)]),
    "drag": ("Press at start_point, move to end_point, release.",
             [("start_point", "array", POINT_DOC, True), ("end_point", "array", POINT_DOC, True)]),
    "scroll": ("Scroll the screen (at a point, optionally).",
               [("direction", "string", "up, down, left or right.", True), ("point", "array", POINT_DOC, False)]),
    "type": ("Type text into the focused element.", [("text", "string", "The text to type.", True)]),
    "key": ("Press keys together.", [("keys", "string", "Key names split by spaces, e.g. 'ctrl c'.", True)]),
    "long_press": ("Touch and hold a point.", [("point", "array", POINT_DOC, True)]),
    "swipe": ("Swipe from start_point to end_point.",
              [("start_point", "array", POINT_DOC, True), ("end_point", "array", POINT_DOC, True)]),
    "navigate": ("Open a URL.", [("url", "string", "The URL.", True)]),
    "back": ("Go back.", []),
    "home": ("Go to the home screen.", []),
    "open_app": ("Open an app.", [("name", "string", "The app name.", True)]),
    "wait": ("Wait for the screen to change.", [("seconds", "number", "Seconds to wait.", False)]),
    "choose": ("Pick one of the offered options.", [("option", "string", "The option.", True)]),
    "call_user": ("Ask the user for help.", [("message", "string", "What you need.", True)]),
    "answer": ("Report the answer the task asks for.", [("text", "string", "The answer.", True)]),
    "finish": ("End the task.", [("success", "boolean", "Whether the task succeeded.", True),
               ("message", "string", "A short summary.", False)]),
}  # fmt: skip
ALIASES = {"tap": "click", "input": "type", "type_text": "type", "press_back": "back", "press_home": "home",
           "hotkey": "key", "press": "key", "open": "open_app", "terminate": "finish", "finished": "finish",
           "left_click": "click", "mouse_move": "move", "hover": "move", "launch": "open_app"}  # fmt: skip


def tool_parameters(tool: Tool) -> list[tuple[str, str, str, bool]]:
    """A custom tool's arguments as the TOOLS table lists them: (name, type, description, required)."""
    schema = tool.parameters()
    required = set(schema.get("required", []))
    return [
        (name, str(spec.get("type", "string")), str(spec.get("description", "")), name in required)
        for name, spec in schema["properties"].items()
    ]


def _kind(mark: re.Match[str]) -> str:
    return mark.group(1) or mark.group(2)


def _next_mark(text: str, pos: int, kind: str) -> re.Match[str] | None:
    """The next `kind` marker at or after `pos` (a bounded number of other markers are passed over)."""
    for _ in range(4 * MAX_CALLS):
        mark = _MARK.search(text, pos)
        if mark is None or _kind(mark) == kind:
            return mark
        pos = mark.end()
    return None


def _name(text: str, start: int, stop: int) -> tuple[str, int]:
    """The function name: the first line of text after the marker (before `stop`), and where it ends."""
    nonspace = _NON_SPACE.search(text, start, stop)
    if nonspace is None:
        return "", stop
    line_end = text.find("\n", nonspace.start(), stop)
    end = stop if line_end < 0 else line_end
    return text[nonspace.start() : end].strip().strip("`\"'").lower(), end


def _arguments(text: str, start: int) -> tuple[Any, int]:
    """The ARGS value starting at `start` and where it ends: a literal read by the bounded parser, or
    (not a literal) the plain text up to the next marker as {"text": ...}."""
    nonspace = _NON_SPACE.search(text, start)
    begin = nonspace.start() if nonspace is not None else len(text)
    after = _MARK.search(text, begin)
    stop = after.start() if after is not None else len(text)
    if begin < len(text) and text[begin] in "{[":
        try:
            return parse_literal(text, begin)
        except LiteralError as error:
            if after is None or (error.end or 0) <= stop:
                raise
            # it broke on the next call's marker (say a missing brace): the literal ends at that marker
            value, _ = parse_literal(text[:stop], begin)
            return value, stop
    body = text[begin:stop].strip()
    return ({"text": body} if body else {}), stop


class Qwen2VL(FamilyBase):
    name = "qwen2vl"
    space = "norm1000"
    factor = QWEN_FACTOR
    min_pixels = CHECKPOINT_MIN_PIXELS
    max_pixels = CHECKPOINT_MAX_PIXELS
    format_hint = f'answer with {FN_NAME}: click then {FN_ARGS}: {{"point": (x,y)}} (x and y from 0 to 1000)'
    call_names = frozenset(TOOLS) | frozenset(ALIASES)

    # --- prompts -------------------------------------------------------------------------
    def system_prompt(
        self,
        actions: frozenset[str],
        frame: Frame,
        extras: frozenset[str] = frozenset(),
        tools: Toolbox = NO_TOOLS,
    ) -> str:
        """No official agent template exists for Qwen2-VL (the paper shows the format, not a prompt), so
        this is the project's own Qwen-Agent tool listing of every action the environment allows, then
        each custom tool in the same form."""
        table = {n: TOOLS[n] for n in TOOLS if n in actions | extras or n == "finish"}
        table |= {tool.name: (tool.description, tool_parameters(tool)) for tool in tools}
        names = list(table)
        descs = []
        for n in names:
            doc, params = table[n]
            schema = [{"name": p, "type": t, "description": d, "required": r} for p, t, d, r in params]
            descs.append(
                f"### {n}\n\n{n}: {doc} Parameters: {json.dumps(schema, ensure_ascii=False)} "
                "Format the arguments as a JSON object."
            )
        return (
            "You are a helpful assistant operating a screen. Each screenshot covers the whole screen; points "
            "are (x, y) with x and y from 0 to 1000.\n\n# Tools\n\n## You have access to the following tools:\n\n"
            + "\n\n".join(descs)
            + "\n\n## When you need to call a tool, please insert the following command in your reply, which "
            "can be called zero or multiple times according to your needs:\n\n"
            f"{FN_NAME}: The tool to use, should be one of [{','.join(names)}]\n{FN_ARGS}: The input of the tool\n"
            f"{FN_RESULT}: Tool results\n{FN_EXIT}: Reply based on tool results. Images need to be rendered as ![](url)"
        )

    def grounding_messages(self, *, instruction: str, frame: Frame, screenshot: ImageLike) -> list[Message]:
        """OS-Atlas's prompt (OS-Copilot/OS-Atlas README), answered with Qwen2-VL box tokens."""
        text = (
            "In this UI screenshot, what is the position of the element corresponding to the command "
            f'"{instruction}" (with bbox)?'
        )
        return [Message(role="user", content=[ImagePart(image=screenshot), TextPart(text=text)])]

    # --- parse ---------------------------------------------------------------------------
    def _parse(
        self, text: str, frame: Frame, clamp: bool, cursor: Cursor | None, tools: Toolbox
    ) -> tuple[str, list[GroundedAction]]:
        thinking, text = split_think(text)
        if "FUNCTION" not in text:
            bare = self.bare_box(text, frame, clamp)
            if bare is not None:  # a grounding answer (OS-Atlas-Base, plain Qwen2-VL): click its centre
                x, y = bare.center
                return thinking, [GroundedAction(action=make_action("click", x=x, y=y), box=bare)]
        steps: list[GroundedAction] = []
        first = -1
        pos = 0
        found = "FUNCTION" in text  # a fast pre-check: the marker regex is the slow part on huge answers
        while found and len(steps) < MAX_CALLS:
            mark = _next_mark(text, pos, "FUNCTION")
            if mark is None:
                break
            first = mark.start() if first < 0 else first
            after = _MARK.search(text, mark.end())
            name, pos = _name(text, mark.end(), after.start() if after is not None else len(text))
            args: Any = {}
            if after is not None and _kind(after) == "ARGS":
                args, pos = _arguments(text, after.end())  # the scan goes on after the arguments
            if not isinstance(args, dict):
                raise fail(
                    f'{FN_ARGS} must be a JSON object such as {{"point": (x,y)}}, got {str(args)[:80]}'
                )
            if name in tools:
                steps.append(GroundedAction(action=tool_action(tools, name, args)))
            else:
                steps.append(self._step(ALIASES.get(name, name), args, frame, clamp))
        thought = "\n".join(t for t in (thinking, text[:first].strip() if first >= 0 else "") if t)
        return thought, steps

    def _grounded(
        self, frame: Frame, value: Any, clamp: bool, what: str
    ) -> tuple[tuple[int, int], Box | None]:
        nums = coordinates(value, what)
        if len(nums) == 4:
            box = self.box(frame, nums, clamp=clamp, what=what)
            return box.center, box
        return self.point(frame, nums, clamp=clamp, what=what), None

    def bare_box(self, text: str, frame: Frame, clamp: bool) -> Box | None:
        """The box of an answer that is only a grounding (`<|box_start|>(x1,y1),(x2,y2)<|box_end|>`, or
        its two pairs once the tokens were stripped), or None: prose numbers are never a box."""
        if "<|box_start|>" in text or "<|object_ref_end|>" in text:
            return self._parse_grounding(text, frame, clamp)
        pairs = list(zip(range(3), _PAIR.finditer(text), strict=False))
        if len(pairs) == 2:
            return self._parse_grounding(text, frame, clamp)
        return None

    def _step(self, name: str, args: dict[str, Any], frame: Frame, clamp: bool) -> GroundedAction:
        if name not in TOOLS:
            raise fail(f"unknown function {name!r}: use one of {', '.join(TOOLS)}")
        point = args.get("point", args.get("start_point", args.get("coordinate")))
        if name in ("click", "move", "long_press"):
            if point is None:
                raise fail(f'{name} needs {{"point": (x,y)}}')
            (x, y), box = self._grounded(frame, point, clamp, "point")
            extra: dict[str, Any] = {}
            if name == "click":
                extra = {"button": str(args.get("button", "left")).lower(), "count": args.get("count", 1)}
            return GroundedAction(action=make_action(name, x=x, y=y, **extra), box=box)
        if name in ("drag", "swipe"):
            end = args.get("end_point", args.get("end"))
            if point is None or end is None:
                raise fail(f'{name} needs {{"start_point": (x1,y1), "end_point": (x2,y2)}}')
            (x, y), _ = self._grounded(frame, point, clamp, "start_point")
            (tx, ty), _ = self._grounded(frame, end, clamp, "end_point")
            return GroundedAction(action=make_action(name, x=x, y=y, to_x=tx, to_y=ty))
        if name == "scroll":
            dx, dy = scroll_amount(frame, str(args.get("direction", "down")))
            where = {}
            if point is not None:
                (px, py), _ = self._grounded(frame, point, clamp, "point")
                where = {"x": px, "y": py}
            return GroundedAction(action=make_action("scroll", dx=dx, dy=dy, **where))
        if name == "key":
            keys = args.get("keys", args.get("key", args.get("text")))
            keys = split_keys(keys) if isinstance(keys, str) else keys
            return GroundedAction(action=make_action("key", keys=keys))
        if name == "wait":
            return GroundedAction(action=make_action("wait", seconds=wait_seconds(args.get("seconds"))))
        if name == "finish":
            success = args.get("success", True)
            success = (
                success if isinstance(success, bool) else str(success).lower() not in ("false", "failure")
            )
            return GroundedAction(
                action=make_action("finish", success=success, message=str(args.get("message", "")))
            )
        if name in TEXT_FIELDS:
            value = args.get(TEXT_FIELDS[name], args.get("text", ""))
            return GroundedAction(action=text_action(name, str(value)))
        return GroundedAction(action=make_action(name))

    def _parse_grounding(self, text: str, frame: Frame, clamp: bool) -> Box:
        start = text.find("<|box_start|>")
        if start >= 0:
            end = text.find("<|box_end|>", start)
            return self.box(frame, text[start + 13 : end if end >= 0 else len(text)], clamp=clamp)
        text = text[: text.find("<|box_end|>")] if "<|box_end|>" in text else text
        after = text.find("<|object_ref_end|>")
        region = text[after + 18 :] if after >= 0 else text
        pairs = [(m.group(1), m.group(2)) for _, m in zip(range(2), _PAIR.finditer(region), strict=False)]
        if pairs:
            return self.box(frame, [float(v) for pair in pairs for v in pair], clamp=clamp)
        nums = numbers(region, 5)
        if len(nums) in (2, 4):
            return self.box(frame, nums, clamp=clamp)
        raise fail("no box found: answer with <|box_start|>(x1,y1),(x2,y2)<|box_end|> (0 to 1000)")

    # --- render --------------------------------------------------------------------------
    def _pt(self, frame: Frame, x: float, y: float) -> str:
        mx, my = self.to_model(frame, x, y)
        return f"({mx},{my})"

    def render(self, actions: Sequence[Action], frame: Frame, *, thought: str = "") -> str:
        parts = [thought.strip()] if thought.strip() else []
        for a in actions:
            name, args = self._args(a, frame)
            body = "{" + ", ".join(f'"{k}": {v}' for k, v in args.items()) + "}"
            parts.append(f"{FN_NAME}: {name}\n{FN_ARGS}: {body}")
        return "\n".join(parts)

    def _args(self, a: Action, frame: Frame) -> tuple[str, dict[str, str]]:
        j = json.dumps
        if a.type == "tool":
            return a.name, {k: j(v, ensure_ascii=False) for k, v in a.arguments.items()}
        if a.type == "click":
            extra = {"button": j(a.button)} if a.button != "left" else {}
            return "click", {"point": self._pt(frame, a.x, a.y)} | extra | (
                {"count": j(a.count)} if a.count != 1 else {}
            )
        if a.type in ("move", "long_press"):
            return a.type, {"point": self._pt(frame, a.x, a.y)}
        if a.type in ("drag", "swipe"):
            return a.type, {
                "start_point": self._pt(frame, a.x, a.y),
                "end_point": self._pt(frame, a.to_x, a.to_y),
            }
        if a.type == "scroll":
            where = {"point": self._pt(frame, a.x, a.y)} if a.x is not None and a.y is not None else {}
            return "scroll", {"direction": j(scroll_direction(a))} | where
        if a.type == "key":
            return "key", {"keys": j(" ".join(a.keys))}
        if a.type == "wait":
            return "wait", {"seconds": j(a.seconds)}
        if a.type == "finish":
            return "finish", {"success": j(a.success)} | (
                {"message": j(a.message, ensure_ascii=False)} if a.message else {}
            )
        if a.type in TEXT_FIELDS:
            return a.type, {TEXT_FIELDS[a.type]: j(action_text(a), ensure_ascii=False)}
        if a.type in ("back", "home"):
            return a.type, {}
        raise ValueError(f"{self.name} cannot render a {a.type} action")

    def render_grounding(self, box: Box, frame: Frame) -> str:
        return f"<|box_start|>{self._pt(frame, box.x1, box.y1)},{self._pt(frame, box.x2, box.y2)}<|box_end|>"


FAMILY = Qwen2VL()
