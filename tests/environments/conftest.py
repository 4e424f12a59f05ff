"""The local test site for the adapter tests (the event loop and the browser come from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from local_site import Site, serve_site


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    with serve_site() as server:
        yield server
