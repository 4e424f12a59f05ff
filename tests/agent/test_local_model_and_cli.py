"""The real local path with a tiny random transformers model, and the CLI faces of a run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from agent_fakes import FakeScreen, family, scripted
from tiny_models import build_tiny_qwen2vl

from anyres_agent.agent.api import Agent
from anyres_agent.agent.cli import main
from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.trajectory import read_trajectory
from anyres_agent.model.backends import ScriptedBackend, open_backend
from anyres_agent.tools import Click, Finish

ROOT = Path(__file__).resolve().parents[2]


def test_a_tiny_random_model_runs_the_real_local_path_and_stops_cleanly(tmp_path: Path) -> None:
    folder = build_tiny_qwen2vl(tmp_path / "tiny-qwen2-vl", "qwen2vl")
    backend, spec = open_backend(str(folder), max_pixels=320 * 200)
    env = FakeScreen({"ok": (20, 20, 120, 60)}, size=(320, 200))
    config = AgentConfig(
        max_steps=2, max_parse_retries=1, record_dir=tmp_path / "run", min_pixels=spec.min_pixels,
        max_pixels=spec.max_pixels,
    )  # fmt: skip
    result = Agent(
        env, backend, spec.family, config, settings=spec.settings.model_copy(update={"max_new_tokens": 8})
    )
    outcome = result.run_sync("press ok")
    assert outcome.status == "stopped", (
        outcome.reason
    )  # random tokens: unparseable, or harmless until the budget
    assert outcome.tokens > 0
    step = read_trajectory(tmp_path / "run").steps[0]
    assert (
        step.attempts[0].image_tokens > 0 and step.attempts[0].prompt_tokens > step.attempts[0].image_tokens
    )
    assert (tmp_path / "run" / "report.html").exists()


def test_agent_run_without_weights_prints_one_paragraph_and_exits_1(tmp_path: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "hub"), "COLUMNS": "200"}
    result = subprocess.run(
        [sys.executable, "-m", "anyres_agent", "run", "--task", "Sign up as Ada", "--url", "demo",
         "--record", str(tmp_path / "run")],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "--model" in result.stderr and "--endpoint" in result.stderr  # the two ways forward


def test_agent_run_refuses_a_task_whose_secret_has_no_value(capsys: object) -> None:
    assert main(["run", "--task", "log in with {{secret:NOPE_PW}}", "--url", "demo"]) == 2


def test_agent_report_rebuilds_the_html_of_a_recorded_run(tmp_path: Path) -> None:
    env = FakeScreen({"ok": (20, 20, 120, 60)})
    fam = family("qwen25vl")
    backend = ScriptedBackend(scripted(fam, [([Click(x=70, y=40)], "press ok"), ([Finish()], "done")]))
    Agent(env, backend, fam, AgentConfig(record_dir=tmp_path / "run", report=False)).run_sync("press ok")
    assert not (tmp_path / "run" / "report.html").exists()
    assert main(["report", str(tmp_path / "run"), "--output", str(tmp_path / "out.html")]) == 0
    assert '<circle cx="70" cy="40"' in (tmp_path / "out.html").read_text()
    assert main(["report", str(tmp_path / "nothing-here")]) == 2
