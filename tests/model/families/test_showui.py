"""ShowUI: Python-dict actions with 0-1 positions; INPUT with a position is click-then-type."""

from __future__ import annotations

import pytest
from family_helpers import check_real_output, dumps, frame_for, real_outputs
from PIL import Image

from anyres_agent.model.answer import ParseError
from anyres_agent.model.families import get_family

F = get_family("showui")


@pytest.mark.parametrize("case", real_outputs("showui"), ids=lambda c: c["source"][:40])
def test_real_outputs(case):
    check_real_output(case)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[{'action': 'TAP', 'value': None, 'position': [0.5, 0.5]}]", ["click"]),
        ("{'action': 'click', 'value': None, 'position': (0.5, 0.5)", ["click"]),  # lower case, tuple, no }
        ('{"action": "SWIPE", "value": null, "position": [[0.5, 0.8], [0.5, 0.2]]}', ["swipe"]),
        ("{'action': 'SWIPE', 'value': 'up', 'position': None}", ["swipe"]),
        ("{'action': 'SCROLL', 'value': 'down', 'position': None}", ["scroll"]),
        ("{'action': 'HOVER', 'value': None, 'position': [0.1, 0.1]}", ["move"]),
        ("{'action': 'INPUT', 'value': 'abc', 'position': None}", ["type"]),
        ("{'action': 'ANSWER', 'value': 'Paris', 'position': None}", ["answer"]),
        ("{'action': 'SELECT_TEXT', 'value': None, 'position': [[0.1, 0.1], [0.3, 0.1]]}", ["drag"]),
    ],
)
def test_variants(text, expected):
    assert [a.type for a in F.parse(text, frame_for("showui", (1920, 1080))).actions] == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{'action': 'CLICK', 'value': None, 'position': [1.5, 0.2]}", "0-1"),
        ("{'action': 'CLICK', 'value': None, 'position': None}", "needs 'position'"),
        ("{'action': 'FLY', 'value': None, 'position': None}", "unknown action 'FLY'"),
        ("{'value': None}", "'action' key"),
        ("I think it is the blue button", "no action found"),
    ],
)
def test_errors(text, message):
    with pytest.raises(ParseError, match=message):
        F.parse(text, frame_for("showui", (1920, 1080)))


def test_render_merges_click_then_type_into_input_and_keeps_a_pixel():
    frame = frame_for("showui", (7680, 4320))
    parsed = F.parse(
        F.render(
            F.parse("{'action': 'INPUT', 'value': 'x', 'position': [0.4913, 0.1]}", frame).actions, frame
        ),
        frame,
    )
    assert dumps(parsed.actions)[0] == {"type": "click", "x": 3773, "y": 432, "button": "left", "count": 1}


def test_prompt_is_one_user_turn_with_the_quick_start_wording():
    messages = F.build_messages(
        task="search the weather",
        actions=frozenset({"click", "type", "move"}),
        frame=frame_for("showui", (1920, 1080)),
        screenshot=Image.new("RGB", (8, 8)),
    )
    assert [m.role for m in messages] == ["user"]
    text = messages[0].plain_text()
    assert text.startswith("You are an assistant trained to navigate the web screen.")
    assert "9. `COPY`" in text and text.endswith("0-1.\nTask: search the weather<image>")


@pytest.mark.parametrize(
    "text",
    [
        "I think {x} is the button. {'action': 'CLICK', 'value': None, 'position': [0.5, 0.5]}",
        "Context {'page': 'home'} then {'action': 'CLICK', 'value': None, 'position': [0.5, 0.5]}",
        "Braces { and [ in prose. {'action': 'CLICK', 'value': None, 'position': [0.5, 0.5]}",
    ],
)
def test_braces_in_prose_before_the_action_dict_are_skipped(text):
    parsed = F.parse(text, frame_for("showui", (1000, 1000)))
    assert dumps(parsed.actions) == [{"type": "click", "x": 500, "y": 500, "button": "left", "count": 1}]
    assert parsed.thought == text[: text.index("{'action'")].strip()


def test_a_broken_action_dict_still_reports_its_own_error():
    with pytest.raises(ParseError, match="closed by"):
        F.parse(
            "{'action': 'CLICK', 'value': None, 'position': [0.5, 0.5]]", frame_for("showui", (1000, 1000))
        )
