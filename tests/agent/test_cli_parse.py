"""`agent parse`: a model answer in, screen-space actions out as JSON; bad input is one line, exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from anyres_agent.agent.cli import main

QWEN25_CLICK = (
    '<tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [658, 364]}}\n'
    "</tool_call>"
)


def parse(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict], str]:
    status = main(["parse", *argv])
    out, err = capsys.readouterr()
    return status, (json.loads(out) if out.strip() else []), err


def test_a_4k_screen_seen_at_1316x728_by_qwen25vl(capsys):
    status, actions, _ = parse(
        capsys, "--family", "qwen25vl", "--screen", "3840x2160", "--max-pixels", "1003520", QWEN25_CLICK
    )
    assert status == 0
    assert actions == [{"type": "click", "x": 1920, "y": 1080, "button": "left", "count": 1}]


def test_the_same_answer_at_checkpoint_defaults_is_a_different_point(capsys):
    _, actions, _ = parse(capsys, "--family", "qwen25vl", "--screen", "3840x2160", QWEN25_CLICK)
    assert (actions[0]["x"], actions[0]["y"]) == (659, 365)  # the model saw 3836x2156 here


def test_a_dpr2_browser_maps_to_css_pixels(capsys):
    text = "Thought: The search box.\nAction: click(point='<point>1274 714</point>')"
    _, actions, _ = parse(
        capsys, "--family", "uitars15", "--screen", "1280x720", "--image", "2560x1440", text
    )
    assert actions == [{"type": "click", "x": 640, "y": 360, "button": "left", "count": 1}]


def test_a_qwen2vl_box_and_several_actions(capsys):
    text = (
        '✿FUNCTION✿: click\n✿ARGS✿: {"point": "<|box_start|>(576,12),(592,42)<|box_end|>"}\n'
        '✿FUNCTION✿: type\n✿ARGS✿: {"text": "hello"}\n✿FUNCTION✿: key\n✿ARGS✿: {"keys": "enter"}'
    )
    _, actions, _ = parse(capsys, "--family", "qwen2vl", "--screen", "1920x1080", text)
    assert actions == [
        {"type": "click", "x": 1121, "y": 29, "button": "left", "count": 1},
        {"type": "type", "text": "hello"},
        {"type": "key", "keys": ["enter"]},
    ]


def test_drag_and_swipe_have_both_ends(capsys):
    text = "{'action': 'SWIPE', 'value': None, 'position': [[0.5, 0.8], [0.5, 0.2]]}"
    _, actions, _ = parse(capsys, "--family", "showui", "--screen", "1080x2400", text)
    assert actions == [{"type": "swipe", "x": 540, "y": 1920, "to_x": 540, "to_y": 480, "duration": 0.3}]


def test_grounding_prints_a_box(capsys):
    status = main(["parse", "--family", "showui", "--screen", "1920x1080", "--grounding", "[0.73, 0.21]"])
    assert status == 0 and json.loads(capsys.readouterr().out) == {
        "x1": 1402,
        "y1": 227,
        "x2": 1402,
        "y2": 227,
    }


def test_clamp_is_opt_in(capsys):
    text = "Action: click(start_box='(1200,30)')"
    status, _, err = parse(capsys, "--family", "uitars", "--screen", "1920x1080", text)
    assert status == 2 and "off the screenshot" in err
    status, actions, _ = parse(capsys, "--family", "uitars", "--screen", "1920x1080", "--clamp", text)
    assert status == 0 and actions[0]["x"] == 1919


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--family", "qwen2vl", "--screen", "1920x1080", "the button is blue"], "no action found"),
        (["--family", "llava", "--screen", "1920x1080", "x"], "known families"),
        (["--family", "qwen2vl", "--screen", "big", "x"], "--screen must look like 1920x1080"),
        (["--family", "qwen2vl", "--screen", "20000x10", "x"], "aspect ratio"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    status, actions, err = parse(capsys, *argv)
    assert status == 2 and actions == []
    assert message in err and err.count("\n") == 1 and err.startswith("agent parse: ")


def test_the_installed_command_prints_no_traceback():
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("agent")),  # the console script pip installed
            "parse",
            "--family",
            "uitars15",
            "--screen",
            "800x600",
            "Action: fly()",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("agent parse: unknown action") and "Traceback" not in result.stderr


def test_stdin(monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("Action: press_home()"))
    _, actions, _ = parse(capsys, "--family", "uitars15", "--screen", "1080x2400", "-")
    assert actions == [{"type": "home"}]


def test_cursor_stands_in_for_a_missing_coordinate(capsys):
    click = '<tool_call>\n{"name": "computer_use", "arguments": {"action": "double_click"}}\n</tool_call>'
    status, actions, _ = parse(
        capsys, "--family", "qwen25vl", "--screen", "1280x720", "--cursor", "640,360", click
    )
    assert status == 0 and actions == [{"type": "click", "x": 640, "y": 360, "button": "left", "count": 2}]
    status, _, err = parse(capsys, "--family", "qwen25vl", "--screen", "1280x720", click)
    assert status == 2 and "pointer position is unknown" in err
    status, _, err = parse(capsys, "--family", "qwen25vl", "--screen", "1280x720", "--cursor", "here", click)
    assert status == 2 and "--cursor must look like 640,360" in err


def test_server_applies_its_image_limit(capsys):
    """Behind Ollama a 4K screen is seen at 1316x728 (its 1,003,520-pixel limit): the same as --max-pixels."""
    _, actions, _ = parse(
        capsys, "--family", "qwen25vl", "--screen", "3840x2160", "--server", "ollama", QWEN25_CLICK
    )
    assert actions == [{"type": "click", "x": 1920, "y": 1080, "button": "left", "count": 1}]
    status, _, err = parse(
        capsys, "--family", "qwen25vl", "--screen", "3840x2160", "--server", "tgi", QWEN25_CLICK
    )
    assert status == 2 and "unknown server 'tgi'" in err


def test_a_bare_os_atlas_box_is_a_click_and_os_atlas_pro_lines_are_read(capsys):
    box = "<|object_ref_start|>language switch<|object_ref_end|><|box_start|>(576,12),(592,42)<|box_end|>"
    _, actions, _ = parse(capsys, "--family", "qwen2vl", "--screen", "1920x1080", box)
    assert actions == [{"type": "click", "x": 1121, "y": 29, "button": "left", "count": 1}]
    _, actions, _ = parse(
        capsys, "--family", "osatlas", "--screen", "1000x1000", "actions:\nCLICK <point>[[493,544]]</point>"
    )
    assert actions == [{"type": "click", "x": 493, "y": 544, "button": "left", "count": 1}]
