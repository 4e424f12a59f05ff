"""UI-TARS's `Thought: ... Action: click(...)` format, shared by uitars (v1) and uitars15.

Prompts are the official templates, byte for byte (uitars: bytedance/UI-TARS README_v1.md "Prompt
Templates"; uitars15: codes/ui_tars/prompt.py COMPUTER_USE_DOUBAO, MOBILE_USE_DOUBAO, GROUNDING_DOUBAO):
the whole template, task included, is the first user message. Lines for project actions the template
lacks (navigate, answer, choose...) are added only when an environment opts in (`extras`).

Answers are read like `ui_tars.action_parser.parse_action_to_structure_output`: the action is the text
after the last `Action:` (a thought that quotes "previous action: click(...)" is thought, not action),
`point=` / `start_point=` / `start_box=`, `<point>x y</point>`, `(x,y)`, box tokens, and a point or box
has exactly 2 or 4 numbers. A scanner replaces Python's ast, so unescaped quotes, a missing `)` or a
missing `Action:` survive.
"""

# ruff: noqa: E501  (verbatim prompt and answer text reads better unwrapped)

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from anyres_agent.model.answer import Box, GroundedAction
from anyres_agent.model.conversation import ImageLike, ImagePart, Message, TextPart
from anyres_agent.model.families.common import (
    Cursor,
    FamilyBase,
    click_name,
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
    wheel_scroll,
)
from anyres_agent.model.families.textparse import find_calls, first_call, numbers, split_think
from anyres_agent.model.frame import Frame
from anyres_agent.tools import NO_TOOLS, Action, Tool, Toolbox, swipe_end_for_scroll

NAMES = frozenset(
    {
        "click", "left_single", "left_double", "double_click", "right_single", "right_click", "drag", "select",
        "hotkey", "press", "type", "scroll", "wait", "finished", "finish", "call_user", "long_press",
        "open_app", "press_home", "press_back", "press_enter", "press_appselect", "error", "mouse_move",
        "move", "hover", "swipe", "navigate", "navigate_back", "answer", "choose",
    }
)  # fmt: skip
_ACTION_MARKS = (
    re.compile(r"(?m)^[ \t]*Action[ \t]*[:：]"),  # a line that starts "Action:"
    re.compile(r"(?im)^[ \t]*action[ \t]*[:：]"),  # the same in another case
    re.compile(r"Action[ \t]*[:：]"),  # anywhere: what the official split("Action: ")[-1] takes
)
"""Where the action section starts, best first; the last match of the first pattern that matches wins."""
_THOUGHT = re.compile(r"(?i)\b(?:thought|reflection|action_summary)\s*[:：]\s*")
START_KEYS = ("point", "start_point", "start_box", "box", "position", "coordinate")
END_KEYS = ("end_point", "end_box", "to_point")
SCROLL_CLICKS = 5
"""The official executor scrolls 5 wheel clicks per scroll(direction=...) (ui_tars/action_parser.py,
parsing_response_to_pyautogui_code: pyautogui.scroll(5) for up, pyautogui.scroll(-5) for down)."""


_RENDER_CLICKS = {("left", 1): "click", ("left", 2): "left_double", ("right", 1): "right_single"}
_CLICKS = {"click": ("left", 1), "left_single": ("left", 1), "left_double": ("left", 2)}
_CLICKS |= {"double_click": ("left", 2), "right_single": ("right", 1), "right_click": ("right", 1)}
_KEY_CALLS = {"press_enter": ["enter"], "press_appselect": ["appswitch"]}
"""Key presses the mobile datasets name as calls: press_appselect() is GUI-Odyssey's KEY_APPSELECT, the
app-switch (recent apps) key."""
_TEXT_CALLS: dict[str, tuple[str, str | None]] = {
    "type": ("type", None),
    "answer": ("answer", None),
    "call_user": ("call_user", "message"),
    "open_app": ("open_app", "app_name"),
    "navigate": ("navigate", "url"),
    "choose": ("choose", "option"),
}
"""UI-TARS call -> (our text-carrying action, its own keyword besides content/text/value)."""


def _without_point(name: str, kwargs: dict[str, Any], args: list[Any]) -> Action:
    """The calls that take no coordinates: keys, waits, the end of the task, text-carrying actions."""
    text = next((kwargs[k] for k in ("content", "text", "value") if k in kwargs), None)
    if text is None and args and isinstance(args[0], str) and name in ("type", "finished", "answer", "error"):
        text = args[0]
    if name in ("hotkey", "press"):
        keys = kwargs.get("key", kwargs.get("keys", args[0] if args else None))
        if not keys or not isinstance(keys, str | list):
            raise fail(f"{name} needs key='ctrl c'")
        return make_action("key", keys=split_keys(keys) if isinstance(keys, str) else keys)
    if name in _KEY_CALLS:
        return make_action("key", keys=_KEY_CALLS[name])
    if name == "wait":
        return make_action("wait", seconds=wait_seconds(kwargs.get("time", kwargs.get("seconds")), 5.0))
    if name in ("finished", "finish", "error"):
        return make_action("finish", success=name != "error", message="" if text is None else str(text))
    if name in ("press_home", "press_back", "navigate_back"):
        return make_action("home" if name == "press_home" else "back")
    if name not in _TEXT_CALLS:
        raise fail(f"unknown action {name!r}")
    ours, keyword = _TEXT_CALLS[name]
    positional = args[0] if args and keyword else None  # type and answer took theirs as `text` above
    candidates = (kwargs.get(keyword) if keyword else None, text, positional)
    return text_action(ours, str(next((v for v in candidates if v not in (None, "")), "")))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")


def _action_start(text: str) -> re.Match[str] | None:
    """The last `Action:` marker of the best kind present (see _ACTION_MARKS), or None."""
    if "ction" not in text and "CTION" not in text:
        return None
    for pattern in _ACTION_MARKS:
        last = None
        for last in pattern.finditer(text):  # noqa: B007  (the loop keeps the last match)
            pass
        if last is not None:
            return last
    return None


def _literal(value: Any) -> str:
    """A JSON value as UI-TARS writes call arguments: quoted text; numbers, True/False/None, lists and
    dicts as the Python literals the parser reads back."""
    return f"'{_escape(value)}'" if isinstance(value, str) else repr(value)


def tool_line(tool: Tool) -> str:
    """A custom tool in the action-space list: `name(arg='')` and its description as a comment."""
    args = ", ".join(f"{field}=''" for field in tool.field_names())
    return f"{tool.name}({args}) # {tool.description}"


class ThoughtActionFamily(FamilyBase):
    """The UI-TARS answer grammar; subclasses give the templates, the point syntax and the space."""

    language: ClassVar[str] = "English"
    """What {language} becomes in a template that has the placeholder (UI-TARS-1.5's)."""
    format_hint = "answer with Thought: ... then Action: click(start_box='(x,y)')"
    call_names = NAMES

    point_format: ClassVar[str]
    """How the model writes a point, with {x} and {y} in its model space."""
    computer_template: ClassVar[str]
    mobile_template: ClassVar[str]
    """The official templates, with {instruction} (and, where official, {language}) left in."""
    template_actions: ClassVar[Mapping[str, frozenset[str]]]
    """The tools actions each template ("computer", "mobile") already offers."""
    extra_lines: ClassVar[Mapping[str, Sequence[str]]]
    """Lines for tools actions a template lacks, added only for the actions an environment opts in to."""
    grounding_template: ClassVar[str]
    grounding_image_first: ClassVar[bool] = False

    def point_text(self, frame: Frame, x: float, y: float) -> str:
        mx, my = self.to_model(frame, x, y)
        return self.point_format.format(x=mx, y=my)

    # --- prompts -------------------------------------------------------------------------
    def template_kind(self, actions: frozenset[str]) -> str:
        return "mobile" if is_mobile(actions) else "computer"

    def template(
        self, actions: frozenset[str], extras: frozenset[str] = frozenset(), tools: Toolbox = NO_TOOLS
    ) -> str:
        """The official template for this device, plus the opted-in lines it lacks and one line per
        custom tool (neither: the official template, byte for byte)."""
        kind = self.template_kind(actions)
        base = self.mobile_template if kind == "mobile" else self.computer_template
        offered = self.template_actions[kind]
        lines = [line for key, items in self.extra_lines.items() if key in extras - offered for line in items]
        lines += [tool_line(tool) for tool in tools]
        return insert_lines(base, lines, "## Note")

    def prompt(
        self,
        actions: frozenset[str],
        task: str,
        extras: frozenset[str] = frozenset(),
        tools: Toolbox = NO_TOOLS,
    ) -> str:
        return fill(self.template(actions, extras, tools), language=self.language, instruction=task)

    def system_prompt(
        self,
        actions: frozenset[str],
        frame: Frame,
        extras: frozenset[str] = frozenset(),
        tools: Toolbox = NO_TOOLS,
    ) -> str:
        return self.prompt(actions, "{instruction}", extras, tools)

    def opening(
        self,
        task: str,
        actions: frozenset[str],
        frame: Frame,
        extras: frozenset[str] = frozenset(),
        tools: Toolbox = NO_TOOLS,
    ) -> tuple[str, str]:
        """UI-TARS has no system turn: the template with the task opens the user turn (the cached
        system prompt has {language} filled and {instruction} left, so this is `prompt` exactly)."""
        return "", self._cached_system_prompt(actions, frame, extras, tools).replace("{instruction}", task)

    def grounding_messages(self, *, instruction: str, frame: Frame, screenshot: ImageLike) -> list[Message]:
        text = TextPart(text=fill(self.grounding_template, language=self.language, instruction=instruction))
        image = ImagePart(image=screenshot)
        content = [image, text] if self.grounding_image_first else [text, image]
        return [Message(role="user", content=content)]

    # --- parse ---------------------------------------------------------------------------
    @staticmethod
    def _tool(tools: Toolbox, name: str, kwargs: dict[str, Any], args: list[Any]) -> Action:
        """A custom tool's call; positional arguments fill its fields in order."""
        fields = tools.get(name).field_names()
        if len(args) > len(fields):
            raise fail(f"{name} takes {len(fields)} argument(s): {', '.join(fields) or 'none'}")
        return tool_action(tools, name, {**dict(zip(fields, args, strict=False)), **kwargs})

    def _split(self, text: str, tools: Toolbox = NO_TOOLS) -> tuple[str, str]:
        thinking, text = split_think(text)
        mark = _action_start(text)
        if mark is not None:
            head, section = text[: mark.start()], text[mark.end() :]
        else:  # hallucinated format without "Action:": take the first known call onwards
            start = first_call(text, NAMES | tools.names)
            head, section = text[:start], text[start:]
        label = _THOUGHT.search(head) if ":" in head or "：" in head else None
        thought = head[label.end() :] if label is not None else head
        thought = (
            _THOUGHT.sub("", thought) if len(thought) < 4096 else thought
        )  # Reflection:, Action_Summary:
        return "\n".join(t for t in (thinking, thought.strip()) if t), section

    def _parse(
        self, text: str, frame: Frame, clamp: bool, cursor: Cursor | None, tools: Toolbox
    ) -> tuple[str, list[GroundedAction]]:
        thought, section = self._split(text, tools)
        steps = [
            GroundedAction(
                action=self._tool(tools, name.lower(), kwargs, args)
                if name.lower() in tools
                else self._action(name.lower(), kwargs, args, frame, clamp)
            )
            for name, kwargs, args in find_calls(section, NAMES | tools.names)
        ]
        if not steps and section.strip():
            word = (section.strip().split("(")[0].split() or [section.strip()[:20]])[0][:40]
            raise fail(f"unknown action {word!r}: {self.format_hint}")
        return thought, steps

    def _where(self, kwargs: dict[str, Any], args: list[Any], keys: Sequence[str], index: int) -> Any:
        for key in keys:
            if kwargs.get(key) not in (None, ""):
                return kwargs[key]
        return args[index] if len(args) > index else None

    def _action(
        self, name: str, kwargs: dict[str, Any], args: list[Any], frame: Frame, clamp: bool
    ) -> Action:
        start = self._where(kwargs, args, START_KEYS, 0)

        def at(value: Any, what: str) -> tuple[int, int]:
            if value is None:
                raise fail(f"{name} needs {what}='<point>x y</point>'")
            return self.point(frame, value, clamp=clamp, what=what)

        if name in _CLICKS:
            x, y = at(start, "point")
            button, count = _CLICKS[name]
            return make_action("click", x=x, y=y, button=button, count=count)
        if name in ("drag", "select", "swipe"):
            x, y = at(start, "start_point")
            end = self._where(kwargs, args, END_KEYS, 1)
            if end is None and kwargs.get("direction"):
                dx, dy = scroll_amount(frame, str(kwargs["direction"]))
                tx, ty = swipe_end_for_scroll(x, y, dx, dy, (frame.screen_width, frame.screen_height))
            else:
                tx, ty = at(end, "end_point")
            return make_action("swipe" if name == "swipe" else "drag", x=x, y=y, to_x=tx, to_y=ty)
        if name in ("mouse_move", "move", "hover"):
            x, y = at(start, "point")
            return make_action("move", x=x, y=y)
        if name == "long_press":
            x, y = at(start, "point")
            return make_action("long_press", x=x, y=y, duration=wait_seconds(kwargs.get("time"), 1.0))
        if name == "scroll":
            return self._scroll(kwargs, args, start, frame, at)
        return _without_point(name, kwargs, args)

    def _scroll(self, kwargs: dict[str, Any], args: list[Any], start: Any, frame: Frame, at: Any) -> Action:
        """scroll(direction=...) is SCROLL_CLICKS wheel clicks that way; v1's mobile
        scroll(start_box, end_box) is a finger moving from start to end, so the content scrolls by
        start - end (a finger moving up scrolls down), at the start point."""
        direction = kwargs.get("direction") or next(
            (a for a in args if isinstance(a, str) and a.isalpha()), None
        )
        end = self._where(kwargs, args, END_KEYS, 1) if not direction else None
        where: dict[str, int] = {}
        if start is not None and not (isinstance(start, str) and start.isalpha()):
            where = dict(zip(("x", "y"), at(start, "point"), strict=True))
        if end is not None and where:
            tx, ty = at(end, "end_point")
            return make_action("scroll", dx=where["x"] - tx, dy=where["y"] - ty, **where)
        dx, dy = wheel_scroll(str(direction or "down"), SCROLL_CLICKS)
        return make_action("scroll", dx=dx, dy=dy, **where)

    def _parse_grounding(self, text: str, frame: Frame, clamp: bool) -> Box:
        """The point of a call, or else the numbers of the answer: v1's grounding prompt asks for
        "only the coordinate of one point", so `(235,512)` alone is a whole answer."""
        _, section = self._split(text)
        section = section if section.strip() else split_think(text)[1]
        for _name, kwargs, args in find_calls(section, NAMES):
            value = self._where(kwargs, args, START_KEYS, 0)
            if value is not None:
                return self.box(frame, value, clamp=clamp)
        nums = numbers(section, 5)
        if len(nums) >= 2:
            return self.box(frame, section, clamp=clamp, what="the answer")
        raise fail(f"no location found: {self.format_hint}")

    # --- render --------------------------------------------------------------------------
    def render(self, actions: Sequence[Action], frame: Frame, *, thought: str = "") -> str:
        calls = "\n\n".join(self._call(a, frame) for a in actions)
        return (f"Thought: {thought.strip()}\n" if thought.strip() else "") + f"Action: {calls}"

    def _call(self, a: Action, frame: Frame) -> str:
        p = self.point_text
        if a.type == "tool":
            return f"{a.name}({', '.join(f'{k}={_literal(v)}' for k, v in a.arguments.items())})"
        if a.type == "click":
            name = click_name(self.name, _RENDER_CLICKS, a)
            return f"{name}({self.start_key}='{p(frame, a.x, a.y)}')"
        if a.type in ("drag", "swipe"):
            return (
                f"{a.type}({self.drag_start_key}='{p(frame, a.x, a.y)}', "
                f"{self.end_key}='{p(frame, a.to_x, a.to_y)}')"
            )
        if a.type == "move":
            return f"mouse_move({self.start_key}='{p(frame, a.x, a.y)}')"
        if a.type == "long_press":
            return f"long_press({self.start_key}='{p(frame, a.x, a.y)}')"
        if a.type == "key":
            return f"hotkey(key='{_escape(' '.join(a.keys))}')"
        if a.type == "type":
            return f"type(content='{_escape(a.text)}')"
        if a.type == "scroll":
            where = (
                f"{self.start_key}='{p(frame, a.x, a.y)}', " if a.x is not None and a.y is not None else ""
            )
            return f"scroll({where}direction='{scroll_direction(a)}')"
        if a.type == "wait":
            return "wait()"
        if a.type == "finish":
            name = "finished" if a.success else "error"
            return f"{name}(content='{_escape(a.message)}')" if a.message or not a.success else f"{name}()"
        if a.type == "call_user":
            return f"call_user(content='{_escape(a.message)}')" if a.message else "call_user()"
        simple = {"home": "press_home()", "back": "press_back()"}
        if a.type in simple:
            return simple[a.type]
        if a.type == "open_app":
            return f"open_app(app_name='{_escape(a.name)}')"
        if a.type == "navigate":
            return f"navigate(url='{_escape(a.url)}')"
        if a.type == "answer":
            return f"answer(content='{_escape(a.text)}')"
        if a.type == "choose":
            return f"choose(option='{_escape(a.option)}')"
        raise ValueError(f"{self.name} cannot render a {a.type} action")

    start_key: ClassVar[str] = "start_box"
    drag_start_key: ClassVar[str] = "start_box"
    end_key: ClassVar[str] = "end_box"

    def render_grounding(self, box: Box, frame: Frame) -> str:
        x, y = box.center
        return f"Action: click({self.start_key}='{self.point_text(frame, x, y)}')"


def fill(template: str, *, language: str, instruction: str) -> str:
    """A template's {language} and then its {instruction}: the task goes in last, so braces in it
    stay as they are (str.format would read them)."""
    return template.replace("{language}", language).replace("{instruction}", instruction)
