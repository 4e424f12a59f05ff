"""Test helpers: an in-memory screen with buttons, and scripts that answer in a family's own format.

The fake screen is a real `Environment` drawn with PIL, so the loop's capture, resize, thumbnail and
parse paths all run on real pixels without a browser; the browser tests cover the real device.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from PIL import Image, ImageDraw

from anyres_agent.environments import ExecutionResult, Observation, Screenshot, Size
from anyres_agent.model.conversation import ModelRequest
from anyres_agent.model.families import get_family
from anyres_agent.tools import Action

Run = Callable[[Coroutine[Any, Any, Any]], Any]
"""Runs a coroutine on the session's event loop (Playwright objects belong to the loop that made them)."""


def family(name: str) -> Any:
    """A real model family by name."""
    return get_family(name)


class FakeScreen:
    """Buttons on a white screen: a click on a button marks it pressed; typing shows at the bottom."""

    name = "fake"

    def __init__(
        self, buttons: dict[str, tuple[int, int, int, int]], size: tuple[int, int] = (640, 400)
    ) -> None:
        self.buttons = buttons
        self.size = size
        self.pressed: list[str] = []
        self.typed: list[str] = []
        self.executed: list[Action] = []
        self.closed = False

    def center(self, name: str) -> tuple[int, int]:
        x1, y1, x2, y2 = self.buttons[name]
        return (x1 + x2) // 2, (y1 + y2) // 2

    def supported_actions(self) -> frozenset[str]:
        return frozenset({"click", "type", "key", "scroll", "wait"})

    async def observe(self) -> Observation:
        image = Image.new("RGB", self.size, "white")
        draw = ImageDraw.Draw(image)
        for name, box in self.buttons.items():
            draw.rectangle(
                box, outline="black", width=2, fill="green" if name in self.pressed else "lightgray"
            )
        draw.text((10, self.size[1] - 30), "".join(self.typed)[-60:], fill="black")
        return Observation(
            screenshot=Screenshot.from_image(image),
            screen=Size(width=self.size[0], height=self.size[1]),
            app="fake",
        )

    async def execute(self, action: Action) -> ExecutionResult:
        self.executed.append(action)
        if action.type == "click":
            for name, (x1, y1, x2, y2) in self.buttons.items():
                if x1 <= action.x <= x2 and y1 <= action.y <= y2:
                    self.pressed.append(name)
                    return ExecutionResult(note=f"pressed {name}")
        elif action.type == "type":
            self.typed.append(action.text)
            return ExecutionResult(note=f"typed {action.text}")  # a careless device echoes what it typed
        return ExecutionResult()

    async def close(self) -> None:
        self.closed = True


Step = Callable[[ModelRequest], tuple[Sequence[Action], str] | str]


def scripted(fam: Any, steps: Sequence[Step | str]) -> Callable[[ModelRequest], str]:
    """A ScriptedBackend callable: step i answers request i, either raw text or (actions, thought)
    rendered in the family's own format against the request's frame."""
    calls = iter(steps)

    def answer(request: ModelRequest) -> str:
        step = next(calls)
        result = step(request) if callable(step) else step
        if isinstance(result, str):
            return result
        actions, thought = result
        assert request.frame is not None
        return fam.render(list(actions), request.frame, thought=thought)

    return answer


def prompt_text(request: ModelRequest) -> str:
    return "\n".join(m.plain_text() for m in request.messages)
