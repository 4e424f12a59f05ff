"""Shared fixtures: one event loop and one real headless Chromium for the whole session, a local site.

Playwright objects belong to the event loop that made them, so the session keeps one
`asyncio.Runner` and the tests call `run(coroutine)` on it; each test gets a fresh browser context.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest
from local_site import Site

Run = Callable[[Coroutine[Any, Any, Any]], Any]


@pytest.fixture(scope="session")
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as session_runner:
        yield session_runner


@pytest.fixture(scope="session")
def run(runner: asyncio.Runner) -> Run:
    return runner.run


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    server = Site()
    yield server
    server.server.shutdown()


@pytest.fixture(scope="session")
def browser(run: Run) -> Iterator[Any]:
    """One real headless Chromium, found the way the adapter finds it."""
    from playwright.async_api import async_playwright

    from environments.browser_launch import start_browser

    playwright = run(async_playwright().start())
    chromium, _choice = run(start_browser(playwright, headless=True))
    yield chromium
    run(chromium.close())
    run(playwright.stop())
