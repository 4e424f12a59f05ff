"""Fixtures for the agent tests: the demo site, the security site, and the suite's event loop and
Chromium under the names these tests use (tests/conftest.py owns them; each test gets a fresh browser
context)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from agent_fakes import Run
from security_site import SecuritySite

from anyres_agent.agent.demo_site import DemoSite, serve_demo_site


@pytest.fixture(scope="session")
def arun(run: Run) -> Run:
    return run


@pytest.fixture(scope="session")
def demo_site() -> Iterator[DemoSite]:
    with serve_demo_site() as site:
        yield site


@pytest.fixture(scope="session")
def chromium(browser: Any) -> Any:
    return browser


@pytest.fixture(scope="module")
def site() -> Iterator[SecuritySite]:
    """The hostile pages of security_site, one server per test module (tests/agent/testing has its own)."""
    with SecuritySite() as server:
        yield server
