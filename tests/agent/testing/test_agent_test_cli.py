"""`agent test`: YAML flows on real Chromium, exit codes, JUnit XML, failure reports, cached reruns."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from ui_site import LoginSite, PageOracle, banner_says

from anyres_agent.agent.cli import build_parser, main
from anyres_agent.agent.cli import test as agent_test
from anyres_agent.agent.testing import UI, BrowserHost
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.model.families import get_family

FLOW = """\
name: {name}
env:
  browser: {{url: "{url}", viewport: 800x600}}
model: qwen2-vl-7b
cache: locate-cache.yaml
steps:
  - type: {{text: ada, into: the user name field}}
  - type: {{text: secret, into: the password field}}
  - tap: the Login button
  - assert: the welcome banner says {greeting}
  - query: {{question: "how many messages are in the inbox?", type: int, expect: 3}}
"""


@pytest.fixture
def flows(tmp_path: Path, site: LoginSite) -> Path:
    folder = tmp_path / "flows"
    folder.mkdir()
    url = site.url("/login.html")
    (folder / "greets_ada.yaml").write_text(FLOW.format(name="greets Ada", url=url, greeting="Hello Ada"))
    (folder / "greets_bob.yaml").write_text(FLOW.format(name="greets Bob", url=url, greeting="Hello Bob"))
    return folder


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> ScriptedBackend:
    """The page oracle as the model; it reads the page of whichever flow is running."""
    opened: list[UI] = []
    original = BrowserHost.ui

    def recording_ui(self: BrowserHost, *args: Any, **kwargs: Any) -> UI:
        ui = original(self, *args, **kwargs)
        opened.append(ui)
        return ui

    monkeypatch.setattr(BrowserHost, "ui", recording_ui)
    oracle = PageOracle(
        get_family("qwen2vl"),
        lambda: opened[-1].env.page,  # type: ignore[attr-defined]
        statements={
            "the welcome banner says Hello Ada": banner_says("Hello Ada"),
            "the welcome banner says Hello Bob": banner_says("Hello Bob"),
        },
        questions={"how many messages are in the inbox?": "document.querySelectorAll('#inbox li').length"},
    )
    return ScriptedBackend(oracle)


def _run(argv: list[str], backend: ScriptedBackend) -> int:
    return agent_test.run(build_parser().parse_args(["test", *argv]), backend=backend)


def test_flows_run_write_junit_and_a_report_and_rerun_from_the_cache(
    flows: Path, tmp_path: Path, scripted: ScriptedBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    junit, reports = tmp_path / "junit.xml", tmp_path / "reports"
    status = _run([str(flows / "*.yaml"), "--junit", str(junit), "--report-dir", str(reports)], scripted)
    out = capsys.readouterr().out
    assert status == 1
    assert "PASS  greets Ada" in out and "0 located from the cache" in out
    assert "FAILED greets Bob" in out
    assert "greets_bob.yaml:10: step 4 (assert: the welcome banner says Hello Bob)" in out
    assert "1 passed, 1 failed of 2 flow(s)" in out

    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("2", "1")
    failure = suite.find("testcase[@name='greets Bob']/failure")
    assert failure is not None
    assert failure.get("message") == "UI assertion failed: 'the welcome banner says Hello Bob'"
    assert 'the model saw: the banner reads "Hello Ada"' in (failure.text or "")
    assert [p.name for p in reports.iterdir()] == ["greets_bob-greets-Bob.html"]
    # what GitLab and other viewers read: the case's file, and the failed step's screenshot attached
    case = suite.find("testcase[@name='greets Bob']")
    assert case is not None and case.get("file") == str(flows / "greets_bob.yaml")
    attached = [
        line[13:-2] for line in (case.findtext("system-out") or "").splitlines() if "ATTACHMENT" in line
    ]
    assert len(attached) == 1 and attached[0].endswith(".png") and Path(attached[0]).is_file()
    report = case.find("properties/property[@name='report']")
    assert report is not None and report.get("value") == str(reports / "greets_bob-greets-Bob.html")
    assert (flows / "locate-cache.yaml").exists(), "the flow's `cache:` is relative to the flow file"

    calls = len(scripted.calls)
    assert _run([str(flows / "greets_ada.yaml")], scripted) == 0
    assert "3 located from the cache" in capsys.readouterr().out
    assert len(scripted.calls) - calls == 2, "a warm rerun asks the model only to judge (assert, query)"


def test_bad_input_exits_2_with_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nenv: {browser: {url: 'http://localhost'}}\nsteps:\n  - tap: a\n  - click: b\n")
    assert main(["test", str(bad)]) == 2
    assert f"agent test: {bad}:5: step 2: unknown step 'click'" in capsys.readouterr().err
    assert main(["test", str(tmp_path / "none-*.yaml")]) == 2
    assert "no flow file matches" in capsys.readouterr().err


def test_a_model_that_cannot_be_had_is_one_paragraph_and_exit_1(
    flows: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-hub"))
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-hub"))
    flow = sorted(flows.glob("*.yaml"))[0]
    assert main(["test", str(flow), "--model", "qwen2-vl-2b"]) == 1
    err = capsys.readouterr().err
    assert "Two ways forward" in err and "--endpoint" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("how", ["option", "environment"])
def test_the_read_only_cache_mode_never_writes_the_cache_file(
    how: str, flows: Path, scripted: ScriptedBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = [str(flows / "greets_ada.yaml")]
    if how == "option":
        argv += ["--cache-mode", "readonly"]
    else:
        monkeypatch.setenv("ANYRES_CACHE_MODE", "readonly")
    assert _run(argv, scripted) == 0
    assert not (flows / "locate-cache.yaml").exists()


def test_anyres_variables_choose_the_cache_and_a_bad_one_is_one_line(
    flows: Path, tmp_path: Path, scripted: ScriptedBackend, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    elsewhere = tmp_path / "ci-cache.yaml"
    monkeypatch.setenv("ANYRES_CACHE", str(elsewhere))  # beats the flow file's `cache:`
    assert _run([str(flows / "greets_ada.yaml")], scripted) == 0
    assert elsewhere.exists() and not (flows / "locate-cache.yaml").exists()
    monkeypatch.setenv("ANYRES_CACHE_MODE", "sometimes")
    assert main(["test", str(flows / "greets_ada.yaml")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(
        "agent test: invalid UI test settings: cache_mode: Input should be 'use', 'readonly'"
    )
    assert len(err.splitlines()) == 1
    with pytest.raises(SystemExit):
        main(["test", str(flows / "greets_ada.yaml"), "--cache-mode", "never"])
