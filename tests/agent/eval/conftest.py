"""Fixtures for the eval tests: the MiniWoB++ suite served from the installed wheel on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from anyres_agent.agent.eval.miniwob import MiniWoBSuite


@pytest.fixture(scope="session")
def miniwob() -> Iterator[MiniWoBSuite]:
    suite = MiniWoBSuite()
    yield suite
    suite.close()
