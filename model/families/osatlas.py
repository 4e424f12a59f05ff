"""OS-Atlas-Pro (Qwen2-VL-7B based): `actions:` lines such as `CLICK <point>[[101, 872]]</point>`, 0-1000.

The system prompt is the "Executable Language Grounding mode" prompt of the OS-Atlas-Pro-7B model card
(huggingface.co/OS-Copilot/OS-Atlas-Pro-7B README.md, "Example Inference Code"; the text was read
through a public copy of that example), byte for byte. The card sends one user turn: the prompt, the
screenshot, then "Task instruction: ...\\nHistory: ...", and prints the answer
`actions:\\nCLICK <point>[[493,544]]</point><|im_end|>`. OS-Atlas coordinates are "relative coordinates
within a 0-1000 range" (OS-Copilot/OS-Atlas README). A bare grounding answer in OS-Atlas-Base's format
(`<|box_start|>(x1,y1),(x2,y2)<|box_end|>`) is read as a click at the box's centre.
"""

# ruff: noqa: E501  (verbatim prompt text reads better unwrapped)

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from typing import Any

from anyres_agent.model.answer import Box, GroundedAction
from anyres_agent.model.conversation import ImageLike, ImagePart, Message, TextPart
from anyres_agent.model.families.base import HistoryStep
from anyres_agent.model.families.common import (
    Cursor,
    FamilyBase,
    action_text,
    fail,
    insert_lines,
    make_action,
    scroll_amount,
    scroll_direction,
    split_keys,
    text_action,
    tool_action,
)
from anyres_agent.model.families.qwen2vl import FAMILY as QWEN2VL
from anyres_agent.model.families.textparse import LiteralError, parse_object, split_think
from anyres_agent.model.frame import CHECKPOINT_MAX_PIXELS, CHECKPOINT_MIN_PIXELS, QWEN_FACTOR, Frame
from anyres_agent.tools import NO_TOOLS, Action, Tool, Toolbox

SYSTEM_PROMPT = (
    "\n"
    "You are now operating in Executable Language Grounding mode. Your goal is to help users accomplish tasks by suggesting executable actions that best fit their needs. Your skill set includes both basic and custom actions:\n"
    "\n"
    "1. Basic Actions\n"
    "Basic actions are standardized and available across all platforms. They provide essential functionality and are defined with a specific format, ensuring consistency and reliability. \n"
    "Basic Action 1: CLICK \n"
    "    - purpose: Click at the specified position.\n"
    "    - format: CLICK <point>[[x-axis, y-axis]]</point>\n"
    "    - example usage: CLICK <point>[[101, 872]]</point>\n"
    "\n"
    "Basic Action 2: TYPE\n"
    "    - purpose: Enter specified text at the designated location.\n"
    "    - format: TYPE [input text]\n"
    "    - example usage: TYPE [Shanghai shopping mall]\n"
    "\n"
    "Basic Action 3: SCROLL\n"
    "    - purpose: SCROLL in the specified direction.\n"
    "    - format: SCROLL [direction (UP/DOWN/LEFT/RIGHT)]\n"
    "    - example usage: SCROLL [UP]\n"
    "\n"
    "2. Custom Actions\n"
    "Custom actions are unique to each user's platform and environment. They allow for flexibility and adaptability, enabling the model to support new and unseen actions defined by users. These actions extend the functionality of the basic set, making the model more versatile and capable of handling specific tasks.\n"
    "Custom Action 1: LONG_PRESS \n"
    "    - purpose: Long press at the specified position.\n"
    "    - format: LONG_PRESS <point>[[x-axis, y-axis]]</point>\n"
    "    - example usage: LONG_PRESS <point>[[101, 872]]</point>\n"
    "\n"
    "Custom Action 2: OPEN_APP\n"
    "    - purpose: Open the specified application.\n"
    "    - format: OPEN_APP [app_name]\n"
    "    - example usage: OPEN_APP [Google Chrome]\n"
    "\n"
    "Custom Action 3: PRESS_BACK\n"
    "    - purpose: Press a back button to navigate to the previous screen.\n"
    "    - format: PRESS_BACK\n"
    "    - example usage: PRESS_BACK\n"
    "\n"
    "Custom Action 4: PRESS_HOME\n"
    "    - purpose: Press a home button to navigate to the home page.\n"
    "    - format: PRESS_HOME\n"
    "    - example usage: PRESS_HOME\n"
    "\n"
    "Custom Action 5: PRESS_RECENT\n"
    "    - purpose: Press the recent button to view or switch between recently used applications.\n"
    "    - format: PRESS_RECENT\n"
    "    - example usage: PRESS_RECENT\n"
    "\n"
    "Custom Action 6: ENTER\n"
    "    - purpose: Press the enter button.\n"
    "    - format: ENTER\n"
    "    - example usage: ENTER\n"
    "\n"
    "Custom Action 7: WAIT\n"
    "    - purpose: Wait for the screen to load.\n"
    "    - format: WAIT\n"
    "    - example usage: WAIT\n"
    "\n"
    "Custom Action 8: COMPLETE\n"
    "    - purpose: Indicate the task is finished.\n"
    "    - format: COMPLETE\n"
    "    - example usage: COMPLETE\n"
    "\n"
    "In most cases, task instructions are high-level and abstract. Carefully read the instruction and action history, then perform reasoning to determine the most appropriate next action. Ensure you strictly generate two sections: Thoughts and Actions.\n"
    "*Thoughts*: Clearly outline your reasoning process for current step.\n"
    "*Actions*: Specify the actual actions you will take based on your reasoning. You should follow action format above when generating. \n"
    "*Please output both actions and thoughts at the same time.*\n"
    "\n"
    "*ATTENTION!!* You must answer specific executable actions based on the current page screenshot. \n"
    "This means that you cannot do actions that cannot be completed, such as opening an app that does not exist on the current page.\n"
    "\n"
    "Your current task instruction, action history, and associated screenshot are as follows:\n"
    "Screenshot: \n"
)
OFFERS = frozenset({"click", "type", "scroll", "long_press", "open_app", "back", "home", "wait", "finish"})
EXTRA_ACTIONS = {  # project custom actions, offered only for the actions an environment opts in to
    "navigate": ("NAVIGATE", "Open the specified URL.", "NAVIGATE [url]", "NAVIGATE [https://example.com]"),
    "key": ("HOTKEY", "Press keys together.", "HOTKEY [keys split by spaces]", "HOTKEY [ctrl c]"),
    "answer": ("ANSWER", "Report the answer the task asks for.", "ANSWER [answer]", "ANSWER [42]"),
    "choose": ("CHOOSE", "Pick one of the offered options.", "CHOOSE [option]", "CHOOSE [left]"),
    "call_user": ("CALL_USER", "Ask the user for help.", "CALL_USER [why]", "CALL_USER [a captcha]"),
    "move": (
        "HOVER",
        "Move the pointer to the specified position.",
        "HOVER <point>[[x-axis, y-axis]]</point>",
        "HOVER <point>[[101, 872]]</point>",
    ),
}
_ACTIONS_MARK = re.compile(r"(?im)^[ \t]*\**actions?\**[ \t]*[:：]")
_THOUGHTS_MARK = re.compile(r"(?im)^[ \t]*\**thoughts?\**[ \t]*[:：][ \t]*")
_WORDS: tuple[str, ...] = ("CLICK", "TYPE", "SCROLL", "LONG_PRESS", "OPEN_APP", "PRESS_BACK", "PRESS_HOME")
_WORDS += ("PRESS_RECENT", "ENTER", "WAIT", "COMPLETE", "NAVIGATE", "HOTKEY", "ANSWER", "CHOOSE", "CALL_USER")
_WORDS += ("HOVER",)


def _line_pattern(words: Sequence[str]) -> re.Pattern[str]:
    """An action line: one of `words` at the start of a line, then its argument."""
    return re.compile(rf"(?im)^[ \t]*[-*]?[ \t]*({'|'.join(words)})\b[ \t]*(.*)$")


_LINE = _line_pattern(_WORDS)
_FIXED: dict[str, tuple[str, dict[str, Any]]] = {
    "PRESS_BACK": ("back", {}),
    "PRESS_HOME": ("home", {}),
    "PRESS_RECENT": ("key", {"keys": ["appswitch"]}),
    "ENTER": ("key", {"keys": ["enter"]}),
    "WAIT": ("wait", {"seconds": 1.0}),
}
_TEXT = {"TYPE": "type", "OPEN_APP": "open_app", "NAVIGATE": "navigate", "ANSWER": "answer"}
_TEXT |= {"CHOOSE": "choose", "CALL_USER": "call_user"}
_TEXT_WORDS = {ours: word for word, ours in _TEXT.items()}
MAX_LINES = 16
NEWLINE = "\\n"
"""A line break inside a one-line action such as TYPE [...] is written as backslash-n."""


def _tool_block(tool: Tool) -> tuple[str, str, str, str]:
    """A custom tool as a custom action of the card's prompt: its arguments go in brackets as JSON."""
    word = tool.name.upper()
    example = json.dumps({name: "..." for name in tool.field_names()})
    return (word, tool.description, f"{word} [arguments as a JSON object]", f"{word} [{example}]")


@functools.lru_cache(maxsize=64)
def _tool_lines(names: frozenset[str]) -> re.Pattern[str]:
    """The action-line pattern with the custom tools' words added."""
    return _line_pattern([*_WORDS, *sorted(re.escape(name.upper()) for name in names)])


def _tool_arguments(argument: str) -> Any:
    """A custom action's bracketed JSON arguments (empty brackets or none: no arguments)."""
    text = _bracketed(argument).strip()
    if not text:
        return {}
    try:
        return parse_object(text)
    except LiteralError as error:
        raise fail(f"a custom action's arguments must be a JSON object: {error}") from None


def _bracketed(argument: str) -> str:
    """The text of `[...]` (the outer brackets only), or the argument itself."""
    text = argument.strip()
    if text.startswith("[") and text.endswith("]"):
        return text[1:-1]
    return text.removeprefix("[")


class OSAtlasPro(FamilyBase):
    name = "osatlas"
    space = "norm1000"
    factor = QWEN_FACTOR
    min_pixels = CHECKPOINT_MIN_PIXELS
    max_pixels = CHECKPOINT_MAX_PIXELS
    format_hint = "answer with actions:\\nCLICK <point>[[x, y]]</point> (x and y from 0 to 1000)"
    call_names = frozenset(word.lower() for word in _WORDS)

    # --- prompts -------------------------------------------------------------------------
    def system_prompt(
        self,
        actions: frozenset[str],
        frame: Frame,
        extras: frozenset[str] = frozenset(),
        tools: Toolbox = NO_TOOLS,
    ) -> str:
        """The model card's prompt; opted-in project actions and then the custom tools follow its
        custom actions, numbered on (the card's own way to define actions it has not seen)."""
        wanted = [EXTRA_ACTIONS[k] for k in sorted(extras - OFFERS) if k in EXTRA_ACTIONS]
        wanted += [_tool_block(tool) for tool in tools]
        blocks = [
            f"Custom Action {number}: {word}\n    - purpose: {purpose}\n    - format: {form}\n"
            f"    - example usage: {example}\n"
            for number, (word, purpose, form, example) in enumerate(wanted, start=9)
        ]
        return insert_lines(SYSTEM_PROMPT, blocks, "In most cases")

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
        """The card's single user turn: prompt, screenshot, then the task and the action history as
        text (this format has one screenshot, so earlier screenshots are not sent). Steps are named by
        their own number; `context` and this step's notes follow the history."""
        numbered = [(s.index or i, s) for i, s in enumerate(history, start=1)]
        steps = [f"Step {i}: {self.render_step(s)}" for i, s in numbered]
        steps += [f"Note after step {i}: {s.note.strip()}" for i, s in numbered if s.note.strip()]
        tail = f"Task instruction: {task}\nHistory: {'; '.join(steps) if steps else 'null'}"
        tail += "".join(f"\nNote: {n.strip()}" for n in (*context, *notes) if n.strip())
        content: list[TextPart | ImagePart] = [
            TextPart(text=self._cached_system_prompt(actions, frame, extras, tools)),
            ImagePart(image=screenshot),
            TextPart(text=tail),
        ]
        return [Message(role="user", content=content)]

    def grounding_messages(self, *, instruction: str, frame: Frame, screenshot: ImageLike) -> list[Message]:
        """OS-Atlas-Base's grounding prompt: OS-Atlas-Pro is fine-tuned from it."""
        return QWEN2VL.grounding_messages(instruction=instruction, frame=frame, screenshot=screenshot)

    # --- parse ---------------------------------------------------------------------------
    def _parse(
        self, text: str, frame: Frame, clamp: bool, cursor: Cursor | None, tools: Toolbox
    ) -> tuple[str, list[GroundedAction]]:
        thinking, text = split_think(text)
        marks = list(_ACTIONS_MARK.finditer(text))
        head, section = (text[: marks[-1].start()], text[marks[-1].end() :]) if marks else ("", text)
        label = _THOUGHTS_MARK.search(head)
        thought = "\n".join(t for t in (thinking, (head[label.end() :] if label else head).strip()) if t)
        steps: list[GroundedAction] = []
        line = _LINE if not tools else _tool_lines(tools.names)
        for match in line.finditer(section):
            word, argument = match.group(1).upper(), match.group(2)
            if word.lower() in tools:
                steps.append(
                    GroundedAction(action=tool_action(tools, word.lower(), _tool_arguments(argument)))
                )
            else:
                steps.append(self._step(word, argument, frame, clamp))
            if len(steps) >= MAX_LINES:
                break
        if not steps:
            bare = QWEN2VL.bare_box(section, frame, clamp)
            if bare is not None:
                x, y = bare.center
                steps.append(GroundedAction(action=make_action("click", x=x, y=y), box=bare))
            elif section.strip() and marks:
                raise fail(f"unknown action {section.strip().split()[0][:40]!r}: {self.format_hint}")
        return thought, steps

    def _step(self, word: str, argument: str, frame: Frame, clamp: bool) -> GroundedAction:
        if word in ("CLICK", "LONG_PRESS", "HOVER"):
            if not argument.strip():
                raise fail(f"{word} needs a position: {word} <point>[[x, y]]</point>")
            box = self.box(frame, argument, clamp=clamp, what=word)
            x, y = box.center
            name = {"CLICK": "click", "LONG_PRESS": "long_press", "HOVER": "move"}[word]
            kept = box if (box.x1, box.y1) != (box.x2, box.y2) else None
            return GroundedAction(action=make_action(name, x=x, y=y), box=kept)
        if word == "SCROLL":
            dx, dy = scroll_amount(frame, _bracketed(argument) or "down")
            return GroundedAction(action=make_action("scroll", dx=dx, dy=dy))
        if word == "COMPLETE":
            message = _bracketed(argument).replace(NEWLINE, "\n")
            return GroundedAction(action=make_action("finish", success=True, message=message))
        if word in _FIXED:
            name, arguments = _FIXED[word]
            return GroundedAction(action=make_action(name, **arguments))
        if word == "HOTKEY":
            return GroundedAction(action=make_action("key", keys=split_keys(_bracketed(argument))))
        return GroundedAction(action=text_action(_TEXT[word], _bracketed(argument).replace(NEWLINE, "\n")))

    def _parse_grounding(self, text: str, frame: Frame, clamp: bool) -> Box:
        if "<point>" in text and "<|box_start|>" not in text:
            start = text.index("<point>")
            end = text.find("</point>", start)
            return self.box(frame, text[start : end if end >= 0 else len(text)], clamp=clamp)
        return QWEN2VL._parse_grounding(text, frame, clamp)

    # --- render --------------------------------------------------------------------------
    def _point(self, frame: Frame, x: float, y: float) -> str:
        mx, my = self.to_model(frame, x, y)
        return f"<point>[[{mx}, {my}]]</point>"

    def render(self, actions: Sequence[Action], frame: Frame, *, thought: str = "") -> str:
        lines = [self._line(a, frame) for a in actions]
        return (
            (f"thoughts:\n{thought.strip()}\n" if thought.strip() else "") + "actions:\n" + "\n".join(lines)
        )

    def _line(self, a: Action, frame: Frame) -> str:
        if a.type == "tool":
            return f"{a.name.upper()} [{json.dumps(a.arguments, ensure_ascii=False)}]"
        if a.type in ("click", "long_press", "move") and (
            a.type != "click" or (a.button, a.count) == ("left", 1)
        ):
            word = {"click": "CLICK", "long_press": "LONG_PRESS", "move": "HOVER"}[a.type]
            return f"{word} {self._point(frame, a.x, a.y)}"
        if a.type == "scroll" and a.x is None:
            return f"SCROLL [{scroll_direction(a).upper()}]"
        if a.type == "key" and tuple(a.keys) in (("enter",), ("appswitch",)):
            return "ENTER" if a.keys == ["enter"] else "PRESS_RECENT"
        if a.type == "key":
            return f"HOTKEY [{' '.join(a.keys)}]"
        simple = {"back": "PRESS_BACK", "home": "PRESS_HOME", "wait": "WAIT"}
        if a.type in simple:
            return simple[a.type]
        if a.type == "finish" and a.success:
            return f"COMPLETE [{a.message.replace(chr(10), NEWLINE)}]" if a.message else "COMPLETE"
        if a.type in _TEXT_WORDS:
            return f"{_TEXT_WORDS[a.type]} [{action_text(a).replace(chr(10), NEWLINE)}]"
        raise ValueError(f"{self.name} cannot render a {a.type} action")

    def render_grounding(self, box: Box, frame: Frame) -> str:
        return QWEN2VL.render_grounding(box, frame)


FAMILY = OSAtlasPro()
