"""The base of the demo's scripted 'models': each reads the live page and answers in a family's own
format, one step at a time.

None is a model: it looks at the DOM (which a real model never sees) to decide the next step, and
computes coordinates from element geometry. Its answers are real model-format text, so everything
downstream (parser, frame, guards, browser, trajectory, report) runs exactly as with a real model.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from anyres_agent.model.conversation import ModelRequest
from anyres_agent.model.families.base import Family
from anyres_agent.tools import Action


class PageScript(ABC):
    """A scripted model for one task on the page of `env`, answering in `family`'s format."""

    def __init__(self, env: Any, family: Family) -> None:
        self.env = env
        self.family = family

    @property
    @abstractmethod
    def task(self) -> str:
        """The instruction this script carries out (what the agent is given)."""

    @abstractmethod
    async def next_step(self) -> tuple[list[Action], str]:
        """The next actions, read from the live page, and the thought that goes with them."""

    async def center(self, selector: str) -> tuple[int, int]:
        """The centre of the first element `selector` matches, in CSS pixels."""
        box = await self.env.page.locator(selector).first.bounding_box()
        if box is None:
            raise RuntimeError(f"the demo page has no visible {selector}")
        return round(box["x"] + box["width"] / 2), round(box["y"] + box["height"] / 2)

    async def __call__(self, request: ModelRequest) -> str:
        actions, thought = await self.next_step()
        assert request.frame is not None, "the loop always sends the frame of the newest screenshot"
        return self.family.render(actions, request.frame, thought=thought)
