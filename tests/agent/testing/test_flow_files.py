"""YAML flows: the documented shapes load, and every mistake is reported with file:line."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from anyres_agent.agent.testing.flows import (
    DragArgs,
    FlowError,
    QueryArgs,
    TypeArgs,
    WaitUntilArgs,
    load_flows,
)
from anyres_agent.agent.testing.junit import CaseResult, write_junit

LOGIN_FLOW = """\
name: sign in
env:
  browser: {url: "http://localhost:8000/login.html", viewport: 1024x640, dpr: 2}
steps:
  - type: {text: ada, into: the user name field}
  - tap: the Login button
  - assert: the welcome banner says Hello Ada
  - query: {question: "how many unread messages are shown?", type: int, expect: 3}
  - wait_until: {statement: the spinner is gone, timeout: 5}
  - scroll: the footer
  - drag: {from: the first card, to: the bin}
  - key: ctrl+a
  - wait: 0.5
"""


def _write(tmp_path: Path, text: str, name: str = "flow.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_documented_flow_loads_with_typed_steps_and_lines(tmp_path: Path) -> None:
    (flow,) = load_flows(_write(tmp_path, LOGIN_FLOW))
    assert flow.name == "sign in"
    assert flow.env.browser is not None and flow.env.browser.viewport == (1024, 640)
    kinds = [s.kind for s in flow.steps]
    assert kinds == ["type", "tap", "assert", "query", "wait_until", "scroll", "drag", "key", "wait"]
    assert [s.line for s in flow.steps] == list(range(5, 14))
    assert flow.steps[0].value == TypeArgs(text="ada", into="the user name field")
    assert flow.steps[3].value == QueryArgs(
        question="how many unread messages are shown?", type="int", expect=3
    )
    assert flow.steps[4].value == WaitUntilArgs(statement="the spinner is gone", timeout=5)
    assert flow.steps[5].value.until == "the footer"
    assert flow.steps[6].value == DragArgs(**{"from": "the first card", "to": "the bin"})


def test_several_flows_in_one_file_and_a_default_name(tmp_path: Path) -> None:
    text = (
        "env: {desktop: {}}\nsteps: [{key: enter}]\n---\n"
        "name: two\nenv: {desktop: {display: ':99'}}\nsteps:\n  - tap: OK\n"
    )
    first, second = load_flows(_write(tmp_path, text, "pair.yaml"))
    assert (first.name, second.name) == ("pair", "two")
    assert second.steps[0].line == 7


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name: x\nenv: {browser: {url: u}}\nsteps:\n  - tap: a\n  - click: b\n",
            ":5: step 2: unknown step 'click'",
        ),
        (
            "name: x\nenv: {browser: {url: u}}\nsteps:\n  - tap: a\n  - type: {txt: ada}\n",
            ":5: step 2: `type` text: Field required",
        ),
        ("name: x\nenv: {browser: {url: u}\nsteps: []\n", ":3: not valid YAML"),
        ("name: x\nenv: {browser: {url: u, dpr: 0}}\nsteps: [{tap: a}]\n", ":2: env.browser.dpr:"),
        ("name: x\nenv: {}\nsteps: [{tap: a}]\n", ":2: env: env needs exactly one of `browser` or `desktop`"),
        ("name: x\nenv: {desktop: {}}\nsteps: []\n", ":3: steps: List should have at least 1 item"),
        (
            "name: x\nenv: {desktop: {}}\nsteps:\n  - query: {question: q, type: money}\n",
            ":4: step 1: `query` type: Value error, unknown query type 'money'",
        ),
        (
            "name: x\nenv: {desktop: {}}\nsteps:\n  - tap: a\n    key: enter\n",
            ":4: step 1: a step has exactly one kind",
        ),
        ("name: x\nenv: {desktop: {}}\nsteps:\n  - wait: forever\n", ":4: step 1: `wait` takes seconds"),
        ("", ":1: the file holds no flow"),
        ("- tap: a\n", ":1: a flow is a mapping"),
    ],
)
def test_mistakes_name_the_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(FlowError) as caught:
        load_flows(path)
    assert str(caught.value).startswith(str(path))
    assert expected in str(caught.value)


def test_a_missing_file_is_a_flow_error(tmp_path: Path) -> None:
    with pytest.raises(FlowError, match="cannot read the flow file"):
        load_flows(tmp_path / "nope.yaml")


def test_junit_has_one_case_per_flow_with_failures_and_errors(tmp_path: Path) -> None:
    cases = [
        CaseResult(name="sign in", classname="flows.login", seconds=1.25),
        CaseResult(
            name="checkout",
            classname="flows.shop",
            seconds=2.0,
            outcome="failed",
            message="UI assertion failed: 'the total is 3'\x07",
            details="step 4 (line 9)\n  the model saw: the total is 4",
            properties={"report": "out/checkout.html"},
        ),
        CaseResult(name="broken", classname="flows.bad", seconds=0.0, outcome="error", message="no browser"),
    ]
    path = write_junit(tmp_path / "out" / "junit.xml", cases)
    root = ET.parse(path).getroot()
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "1")
    names = [c.get("name") for c in suite.iter("testcase")]
    assert names == ["sign in", "checkout", "broken"]
    failure = suite.find("testcase[@name='checkout']/failure")
    assert failure is not None and failure.get("message") == "UI assertion failed: 'the total is 3'"
    assert "the model saw" in (failure.text or "")
    assert suite.find("testcase[@name='broken']/error") is not None
    prop = suite.find("testcase[@name='checkout']/properties/property")
    assert prop is not None and prop.get("value") == "out/checkout.html"


def test_the_step_kinds_are_the_step_models_own() -> None:
    from typing import get_args

    from anyres_agent.agent.testing.flows import STEP_KINDS, Step

    assert get_args(Step.model_fields["kind"].annotation) == STEP_KINDS
    assert "wait_until" in STEP_KINDS
