"""Fixtures for the agent tests: one event loop, one headless Chromium and one demo site per session.

Playwright objects belong to the loop that made them, so tests call `run(coroutine)` on a session
`asyncio.Runner`; each test gets a fresh browser context on the shared browser.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from agent_fakes import Run

from agent.demo_site import DemoSite, serve_demo_site


@pytest.fixture(scope="session")
def agent_runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as runner:
        yield runner


@pytest.fixture(scope="session")
def arun(agent_runner: asyncio.Runner) -> Run:
    return agent_runner.run


@pytest.fixture(scope="session")
def demo_site() -> Iterator[DemoSite]:
    with serve_demo_site() as site:
        yield site


@pytest.fixture(scope="session")
def chromium(arun: Run) -> Iterator[Any]:
    """One real headless Chromium for the session, found the way the adapter finds it."""
    from playwright.async_api import async_playwright

    from environments.browser_launch import start_browser

    playwright = arun(async_playwright().start())
    browser, _choice = arun(start_browser(playwright, headless=True))
    yield browser
    arun(browser.close())
    arun(playwright.stop())
