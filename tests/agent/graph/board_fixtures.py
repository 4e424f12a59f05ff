"""Checklist fixtures for the resume tests, imported by the test module (not a conftest.py: the
suite's other folders import `conftest` by name, and a second one here would shadow theirs). Import
the `*_fixture` functions; tests ask for them by their fixture names.

The browser and the event loop come from tests/agent/conftest.py (one per session).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from board_site import BoardScript, BoardSite

from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.graph import GuiSession, SessionRegistry
from anyres_agent.environments.browser import BrowserEnvironment
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.model.families import get_family
from anyres_agent.tools import Action


@pytest.fixture(name="board_site", scope="session")
def board_site_fixture() -> Iterator[BoardSite]:
    site = BoardSite()
    yield site
    site.close()


@pytest.fixture(name="board")
def board_fixture(board_site: BoardSite) -> BoardSite:
    board_site.reset()
    return board_site


class ProcessKilled(BaseException):
    """Stands in for SIGKILL: nothing in the agent or in LangGraph may catch it and carry on."""


class DiesAfterClicks:
    """A device whose process dies right after its n-th click reached the page (the click landed,
    no checkpoint was taken): the case a resumed run must not repeat."""

    def __init__(self, env: BrowserEnvironment, clicks: int) -> None:
        self.env, self.clicks, self.name = env, clicks, env.name

    def supported_actions(self) -> frozenset[str]:
        return self.env.supported_actions()

    async def observe(self) -> Any:
        return await self.env.observe()

    async def execute(self, action: Action) -> Any:
        result = await self.env.execute(action)
        if action.type == "click":
            self.clicks -= 1
            if self.clicks == 0:
                raise ProcessKilled("killed after the click landed, before any checkpoint")
        return result

    async def close(self) -> None:
        await self.env.close()


BoardSessions = Callable[..., SessionRegistry]


@pytest.fixture(name="board_sessions")
def board_sessions_fixture(chromium: Any, board: BoardSite) -> BoardSessions:
    """`board_sessions(die_after_clicks=None)`: a new registry (a new "process") whose factory opens a
    fresh browser context on the checklist, driven by the scripted model."""

    def make(die_after_clicks: int | None = None, family: str = "qwen2vl") -> SessionRegistry:
        fam = get_family(family)

        async def open_session(thread_id: str) -> GuiSession:
            env = await BrowserEnvironment.from_browser(chromium, board.url(), settle_s=0.0)
            device = DiesAfterClicks(env, die_after_clicks) if die_after_clicks else env
            return GuiSession(
                env=device, backend=ScriptedBackend(BoardScript(env, fam, board)), family=fam,
                config=AgentConfig(max_steps=12),
            )  # fmt: skip

        return SessionRegistry(open_session)

    return make
