"""The trajectory is written atomically and read back; the report is one offline, escaped HTML file."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image

from anyres_agent.agent.guards import GuardDecision
from anyres_agent.agent.report import render_report, write_report
from anyres_agent.agent.secrets import SecretStore
from anyres_agent.agent.trajectory import (
    Attempt,
    ObservationInfo,
    PlannedAction,
    RunRecord,
    SentMessage,
    StepRecord,
    TrajectoryRecorder,
    read_trajectory,
)
from anyres_agent.tools import Click, Scroll


def _png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="PNG")
    return buffer.getvalue()


def _record(tmp_path: Path) -> Path:
    secrets = SecretStore({"PW": "s3cret-value"})
    recorder = TrajectoryRecorder(tmp_path / "run", secrets)
    recorder.write_run(RunRecord(id="r1", task="log in with s3cret-value", status="success", scripted=True))
    step = StepRecord(
        index=1,
        observation=ObservationInfo(
            url="http://127.0.0.1/?pw=s3cret-value", screen=(1280, 720), image=(2560, 1440)
        ),
        thought='I will click <script>alert("x")</script> & type',
        attempts=[
            Attempt(request=[SentMessage(role="user", text="task")], reply="click(...)", prompt_tokens=7)
        ],
        actions=[
            PlannedAction(
                action={"type": "click", "x": 640, "y": 360}, box={"x1": 600, "y1": 340, "x2": 680, "y2": 380}
            ),
            PlannedAction(
                action={"type": "drag", "x": 10, "y": 20, "to_x": 300, "to_y": 400}, decision="rejected"
            ),
            PlannedAction(action={"type": "type", "text": "s3cret-value"}),
        ],
        decisions=[GuardDecision(guard="risk", verdict="ask", detail="types a secret")],
        timings={"capture": 0.05, "model": 1.0, "total": 1.2},
    )
    step.screenshot = recorder.write_screenshot(1, _png((2560, 1440)))
    recorder.write_step(step)
    return recorder.root


def test_steps_round_trip_and_secrets_are_masked_on_disk(tmp_path: Path) -> None:
    root = _record(tmp_path)
    trajectory = read_trajectory(root)
    assert trajectory.run is not None and trajectory.run.status == "success"
    assert [s.index for s in trajectory.steps] == [1]
    assert trajectory.steps[0].actions[1].action.to_y == 400
    assert not list(root.rglob("*.tmp")), "no temporary file is left behind"
    for path in root.rglob("*"):
        if path.is_file():
            assert b"s3cret-value" not in path.read_bytes(), path


def test_report_is_self_contained_escaped_and_draws_in_screen_space(tmp_path: Path) -> None:
    root = _record(tmp_path)
    html = write_report(root).read_text(encoding="utf-8")
    assert "data:image/jpeg;base64," in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), "nothing may be fetched"
    assert "<script" not in html and "<link" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    # overlays use the screen's own coordinates, whatever the image's DPR
    assert 'viewBox="0 0 1280 720"' in html
    assert '<circle cx="640" cy="360"' in html
    assert '<rect x="600" y="340" width="80" height="40"' in html
    assert '<line x1="10" y1="20" x2="300" y2="400"' in html
    assert "SCRIPTED RUN" in html
    assert "s3cret-value" not in html


def test_a_crashed_run_without_run_json_still_reports(tmp_path: Path) -> None:
    root = _record(tmp_path)
    (root / "run.json").unlink()
    html = render_report(read_trajectory(root))
    assert "may have crashed" in html


def test_agent_report_names_a_damaged_file_and_draws_it_as_a_gap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from anyres_agent.agent.cli import main

    (tmp_path / "steps").mkdir()
    (tmp_path / "steps" / "0001.json").write_text('{"index": "one"}')
    assert main(["report", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    damaged = f"{tmp_path / 'steps' / '0001.json'} is not a valid StepRecord file"
    assert err.startswith(f"agent report: step 1 is a gap: {damaged}")
    assert "Traceback" not in err
    assert "Step 1 — could not be read" in (tmp_path / "report.html").read_text()
    assert main(["report", str(tmp_path / "nowhere")]) == 2  # not a trajectory at all: a usage error


def test_report_draws_a_pointless_scroll_at_the_centre_and_never_prints_odd_coordinates(
    tmp_path: Path,
) -> None:
    recorder = TrajectoryRecorder(tmp_path / "run", SecretStore())
    for index, action in enumerate([Scroll(dy=500), Click(x=20, y=5)], start=1):  # scroll: no point
        step = StepRecord(index=index, observation=ObservationInfo(screen=(800, 600), image=(800, 600)))
        step.actions.append(PlannedAction(action=action))
        step.screenshot = recorder.write_screenshot(index, _png((800, 600)))
        recorder.write_step(step)
    html = write_report(recorder.root).read_text(encoding="utf-8")
    assert '<circle cx="400" cy="300"' in html  # the scroll, at the centre of 800x600
    assert html.count('id="arrow-1"') == 1 and html.count('id="arrow-2"') == 1
    # an edited step file whose action is not a valid action never reaches markup: it is a gap
    step_file = recorder.root / "steps" / "0002.json"
    tampered = json.loads(step_file.read_text())
    tampered["actions"][0]["action"]["x"] = '1"/><foreignObject>'
    step_file.write_text(json.dumps(tampered))
    html = write_report(recorder.root).read_text(encoding="utf-8")
    assert "<foreignObject>" not in html and "foreignObject" not in html.replace("&lt;foreignObject&gt;", "")
    assert "Step 2 — could not be read" in html and '<circle cx="400" cy="300"' in html
