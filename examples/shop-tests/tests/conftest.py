"""The shop, pytest-playwright set up for this machine, and the model behind the UI tests.

CI has no GPU, so the UI tests run against a scripted stand-in for the model that measures elements
in the live page and answers in UI-TARS-1.5's grounding format (the default preset's family). Point
ANYRES_ENDPOINT (and ANYRES_MODEL) at a served model to run the same tests against it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from shop_checks.shop import Shop

from anyres_agent.agent.testing.judge import JUDGE_MARKER
from anyres_agent.environments.browser_launch import find_browser, launch_args
from anyres_agent.model.answer import Box
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.model.conversation import ModelRequest
from anyres_agent.model.families import get_family

ELEMENTS = {
    "the Add to cart button of the blue mug": "#add-blue",
    "the Checkout link": "#checkout",
    "the full name field": "#name",
    "the email field": "#email",
}
STATEMENTS = {
    "the cart shows 1 item": "document.getElementById('count').textContent.trim() === '1'",
    "the cart is empty": "document.getElementById('count').textContent.trim() === '0'",
}


@pytest.fixture(scope="session")
def shop() -> Iterator[Shop]:
    with Shop() as running:
        yield running


@pytest.fixture(scope="session")
def base_url(shop: Shop) -> str:
    """pytest-playwright's base URL: `page.goto("/")` and `@pytest.mark.agent_ui(url="/")` open the shop."""
    return shop.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], playwright: Any) -> dict[str, Any]:
    """Playwright's own Chromium when `playwright install` put it there, else the system one (Debian's
    chromium in CI), found the way anyres-agent finds it."""
    choice = find_browser(playwright.chromium.executable_path)
    return {**browser_type_launch_args, "executable_path": choice.executable_path, "args": launch_args()}


class PageStandIn:
    """Grounds the known descriptions from the page's geometry; judges the known statements in the DOM."""

    def __init__(self) -> None:
        self.family = get_family("uitars15")
        self.page: Any = None  # the UI's page of the running test (set by `_page_for_the_model`)

    async def __call__(self, request: ModelRequest) -> str:
        text = "\n".join(m.plain_text() for m in request.messages)
        if JUDGE_MARKER in text:
            statement = next(s for s in STATEMENTS if f"Statement: {s}\n" in text)
            holds = await self.page.evaluate(STATEMENTS[statement])
            return json.dumps({"result": holds, "reason": "checked in the page"})
        description = max((d for d in ELEMENTS if d in text), key=len)
        rect = await self.page.locator(ELEMENTS[description]).bounding_box()
        box = Box(x1=round(rect["x"]), y1=round(rect["y"]), x2=round(rect["x"] + rect["width"]),
                  y2=round(rect["y"] + rect["height"]))  # fmt: skip
        assert request.frame is not None
        return self.family.render_grounding(box, request.frame)


STAND_IN = PageStandIn()


@pytest.fixture(scope="session")
def agent_backend() -> ScriptedBackend | None:
    """anyres-agent's hook for the model: None opens what --agent-model / ANYRES_MODEL name."""
    return None if os.environ.get("ANYRES_ENDPOINT") else ScriptedBackend(STAND_IN)


@pytest.fixture(autouse=True)
def _page_for_the_model(request: pytest.FixtureRequest) -> None:
    if "ui_page" in request.fixturenames:
        STAND_IN.page = request.getfixturevalue("ui_page").env.page
