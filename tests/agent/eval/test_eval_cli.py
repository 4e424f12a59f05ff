"""`agent eval` end to end against a stand-in OpenAI server on loopback that answers from the page it
is shown (the DOM read through a side channel the test gives it: no weights exist here). The HTTP
client, frames, family text, parser, Chromium and reward reading are the real ones."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from standin_model import ChatRequest, LivePages, StandInServer, miniwob_oracle, standin

from anyres_agent.agent.cli import main
from anyres_agent.agent.demo_site.script import DemoScript
from anyres_agent.agent.testing.judge import JUDGE_MARKER
from anyres_agent.model.families import get_family
from anyres_agent.tools import Answer

FAMILY = "uitars15"


@pytest.fixture
def pages(monkeypatch: pytest.MonkeyPatch) -> LivePages:
    live = LivePages()
    live.watch(monkeypatch)
    return live


@pytest.fixture
def oracle_server(pages: LivePages) -> Iterator[StandInServer]:
    with standin(miniwob_oracle(pages, get_family(FAMILY))) as server:
        yield server


def _eval(url: str, out: Path, *extra: str) -> int:
    return main([
        "eval", "miniwob", "--tasks", "click-button,book-flight", "--endpoint", url,
        "--model", "ui-tars-1.5-7b", "--episodes", "2", "--max-steps", "30", "--workers", "2",
        "--out", str(out), *extra,
    ])  # fmt: skip


@pytest.mark.slow
def test_eval_miniwob_against_a_served_model(
    oracle_server: StandInServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "study"
    assert _eval(oracle_server.url, out) == 0
    shown = capsys.readouterr().err
    assert re.search(r"click-button\s+│\s+2/2", shown) and re.search(r"book-flight\s+│\s+2/2", shown)
    assert "flight tasks" in shown and "all but flight" in shown  # book-flight is never folded in

    lines = (out / "episodes.jsonl").read_text().splitlines()
    results = [json.loads(line) for line in lines]
    assert sorted((r["task"], r["seed"]) for r in results) == [
        ("book-flight", 0), ("book-flight", 1), ("click-button", 0), ("click-button", 1)
    ]  # fmt: skip
    # the reward is discounted by the time taken (book-flight's can near 0 on a loaded machine)
    assert all(r["success"] and r["raw_reward"] == 1 and 0 <= r["reward"] <= 1 for r in results)
    assert all(r["prompt_tokens"] > 0 and r["model_seconds"] > 0 for r in results)  # the server's usage

    study = json.loads((out / "study.json").read_text())
    sent = oracle_server.requests[0].body  # the record is what the client really sent
    assert study["model"] == {
        "model": sent["model"], "endpoint": oracle_server.url, "family": FAMILY,
        "min_pixels": sent["mm_processor_kwargs"]["min_pixels"],
        "max_pixels": sent["mm_processor_kwargs"]["max_pixels"], "server_profile": "vllm", "stand_in": False,
    }  # fmt: skip
    assert sent["model"] == "ByteDance-Seed/UI-TARS-1.5-7B"
    assert study["protocol"]["max_steps"] == 30 and study["selection"]["seeds"] == [0, 1]
    assert {"python", "playwright", "miniwob", "anyres-agent"} <= set(study["versions"])
    assert study["browser"]

    page = (out / "index.html").read_text()
    links = re.findall(r'href="([^"]+)"', page)
    assert len(links) == 4 and all((out / link).is_file() for link in links)
    assert "HARNESS CHECK" not in page

    served = len(oracle_server.requests)
    assert _eval(oracle_server.url, out) == 0  # a rerun resumes: nothing left to run
    assert len(oracle_server.requests) == served
    assert "4 episode(s) already done, 0 to run" in capsys.readouterr().err

    assert _eval(oracle_server.url, out, "--max-steps", "20") == 2
    assert "max_steps 20 here, 30 there" in capsys.readouterr().err


def test_a_torn_line_is_run_again_and_more_seeds_extend_the_study(
    oracle_server: StandInServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "study"
    args = ["eval", "miniwob", "--tasks", "click-button", "--endpoint", oracle_server.url, "--model",
            "ui-tars-1.5-7b", "--out", str(out)]  # fmt: skip
    assert main([*args, "--episodes", "1"]) == 0
    with (out / "episodes.jsonl").open("a") as handle:
        handle.write('{"task": "click-button", "seed": 1, "succ')  # a crash mid-line
    capsys.readouterr()
    assert main([*args, "--episodes", "3"]) == 0
    assert "1 episode(s) already done, 2 to run" in capsys.readouterr().err
    lines = (out / "episodes.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["seed"] for line in lines if line.endswith("}")) == [0, 1, 2]


SUITE = """
name: demo-shop
viewport: [1280, 720]
tasks:
  - id: sign-up
    task: Create an account for Ada Lovelace (ada@example.com) on the Pro plan.
    url: demo
    check: {page: "location.pathname.endsWith('welcome.html')"}
  - id: title
    task: What is the heading of the sign-up page?
    url: demo/index.html
    check: {answer: "create your account"}
  - id: judged
    task: Read the sign-up page.
    url: demo
    check: {judge: "The page asks the user to create an account"}
  - id: wrong-answer
    task: What is the heading of the page?
    url: demo
    check: {answer_regex: "^Welcome"}
"""


def test_a_user_suite_scores_each_kind_of_check(
    pages: LivePages, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    family = get_family(FAMILY)

    def answer(request: ChatRequest) -> str:
        if JUDGE_MARKER in request.text:
            return '{"result": true, "reason": "the heading says Create your account"}'
        page = pages.find(request)
        frame = pages.frame(page, family, request.images[-1])
        if "heading" in request.text:
            return family.render([Answer(text="Create  your account")], frame, thought="The heading.")
        actions, thought = pages.run(page, DemoScript(page.env, family).next_step())
        return family.render(actions, frame, thought=thought)

    suite = tmp_path / "shop.yaml"
    suite.write_text(SUITE)
    with standin(answer) as server:
        code = main(["eval", str(suite), "--endpoint", server.url, "--model", "ui-tars-1.5-7b", "--episodes",
                     "1", "--max-steps", "12", "--out", str(tmp_path / "out")])  # fmt: skip
    assert code == 0
    results = {
        json.loads(line)["task"]: json.loads(line) for line in (tmp_path / "out/episodes.jsonl").open()
    }
    assert {k: v["success"] for k, v in results.items()} == {
        "sign-up": True, "title": True, "judged": True, "wrong-answer": False
    }  # fmt: skip
    assert "page check held" in results["sign-up"]["reason"]
    assert "does not match /^Welcome/" in results["wrong-answer"]["reason"]
    assert results["judged"]["reason"].startswith("judge: the heading says")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["eval", "nope"], "unknown suite 'nope'"),
        (
            ["eval", "miniwob", "--tasks", "click-buton", "--model", "oracle"],
            "unknown MiniWoB task(s): click-buton",
        ),
        (["eval", "miniwob", "--tasks", "use-slider", "--model", "oracle"], "the oracle solves only these"),
        (["eval", "miniwob", "--tasks", "click-button", "--ray"], "a Ray study needs --endpoint"),
        (["eval", "miniwob", "--episodes", "0"], "--episodes must be at least 1"),
        (
            ["eval", "miniwob", "--tasks", "click-button", "--model", "oracle", "--family", "nope"],
            "unknown model family 'nope'",
        ),
        (
            [
                "eval",
                "miniwob",
                "--tasks",
                "click-button",
                "--endpoint",
                "http://h:9/v1",
                "--server",
                "bogus",
            ],
            "unknown server 'bogus'",
        ),
    ],
)
def test_bad_input_is_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


def test_a_bad_suite_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("tasks:\n  - id: x\n    task: t\n    url: ftp://host/\n    check: {answer: a, judge: b}\n")
    assert main(["eval", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert "bad.yaml" in err and "\n" not in err


def test_the_task_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "miniwob", "--list"]) == 0
    listed = capsys.readouterr().out.split()
    assert "book-flight" in listed and "flight.Alaska" in listed and len(listed) == 134
