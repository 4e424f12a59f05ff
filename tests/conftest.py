"""Suite-wide rules (no hub access; in CI a skipped test is a failed test) and shared fixtures: one
event loop and one headless Chromium for the whole session."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

IN_CI = bool(os.environ.get("CI"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Under CI, a skip (a missing browser, display or package) fails the test instead."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI, which must install everything the suite needs: {reason}"


Run = Callable[[Coroutine[Any, Any, Any]], Any]


@pytest.fixture(scope="session")
def runner() -> Iterator[asyncio.Runner]:
    """One event loop for the session: Playwright objects belong to the loop that made them."""
    with asyncio.Runner() as session_runner:
        yield session_runner


@pytest.fixture(scope="session")
def run(runner: asyncio.Runner) -> Run:
    return runner.run


@pytest.fixture(scope="session")
def browser(run: Run) -> Iterator[Any]:
    """One real headless Chromium for the whole suite, found the way the adapter finds it; each test
    opens its own context on it."""
    from playwright.async_api import async_playwright

    from anyres_agent.environments.browser_launch import start_browser

    playwright = run(async_playwright().start())
    chromium, _choice = run(start_browser(playwright, headless=True))
    yield chromium
    run(chromium.close())
    run(playwright.stop())
