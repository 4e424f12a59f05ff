"""pytest plugin: `ui_browser`, `ui_page` (on pytest-playwright's page) and `ui_desktop` fixtures, model
options, an HTML report per failed test (linked from JUnit XML).

    def test_sign_in(ui_browser):
        ui_browser.goto("http://localhost:8000/login.html")
        ui_browser.type("ada", into="the user name field")
        ui_browser.tap("the Login button")
        ui_browser.assert_that("the welcome banner says Hello Ada")

    pytest --agent-model ui-tars-1.5-7b --agent-endpoint http://gpu:8000/v1 \
        --agent-cache tests/locate-cache.yaml

Loading this plugin costs nothing for runs that do not use it: options are registered, and the
model, the browser and Playwright are imported only when a test asks for a UI fixture. To run against
a scripted model (tests of tests, replays), override the `agent_backend` fixture in a conftest.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from anyres_agent.agent.testing import UI, BrowserHost, LocateCache, ModelSetup
    from anyres_agent.agent.testing.settings import UITestSettings
    from anyres_agent.model.backends.base import Backend

_UI_KEY = pytest.StashKey["UI"]()
_SETTINGS_KEY = pytest.StashKey["UITestSettings | str"]()
_FAILED_KEY = pytest.StashKey[str]()
REPORT_SECTION = "anyres-agent UI report"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("anyres-agent", "UI tests with a vision-language model (anyres-agent)")
    group.addoption("--agent-model", help="preset name, local folder or hub id (default: the default preset)")
    group.addoption(
        "--agent-endpoint", help="OpenAI-compatible server serving the model, e.g. http://host:8000/v1"
    )
    group.addoption("--agent-family", help="model family when it cannot be inferred from the model name")
    group.addoption("--agent-cache", help="locate cache file to read and update (default: ini agent_cache)")
    group.addoption(
        "--agent-update-cache",
        action="store_true",
        help="re-ground every locate and rewrite the cache entries (cache mode refresh)",
    )
    group.addoption(
        "--agent-cache-mode",
        choices=["use", "readonly", "refresh"],
        help="use (read and write), readonly (never write the file: CI) or refresh; env ANYRES_CACHE_MODE",
    )
    group.addoption(
        "--agent-report-dir", help="folder for HTML reports of failed tests (default: agent-reports)"
    )
    group.addoption("--agent-headed", action="store_true", help="show the browser window")
    parser.addini("agent_cache", "locate cache file, relative to the rootdir (empty: no cache)", default="")
    parser.addini("agent_report_dir", "folder for HTML reports of failed UI tests", default="agent-reports")
    parser.addini("agent_viewport", "browser viewport WIDTHxHEIGHT for ui_browser", default="1280x720")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "agent_ui(url=None, viewport=None, dpr=None): where and how `ui_browser` starts"
    )


def ui_settings(config: pytest.Config) -> UITestSettings:
    """Options > ANYRES_* variables > ini > defaults, read once per session (on first use, so runs
    without UI fixtures import nothing); a bad value fails the tests that use it with one line."""
    found = config.stash.get(_SETTINGS_KEY, None)
    if found is None:
        found = config.stash[_SETTINGS_KEY] = _read_settings(config)
    if isinstance(found, str):
        pytest.fail(f"anyres-agent: {found}", pytrace=False)
    return found


def _read_settings(config: pytest.Config) -> UITestSettings | str:
    """The settings, or the one line that says which value is bad."""
    from anyres_agent.agent.config import ConfigError
    from anyres_agent.agent.testing.settings import cache_mode_option, load_ui_settings

    try:
        mode = cache_mode_option(config.getoption("agent_cache_mode"), config.getoption("agent_update_cache"))
        return load_ui_settings(
            {
                "model": config.getoption("agent_model"),
                "endpoint": config.getoption("agent_endpoint"),
                "family": config.getoption("agent_family"),
                "cache": config.getoption("agent_cache"),
                "cache_mode": mode,
            },
            defaults={"cache": config.getini("agent_cache")},
        )
    except ConfigError as error:
        return str(error)


def _option(config: pytest.Config, name: str, ini: str | None = None) -> Any:
    value = config.getoption(name)
    if value in (None, "") and ini is not None:
        value = config.getini(ini) or None
    return value


def _rooted(config: pytest.Config, path: str) -> Path:
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else Path(config.rootpath) / candidate


@pytest.fixture(scope="session")
def agent_backend() -> Backend | None:
    """The model backend; None opens the one the command-line options name. Override it to script one."""
    return None


@pytest.fixture(scope="session")
def agent_model(pytestconfig: pytest.Config, agent_backend: Backend | None) -> ModelSetup:
    """The model the UI fixtures locate and judge with (opened once per session)."""
    from anyres_agent.agent.testing import ModelSetup

    settings = ui_settings(pytestconfig)
    return ModelSetup.open(
        model=settings.model, endpoint=settings.endpoint, family=settings.family, backend=agent_backend
    )


@pytest.fixture(scope="session")
def agent_locate_cache(pytestconfig: pytest.Config) -> LocateCache | None:
    """The locate cache from --agent-cache, ANYRES_CACHE or the ini file; None when none names one.
    Its mode: --agent-cache-mode, --agent-update-cache (refresh) or ANYRES_CACHE_MODE; default use."""
    from anyres_agent.agent.testing import LocateCache

    settings = ui_settings(pytestconfig)
    if settings.cache is None:
        return None
    return LocateCache(_rooted(pytestconfig, str(settings.cache)), mode=settings.cache_mode)


@pytest.fixture(scope="session")
def agent_browser_host(pytestconfig: pytest.Config) -> Iterator[BrowserHost]:
    """One Chromium for the session (started on first use); each test gets its own context."""
    from anyres_agent.agent.testing import BrowserHost

    host = BrowserHost(headless=not pytestconfig.getoption("agent_headed"))
    yield host
    host.close()


@pytest.fixture
def ui_browser(
    request: pytest.FixtureRequest,
    agent_model: ModelSetup,
    agent_locate_cache: LocateCache | None,
    agent_browser_host: BrowserHost,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[UI]:
    """A `UI` over a fresh browser context; `@pytest.mark.agent_ui(url=...)` sets where it starts."""
    from anyres_agent.agent.testing.flows import viewport_size  # lazily: loading the plugin stays cheap

    marker = request.node.get_closest_marker("agent_ui")
    options = dict(marker.kwargs) if marker else {}
    ui = agent_browser_host.ui(
        agent_model,
        options.get("url"),
        viewport=viewport_size(options.get("viewport") or request.config.getini("agent_viewport")),
        dpr=float(options.get("dpr") or 1.0),
        cache=agent_locate_cache,
        record_dir=tmp_path_factory.mktemp("agent-ui", numbered=True),
        name=request.node.nodeid,
    )
    yield from _hand_over(request, ui)


@pytest.fixture
def ui_page(
    request: pytest.FixtureRequest,
    agent_model: ModelSetup,
    agent_locate_cache: LocateCache | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[UI]:
    """A `UI` over pytest-playwright's `page`, so its options work as usual: `--base-url`,
    `--browser-channel`, `--headed`, `browser_context_args` (storage state, a logged-in user),
    `--tracing` / `--video` / `--screenshot` on failure. `@pytest.mark.agent_ui(url=...)` opens a
    page first (relative to the base URL). Needs `pip install pytest-playwright`."""
    from anyres_agent.agent.testing import UI

    if not request.config.pluginmanager.hasplugin("playwright"):
        pytest.fail("ui_page needs pytest-playwright's `page` fixture: pip install pytest-playwright", False)
    page = request.getfixturevalue("page")
    marker = request.node.get_closest_marker("agent_ui")
    url = (marker.kwargs.get("url") if marker else None) or None
    if url:
        page.goto(url)
    ui = UI.from_page(
        page,
        setup=agent_model,
        cache=agent_locate_cache,
        record_dir=tmp_path_factory.mktemp("agent-ui-page", numbered=True),
        name=request.node.nodeid,
    )
    yield from _hand_over(request, ui)


def _hand_over(request: pytest.FixtureRequest, ui: UI) -> Iterator[UI]:
    """Give the test its UI, then close it with the test's outcome (a failed test writes its report)."""
    request.node.stash[_UI_KEY] = ui
    yield ui
    failure = request.node.stash.get(_FAILED_KEY, None)
    ui.close(failed=failure is not None, reason=failure or "")


@pytest.fixture
def ui_desktop(
    request: pytest.FixtureRequest,
    agent_model: ModelSetup,
    agent_locate_cache: LocateCache | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[UI]:
    """A `UI` over the desktop ($DISPLAY, e.g. Xvfb), for native apps."""
    from anyres_agent.agent.testing.desktop import open_desktop_ui

    ui = open_desktop_ui(
        agent_model,
        cache=agent_locate_cache,
        record_dir=tmp_path_factory.mktemp("agent-ui-desktop", numbered=True),
        name=request.node.nodeid,
    )
    yield from _hand_over(request, ui)


def report_path(config: pytest.Config, nodeid: str) -> Path:
    """Where the report of a failed test goes: one file per test id, readable as a file name."""
    folder = _rooted(config, _option(config, "agent_report_dir", "agent_report_dir") or "agent-reports")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[:150]
    return folder / f"{name}.html"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """When a test with a UI fixture fails, write its HTML report and name it in the failure section."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    ui = item.stash.get(_UI_KEY, None)
    if ui is None or report.when != "call" or not report.failed:
        return
    reason = call.excinfo.exconly() if call.excinfo else "failed"
    item.stash[_FAILED_KEY] = reason
    try:
        ui.session.finish(failed=True, reason=reason)
        path = ui.write_report(report_path(item.config, item.nodeid))
    except Exception as error:  # a report that cannot be written must not hide the test's own failure
        report.sections.append((REPORT_SECTION, f"the UI report could not be written: {error}"))
        return
    report.sections.append((REPORT_SECTION, f"steps, screenshots and model answers: {path}"))
    # JUnit XML reads a test's properties from its teardown report, which copies the item's list
    item.user_properties.append(("agent_report", str(path)))
    screenshot = getattr(call.excinfo.value if call.excinfo else None, "screenshot", None)
    if screenshot:
        item.user_properties.append(("agent_screenshot", str(screenshot)))
