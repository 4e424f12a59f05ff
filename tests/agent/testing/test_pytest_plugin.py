"""The pytest plugin, exercised with pytester: fixtures, options, and a report for each failed UI test."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
HERE = Path(__file__).resolve().parent

CONFTEST = f"""
import sys
sys.path.insert(0, {str(HERE)!r})

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
    oracle = PageOracle(get_family("qwen2vl"), lambda: CURRENT["ui"].env.page, statements=statements)
    return ScriptedBackend(oracle)


@pytest.fixture(autouse=True)
def _page_for_the_oracle(request):
    if "ui_browser" in request.fixturenames:
        CURRENT["ui"] = request.getfixturevalue("ui_browser")
"""

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


def _plugin_args() -> list[str]:
    """Load the plugin by name unless the installed package already registers it (pytest11)."""
    registered = any(
        ep.value == "anyres_agent.agent.pytest_plugin"
        for ep in importlib.metadata.entry_points(group="pytest11")
    )
    return [] if registered else ["-p", "anyres_agent.agent.pytest_plugin"]


def test_fixtures_run_ui_tests_and_a_failed_one_gets_an_html_report(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_login=TESTS)
    reports = pytester.path / "ui-reports"
    cache = pytester.path / "locate-cache.yaml"
    result = pytester.runpytest(
        *_plugin_args(),
        "--agent-model=qwen2-vl-7b",  # a preset: fixes the family (its answer format); no weights load
        f"--agent-report-dir={reports}",
        f"--agent-cache={cache}",
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
