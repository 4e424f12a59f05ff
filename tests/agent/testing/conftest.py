"""One headless Chromium and one local site for the UI-test suite; `make_ui` opens a fresh context."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_harness import MakeUI, Opened
from ui_site import LoginSite, PageOracle

from anyres_agent.agent.testing import UI, BrowserHost, LocateCache, ModelSetup
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.model.families import get_family


@pytest.fixture(scope="session")
def host() -> Iterator[BrowserHost]:
    browser_host = BrowserHost()
    yield browser_host
    browser_host.close()


@pytest.fixture(scope="session")
def site() -> Iterator[LoginSite]:
    login_site = LoginSite()
    yield login_site
    login_site.close()


@pytest.fixture
def make_ui(host: BrowserHost, site: LoginSite, tmp_path: Path) -> Iterator[MakeUI]:
    opened: list[UI] = []

    def make(
        path: str = "/login.html",
        *,
        family: str = "qwen2vl",
        cache: LocateCache | None = None,
        viewport: tuple[int, int] = (800, 600),
        dpr: float = 1.0,
        statements: dict[str, str] | None = None,
        questions: dict[str, str] | None = None,
    ) -> Opened:
        holder: dict[str, UI] = {}
        oracle = PageOracle(
            get_family(family),
            lambda: holder["ui"].env.page,  # type: ignore[attr-defined]
            statements=statements,
            questions=questions,
        )
        backend = ScriptedBackend(oracle)
        setup = ModelSetup(backend=backend, family=get_family(family), model="page-oracle")
        ui = host.ui(
            setup,
            site.url(path),
            viewport=viewport,
            dpr=dpr,
            cache=cache,
            record_dir=tmp_path / f"record-{len(opened) + 1}",
        )
        holder["ui"] = ui
        opened.append(ui)
        return Opened(ui, oracle, backend)

    yield make
    for ui in opened:
        ui.close()
