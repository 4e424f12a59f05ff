"""The pytest plugin, exercised with pytester: fixtures, options, and a report for each failed UI test."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
HERE = Path(__file__).resolve().parent


def _conftest(family: str, fixture: str, extra: str = "") -> str:
    """A conftest for the inner run: the login site, and the page oracle as the model of `fixture`."""
    return f"""
import sys
sys.path[:0] = [{str(HERE)!r}, {str(HERE.parent.parent)!r}]  # ui_site, and the page server it uses

import pytest
from ui_site import LoginSite, PageOracle, banner_says

from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.model.families import get_family

CURRENT = {{}}
SITE = LoginSite()


@pytest.fixture(scope="session")
def site():
    yield SITE
    SITE.close()


@pytest.fixture(scope="session")
def agent_backend():
    statements = {{
        "the welcome banner says Hello Ada": banner_says("Hello Ada"),
        "the welcome banner says Hello Bob": banner_says("Hello Bob"),
    }}
    oracle = PageOracle(get_family({family!r}), lambda: CURRENT["ui"].env.page, statements=statements)
    return ScriptedBackend(oracle)


@pytest.fixture(autouse=True)
def _page_for_the_oracle(request):
    if {fixture!r} in request.fixturenames:
        CURRENT["ui"] = request.getfixturevalue({fixture!r})
{extra}"""


CONFTEST = _conftest("qwen2vl", "ui_browser")

TESTS = """
import pytest
from conftest import SITE


def sign_in(ui):
    ui.type("ada", into="the user name field")
    ui.type("secret", into="the password field")
    ui.tap("the Login button")


@pytest.mark.agent_ui(url=SITE.url("/login.html"), viewport=(640, 480))
def test_sign_in_greets_the_user(ui_browser):
    sign_in(ui_browser)
    ui_browser.assert_that("the welcome banner says Hello Ada")
    assert ui_browser.screenshot().size == (640, 480)


def test_sign_in_greets_someone_else(ui_browser, site):
    ui_browser.goto(site.url("/login.html"))
    sign_in(ui_browser)
    ui_browser.assert_that("the welcome banner says Hello Bob")


def test_without_a_ui_is_untouched():
    assert 1 + 1 == 2
"""


def _registered() -> bool:
    """Whether the installed package registers the plugin (pytest11), so it loads by itself."""
    return any(
        ep.value == "anyres_agent.agent.pytest_plugin"
        for ep in importlib.metadata.entry_points(group="pytest11")
    )


def _plugin_args() -> list[str]:
    """Load the plugin by name unless it is registered. In-process runs leave pytest-playwright out:
    its soft-assertion scope is global and cannot nest inside this session's own (the `ui_page`
    test runs in a subprocess instead)."""
    return ["-p", "no:playwright"] + ([] if _registered() else ["-p", "anyres_agent.agent.pytest_plugin"])


def test_fixtures_run_ui_tests_and_a_failed_one_gets_an_html_report(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_login=TESTS)
    reports = pytester.path / "ui-reports"
    cache = pytester.path / "locate-cache.yaml"
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest(
        *_plugin_args(),
        "--agent-model=qwen2-vl-7b",  # a preset: fixes the family (its answer format); no weights load
        f"--agent-report-dir={reports}",
        f"--agent-cache={cache}",
        f"--junitxml={junit}",
        "-o",
        "agent_viewport=800x600",
    )
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*UI assertion failed: 'the welcome banner says Hello Bob'*",
            '*the model saw: the banner reads "Hello Ada"*',
            "*anyres-agent UI report*",
            f"*steps, screenshots and model answers: {reports}*test_sign_in_greets_someone_else.html*",
        ]
    )
    (report,) = reports.glob("*.html")
    html = report.read_text()
    assert "test_sign_in_greets_someone_else" in html and "Hello Bob" in html
    assert "the Login button" in cache.read_text(), "the --agent-cache file was written"
    # the link the README promises: the failed test's report (and its screenshot) in the JUnit XML
    case = ET.parse(junit).getroot().find(".//testcase[@name='test_sign_in_greets_someone_else']")
    assert case is not None
    properties = {p.get("name"): p.get("value") for p in case.iterfind("properties/property")}
    assert properties["agent_report"] == str(report)
    assert properties["agent_screenshot"].endswith(".png") and Path(properties["agent_screenshot"]).is_file()
    passed = ET.parse(junit).getroot().find(".//testcase[@name='test_sign_in_greets_the_user']")
    assert passed is not None and passed.find("properties") is None


@pytest.mark.parametrize("how", ["option", "environment"])
def test_the_read_only_cache_mode_is_selectable_and_never_writes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_login=TESTS)
    cache = pytester.path / "locate-cache.yaml"
    mode = ["--agent-cache-mode=readonly"] if how == "option" else []
    if how == "environment":
        monkeypatch.setenv("ANYRES_CACHE_MODE", "readonly")
        monkeypatch.setenv("ANYRES_CACHE", str(cache))
    cache_option = [f"--agent-cache={cache}"] if how == "option" else []
    result = pytester.runpytest(*_plugin_args(), "--agent-model=qwen2-vl-7b", *cache_option, *mode)
    result.assert_outcomes(passed=2, failed=1)
    assert not cache.exists()


def test_a_bad_setting_is_one_line_not_a_traceback(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_login=TESTS)
    monkeypatch.setenv("ANYRES_CACHE_MODE", "sometimes")
    result = pytester.runpytest(*_plugin_args(), "--agent-model=qwen2-vl-7b", "-k", "greets_the_user")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["anyres-agent: invalid UI test settings: cache_mode: Input should be 'use'*"]
    )
    assert "pytest_plugin.py" not in result.stdout.str()


def test_options_are_listed_in_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*_plugin_args(), "--help")
    result.stdout.fnmatch_lines(
        ["*--agent-model=AGENT_MODEL*", "*--agent-endpoint=AGENT_ENDPOINT*", "*--agent-cache=AGENT_CACHE*"]
    )


def test_loading_the_plugin_imports_no_browser_and_no_model() -> None:
    code = (
        "import sys, agent.pytest_plugin\n"
        "heavy = ('playwright', 'torch', 'transformers', 'anyres_agent.agent.testing')\n"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


PLAYWRIGHT_FIXTURES = """
from anyres_agent.environments.browser_launch import find_browser, launch_args


@pytest.fixture(scope="session")
def base_url(site):  # pytest-base-url's fixture: relative URLs open the login site
    return site.url("")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, playwright):
    # Playwright's own browsers are not installed here: the system Chromium, as the adapter finds it
    path = find_browser(playwright.chromium.executable_path).executable_path
    return {**browser_type_launch_args, "executable_path": path, "args": launch_args()}
"""
PLAYWRIGHT_CONFTEST = _conftest("qwen25vl", "ui_page", PLAYWRIGHT_FIXTURES)

PLAYWRIGHT_TESTS = """
import pytest


@pytest.mark.agent_ui(url="/login.html")
@pytest.mark.parametrize("name", ["Ada", "Bob"])
def test_sign_in(ui_page, page, name):
    ui_page.type("ada", into="the user name field")
    ui_page.type("secret", into="the password field")
    ui_page.tap("the Login button")
    ui_page.assert_that(f"the welcome banner says Hello {name}")
    assert page.url.endswith("/login.html")  # pytest-playwright's own page: the one the UI drove
"""


def test_ui_page_runs_on_pytest_playwrights_page_with_its_options(pytester: pytest.Pytester) -> None:
    """The base URL (pytest-base-url's fixture) resolves the marker's relative URL, and
    --screenshot only-on-failure (a pytest-playwright option) keeps the failing test's screenshot
    beside our HTML report."""
    pytester.makeconftest(PLAYWRIGHT_CONFTEST)
    pytester.makepyfile(test_shop=PLAYWRIGHT_TESTS)
    reports, output = pytester.path / "ui-reports", pytester.path / "pw-results"
    result = pytester.runpytest_subprocess(
        *([] if _registered() else ["-p", "anyres_agent.agent.pytest_plugin"]),
        "--agent-model=qwen2.5-vl-7b",
        f"--agent-report-dir={reports}",
        "--screenshot=only-on-failure",
        f"--output={output}",
        timeout=240,
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*UI assertion failed: 'the welcome banner says Hello Bob'*"])
    assert [p.name for p in reports.glob("*.html")] == ["test_shop.py_test_sign_in_chromium-Bob.html"]
    assert len(list(output.rglob("*.png"))) == 1, "pytest-playwright's failure screenshot"
