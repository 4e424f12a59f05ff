"""`agent run --min-pixels/--max-pixels`: the frame's pixel budget from the command line.

The flags are the same settings as the `min_pixels`/`max_pixels` config keys and ANYRES_* variables,
so they travel the same way: into the model spec, the frame the screenshot is resized to, and the
request the server gets. Checked end to end against a real loopback server and a real Gymnasium env.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "model" / "backends"))  # fake_openai_server

from fake_openai_server import Behaviour, FakeOpenAIServer

from anyres_agent.agent.cli import main
from anyres_agent.model.backends.images import decode_data_url
from anyres_agent.model.frame import smart_resize

FINISHED = Behaviour(text="Thought: I am at the goal.\nAction: finished(content='reached')")


def _run(tmp_path: Path, server: FakeOpenAIServer, *flags: str) -> int:
    return main(
        ["run", "--env", "gym", "--gym-env", "FrozenLake-v1", "--task", "reach the goal",
         "--endpoint", server.url, "--model", "ui-tars-1.5-7b", "--record", str(tmp_path / "run"), *flags]
    )  # fmt: skip


def _sent_image_size(body: dict) -> tuple[int, int]:
    """The size of the last screenshot in a chat-completion request body."""
    parts = [
        part
        for message in body["messages"]
        if isinstance(message["content"], list)
        for part in message["content"]
        if part["type"] == "image_url"
    ]
    return decode_data_url(parts[-1]["image_url"]["url"]).size


def test_the_flags_set_the_frame_the_server_sees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "")
    with FakeOpenAIServer(owned_by="vllm").running() as server:
        server.script = [FINISHED]
        assert _run(tmp_path, server, "--min-pixels", "3136", "--max-pixels", "40000") == 0, (
            capsys.readouterr()
        )
        (sent,) = server.requests
    # FrozenLake renders 256x256: 40,000 pixels bring it down to 196x196, where the preset's own
    # budget (78,400 to 12,845,056) would have scaled it up to 280x280.
    assert _sent_image_size(sent.body) == (196, 196) == smart_resize(256, 256, 28, 3136, 40000)[::-1]
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert (run["config"]["min_pixels"], run["config"]["max_pixels"]) == (3136, 40000)


def test_the_flags_beat_the_variables_of_the_same_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "")
    monkeypatch.setenv("ANYRES_MIN_PIXELS", "3136")
    monkeypatch.setenv("ANYRES_MAX_PIXELS", "40000")
    with FakeOpenAIServer(owned_by="vllm").running() as server:
        server.script = [FINISHED]
        assert _run(tmp_path, server, "--max-pixels", "30000") == 0, capsys.readouterr()
        (sent,) = server.requests
    assert _sent_image_size(sent.body) == (168, 168) == smart_resize(256, 256, 28, 3136, 30000)[::-1]
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert (run["config"]["min_pixels"], run["config"]["max_pixels"]) == (3136, 30000)


@pytest.mark.parametrize(
    ("flags", "error"),
    [
        (["--max-pixels", "0"], "invalid settings: max_pixels: Input should be greater than or equal to 1"),
        (["--min-pixels", "-5"], "invalid settings: min_pixels: Input should be greater than or equal to 1"),
        (["--max-pixels", "lots"], "invalid settings: max_pixels: Input should be a valid integer"),
        (["--max-pixels", "1.5e6"], "invalid settings: max_pixels: Input should be a valid integer"),
        (
            ["--min-pixels", "50000", "--max-pixels", "40000"],
            "invalid settings: min_pixels (50000) must be <= max_pixels (40000)",
        ),
        # only one bound given: the other is the model's, and the pair must still be in order
        (["--min-pixels", "20000000"], "min_pixels 20000000 is larger than max_pixels 12845056"),
    ],
)
def test_bad_budgets_are_one_line_usage_errors(
    flags: list[str], error: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeOpenAIServer(owned_by="vllm").running() as server:
        assert _run(tmp_path, server, *flags) == 2
        assert server.requests == []  # nothing reached the model
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("agent run: ") and error in lines[0], lines
