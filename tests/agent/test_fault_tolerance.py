"""No fault loses the run record: a step that cannot be written ends the run with a clear status and
the report is drawn from what exists; signals to the whole process group end a run cleanly; bad
command lines are one-line errors before anything starts; `agent report` survives damaged folders.
"""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "model" / "backends"))  # fake_openai_server

from agent_fakes import FakeScreen, family, scripted
from fake_openai_server import Behaviour, FakeOpenAIServer
from PIL import Image

from anyres_agent.agent import report, trajectory
from anyres_agent.agent.api import Agent
from anyres_agent.agent.cli import main
from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.report import write_report
from anyres_agent.agent.trajectory import read_trajectory
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.model.families.textparse import MAX_ANSWER_CHARS
from anyres_agent.model.frame import Frame
from anyres_agent.tools import Click, Finish, Scroll

ROOT = Path(__file__).resolve().parents[2]
FAM = family("qwen25vl")
BUTTONS = {"ok": (20, 20, 120, 60)}


def _agent(tmp_path: Path, steps: list[Any], env: FakeScreen | None = None) -> Agent:
    backend = ScriptedBackend(scripted(FAM, steps))
    return Agent(env or FakeScreen(BUTTONS), backend, FAM, AgentConfig(record_dir=tmp_path / "run"))


CLICK = lambda request: ([Click(x=70, y=40)], "Press ok.")  # noqa: E731
FINISH = lambda request: ([Finish(message="done")], "Done.")  # noqa: E731


def _run_json(tmp_path: Path) -> dict[str, Any]:
    return dict(json.loads((tmp_path / "run" / "run.json").read_text()))


# --- a step that cannot be written ------------------------------------------------------------------


def test_a_lone_surrogate_in_the_models_text_is_recorded_not_fatal(tmp_path: Path) -> None:
    """A model (or a server's JSON escape) can hand back half a UTF-16 pair, which UTF-8 cannot hold."""
    half = lambda request: ([Click(x=70, y=40)], "Press ok \ud83d now.")  # noqa: E731
    result = _agent(tmp_path, [half, FINISH]).run_sync("press ok")
    assert result.status == "success" and result.record_error is None
    step = json.loads((tmp_path / "run" / "steps" / "0001.json").read_text(encoding="utf-8"))
    assert (
        step["thought"] == "Press ok \ufffd now." and "Press ok \ufffd now." in step["attempts"][0]["reply"]
    )
    assert _run_json(tmp_path)["status"] == "success" and _run_json(tmp_path)["steps"] == 2
    assert "Press ok \ufffd now." in (tmp_path / "run" / "report.html").read_text(encoding="utf-8")


class BreaksStepTwo(FakeScreen):
    """While step 2 acts, something takes the place of its step file: a folder by that name (the OS
    refuses to replace a directory with a file)."""

    def __init__(self, root: Path) -> None:
        super().__init__(BUTTONS)
        self.root = root

    async def execute(self, action: Any) -> Any:
        if len(self.executed) == 1:
            (self.root / "steps" / "0002.json").mkdir(parents=True)
        return await super().execute(action)


def test_a_step_file_that_cannot_be_written_ends_the_run_and_the_report_shows_the_gap(tmp_path: Path) -> None:
    agent = _agent(tmp_path, [CLICK, CLICK, CLICK, FINISH], BreaksStepTwo(tmp_path / "run"))
    result = agent.run_sync("press ok three times")
    assert result.status == "error"
    assert result.reason.startswith("recording failed: could not write steps/0002.json: Is a directory")
    run = _run_json(tmp_path)
    assert run["status"] == "error" and run["finished_at"] is not None and run["reason"] == result.reason
    html = (tmp_path / "run" / "report.html").read_text()
    assert 'id="step-1"' in html and "Step 2 — could not be read" in html and "Is a directory" in html
    assert result.report == tmp_path / "run" / "report.html"


@pytest.mark.parametrize(
    ("fault", "broken"),
    [(errno.ENOSPC, "steps/0002.json"), (errno.EROFS, "everything after step 1")],
    ids=["disk-full", "read-only"],
)
def test_a_full_disk_or_a_read_only_folder_is_said_and_nothing_crashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: int, broken: str
) -> None:
    """The device cannot be made full or read-only for root here, so the OS error is raised where a
    write would hit it: only that file (a full disk) or every file after step 1 (a folder gone
    read-only, run.json and the report included)."""
    write = trajectory.atomic_write
    read_only = False

    def failing_write(path: Path, data: bytes) -> None:
        nonlocal read_only
        name = path.relative_to(tmp_path / "run").as_posix()
        read_only = read_only or (fault == errno.EROFS and name.startswith("steps/0002"))
        if name == "steps/0002.json" or read_only:
            raise OSError(fault, os.strerror(fault), str(path))
        write(path, data)

    monkeypatch.setattr(trajectory, "atomic_write", failing_write)
    monkeypatch.setattr(report, "atomic_write", failing_write)
    result = _agent(tmp_path, [CLICK, CLICK, CLICK, FINISH]).run_sync("press ok three times")
    assert result.status == "error"
    assert "recording failed: could not write steps/0002" in result.reason
    assert os.strerror(fault) in result.reason
    if fault == errno.ENOSPC:  # the rest of the disk still takes run.json and the report
        assert _run_json(tmp_path)["status"] == "error" and result.record_error is None
        html = (tmp_path / "run" / "report.html").read_text()
        assert 'id="step-1"' in html and "Step 2 — could not be read" in html
    else:  # nothing more can be written: the result says what was lost, and nothing raised
        assert result.report is None and result.record_error is not None
        assert "could not write run.json: Read-only file system" in result.record_error
        assert "could not write the report" in result.record_error


# --- agent report renders what it can ----------------------------------------------------------------


def test_agent_report_draws_gaps_placeholders_and_refuses_paths_outside_the_run(tmp_path: Path) -> None:
    _agent(tmp_path, [CLICK, CLICK, CLICK, CLICK, FINISH]).run_sync("press ok")
    steps = tmp_path / "run" / "steps"
    (steps / "0002.json").write_text('{"index": 2, "actions": [{"action": {"type": "warp"}}]}')  # corrupt
    (steps / "0003.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")  # a bad image...
    (steps / "0003.jpg").write_bytes(b"not a JPEG")  # ...and a bad thumbnail of it
    secret = tmp_path / "outside.png"
    Image.new("RGB", (8, 8), (1, 2, 3)).save(secret)
    step4 = json.loads((steps / "0004.json").read_text())
    step4["screenshot"] = "../../outside.png"  # a tampered path leading out of the run
    (steps / "0004.json").write_text(json.dumps(step4))
    assert main(["report", str(tmp_path / "run")]) == 0
    html = (tmp_path / "run" / "report.html").read_text()
    assert "Step 2 — could not be read" in html and "not a valid StepRecord file" in html
    assert "(screenshot unreadable: UnidentifiedImageError)" in html
    assert "(screenshot refused: its path leads outside the run folder)" in html
    assert html.count("data:image/jpeg;base64,") == 2  # steps 1 and 5 only
    trajectory_read = read_trajectory(tmp_path / "run")
    assert [s.index for s in trajectory_read.steps] == [1, 3, 4, 5] and list(trajectory_read.gaps) == [2]
    (steps / "0003.json").unlink()  # a step that never reached the disk is a gap too
    assert 3 in read_trajectory(tmp_path / "run").gaps
    assert "Step 3 — could not be read" in write_report(tmp_path / "run").read_text()


# --- bad command lines: one line, exit 2, before anything starts --------------------------------------


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--task", "  "], "agent run: --task is empty: say what to do"),
        (
            ["--task", "go", "--endpoint", "localhost:8000"],
            "agent run: --endpoint 'localhost:8000' is not an http(s) URL",
        ),
        (["--task", "go", "--record", "FILE"], "is a file, not a folder: name a new or empty folder"),
        (["--task", "go", "--record", "/sys/anyres-agent-test/run"], "cannot write there"),
    ],
    ids=["empty-task", "endpoint-without-scheme", "record-is-a-file", "record-unwritable"],
)
def test_bad_command_lines_are_one_line_errors_before_the_model_or_browser_start(
    tmp_path: Path, flags: list[str], message: str
) -> None:
    (tmp_path / "FILE").write_text("not a folder")
    flags = [str(tmp_path / "FILE") if f == "FILE" else f for f in flags]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "300"}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "anyres_agent", "run", "--url", "demo", *flags],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "loading the model" not in result.stderr + result.stdout  # nothing was started
    assert not (tmp_path / "runs").exists()
    assert time.monotonic() - started < 60


# --- signals to the whole process group ----------------------------------------------------------------


def _answer(action: Any, delay: float) -> Behaviour:
    frame = Frame.build(space="resized", screen=(1280, 720), max_pixels=1280 * 28 * 28)
    return Behaviour(kind="slow", delay=delay, text=FAM.render([action], frame, thought="Look further down."))


@pytest.fixture
def model_server() -> Iterator[FakeOpenAIServer]:
    server = FakeOpenAIServer(owned_by="vllm")
    with server.running() as running:
        yield running


def _agent_run(server: FakeOpenAIServer, record: Path) -> subprocess.Popen[str]:
    """`agent run` in a process group of its own (as a shell runs a job), against the fake model."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "300", "TEST_SERVER_KEY": "k"}
    return subprocess.Popen(
        [sys.executable, "-m", "anyres_agent", "run", "--task", "Read the demo page.", "--url", "demo",
         "--model", "qwen2.5-vl-7b", "--endpoint", server.url, "--record", str(record), "--max-steps", "6"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT, start_new_session=True,
    )  # fmt: skip


def _wait_for(path: Path, process: subprocess.Popen[str], timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def _wait_for_model_call(
    server: FakeOpenAIServer, count: int, process: subprocess.Popen[str], timeout_s: float = 90
) -> None:
    """Until the fake model has received its `count`-th request (recorded before any slow answer)."""
    deadline = time.monotonic() + timeout_s
    while len(server.requests) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"model call {count} never came"
        time.sleep(0.05)


def test_ctrl_c_to_the_process_group_stops_after_the_step_with_the_browser_alive(
    model_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    """The terminal sends SIGINT to every process of the job. The step in flight must still reach the
    page (a scroll in the browser), be recorded, and the run end as stopped with exit 130."""
    model_server.script = [
        _answer(Scroll(dy=200), 0.1),
        _answer(Scroll(dy=200), 4.0),
        _answer(Scroll(dy=200), 0.1),
    ]
    record = tmp_path / "run"
    process = _agent_run(model_server, record)
    _wait_for(record / "steps" / "0001.json", process)
    _wait_for_model_call(model_server, 2, process)  # step 2's model call is under way
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    run = json.loads((record / "run.json").read_text())
    assert run["status"] == "stopped" and "interrupted by the user (Ctrl-C)" in run["reason"]
    step2 = json.loads((record / "steps" / "0002.json").read_text())
    assert step2["actions"][0]["ok"] is True, step2["actions"][0]  # the page was still there to scroll
    assert run["steps"] == 2 and (record / "report.html").is_file()


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_to_the_group_finalize_run_json_and_the_report(
    model_server: FakeOpenAIServer, tmp_path: Path, sent: signal.Signals
) -> None:
    model_server.script = [_answer(Scroll(dy=200), 0.1), _answer(Scroll(dy=200), 10.0)]
    record = tmp_path / "run"
    process = _agent_run(model_server, record)
    _wait_for(record / "steps" / "0001.json", process)
    _wait_for_model_call(model_server, 2, process)  # step 2's model call is under way
    os.killpg(process.pid, sent)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 128 + sent, err
    assert "Traceback" not in err
    run = json.loads((record / "run.json").read_text())
    assert run["status"] == "stopped" and run["reason"] == f"ended by {sent.name}"
    assert run["finished_at"] is not None and run["steps"] == 1
    assert (record / "report.html").is_file()


# --- an answer too long to read ------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["action first", "action last"])
def test_an_answer_over_64_kb_is_cut_before_parsing_with_a_note(tmp_path: Path, where: str) -> None:
    """A runaway generation (or a page the model was talked into echoing) is read up to the cap: its
    head and its tail, so an action before or after the flood still counts; the step says it was
    cut, and the model is told next time."""

    def runaway(request: Any) -> str:
        assert request.frame is not None
        answer = FAM.render([Click(x=70, y=40)], request.frame, thought="Press ok.")
        flood = "\nla" * 200_000
        return answer + flood if where == "action first" else flood + answer

    backend = ScriptedBackend(scripted(FAM, [runaway, FINISH]))
    agent = Agent(FakeScreen(BUTTONS), backend, FAM, AgentConfig(record_dir=tmp_path / "run"))
    result = agent.run_sync("press ok")
    assert result.status == "success"
    step = json.loads((tmp_path / "run" / "steps" / "0001.json").read_text())
    attempt = step["attempts"][0]
    length = re.search(r"the answer was ([\d,]+) characters long", attempt["note"])
    assert (
        len(attempt["reply"]) <= MAX_ANSWER_CHARS + 1 and length and int(length[1].replace(",", "")) > 600_000
    )
    assert step["actions"][0]["action"] == {"type": "click", "x": 70, "y": 40, "button": "left", "count": 1}
    note = "characters long; only its first and last 32,768 or so were read"
    assert any(note in n for n in step["notes"])
    assert note in "\n".join(m.plain_text() for m in backend.calls[1].messages)
