"""UI-TARS v1 (0-1000, box tokens) and UI-TARS-1.5 (resized pixels, <point>): Thought/Action answers."""

from __future__ import annotations

import pytest
from family_helpers import check_real_output, dumps, frame_for, real_outputs
from PIL import Image

from anyres_agent.model.answer import ParseError
from anyres_agent.model.families import get_family

V1 = get_family("uitars")
V15 = get_family("uitars15")


@pytest.mark.parametrize(
    "case", real_outputs("uitars") + real_outputs("uitars15"), ids=lambda c: c["source"][:40]
)
def test_real_outputs(case):
    check_real_output(case)


def test_thought_is_kept_and_several_actions_are_read_in_order():
    frame = frame_for("uitars15", (1288, 728))
    text = (
        "Thought: The search box is empty. I will type the query and submit it.\n"
        "Action: click(point='<point>100 50</point>')\n\n"
        "type(content='cheap flights\\n')\n\nhotkey(key='ctrl a')"
    )
    parsed = V15.parse(text, frame)
    assert parsed.thought == "The search box is empty. I will type the query and submit it."
    assert dumps(parsed.actions) == [
        {"type": "click", "x": 100, "y": 50, "button": "left", "count": 1},
        {"type": "type", "text": "cheap flights\n"},
        {"type": "key", "keys": ["ctrl", "a"]},
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("click(start_box='(100,50)')", "click"),  # hallucination: no "Action:"
        ("Thought: x\nAction：left_double(point='<point>10 10</point>')", "click"),  # full-width colon
        ("Action: type(content='it's fine')", "type"),  # unescaped quote
        ("Action: finished(content='done'", "finish"),  # missing )
        ("Action: scroll(direction='up')", "scroll"),
        ("Action: drag(start_point='<point>1 1</point>', end_point='<point>50 60</point>')", "drag"),
        ("Action: press_back()", "back"),
        ("Action: open_app(app_name='Settings')", "open_app"),
        ("Action: long_press(point='<point>5 5</point>')", "long_press"),
        ("<think>hmm</think>Thought: go\nAction: wait()", "wait"),
        ("Action: call_user()", "call_user"),
        ("Action: click(start_box='[10, 10, 30, 30]')", "click"),  # a box: its centre
    ],
)
def test_tolerated_variants(text, expected):
    assert V15.parse(text, frame_for("uitars15", (1288, 728))).actions[0].type == expected


def test_an_unescaped_quote_keeps_the_whole_text():
    action = V15.parse("Action: type(content='it's fine')", frame_for("uitars15", (1288, 728))).actions[0]
    assert action.text == "it's fine"


@pytest.mark.parametrize(
    ("family", "text", "message"),
    [
        ("uitars", "Action: click(start_box='<|box_start|>(1200,30)<|box_end|>')", "0-1000"),
        ("uitars15", "Action: click(point='<point>-5 30</point>')", "off the screenshot"),
        ("uitars15", "Action: teleport(point='<point>5 30</point>')", "unknown action"),
        ("uitars15", "Thought: I am not sure what to do.", "no action found"),
        ("uitars15", "Action: hotkey(key='ctrl hyper')", "unknown key 'hyper'"),
        ("uitars15", "Action: scroll(direction='sideways')", "unknown scroll direction"),
        ("uitars15", "Action: click()", "click needs point"),
    ],
)
def test_errors_say_what_to_fix(family, text, message):
    with pytest.raises(ParseError, match=message):
        get_family(family).parse(text, frame_for(family, (1288, 728)))


def test_v1_and_v15_read_the_same_numbers_in_their_own_spaces():
    frame_v1 = frame_for("uitars", (1920, 1080))
    frame_v15 = frame_for("uitars15", (1920, 1080))
    text = "Action: click(start_box='(500,500)')"
    assert dumps(V1.parse(text, frame_v1).actions)[0]["x"] == 960  # 500/1000 of the screen
    assert dumps(V15.parse(text, frame_v15).actions)[0]["x"] == 497  # 500 of 1932 resized pixels


def test_the_prompt_is_the_first_user_turn():
    frame = frame_for("uitars15", (1288, 728))
    messages = V15.build_messages(
        task="open settings",
        actions=frozenset({"click", "move", "type"}),
        frame=frame,
        screenshot=Image.new("RGB", (8, 8)),
    )
    assert messages[0].role == "user"
    text = messages[0].plain_text()
    assert "## User Instruction\nopen settings" in text and "- Use English in `Thought` part." in text
    v1 = V1.prompt(frozenset({"click", "swipe", "open_app"}), "t")  # a phone: the mobile template
    assert "scroll(start_box='<|box_start|>(x1,y1)<|box_end|>', end_box=" in v1 and v1.endswith(
        "## User Instruction\nt"
    )


def test_grounding_reads_the_point():
    frame = frame_for("uitars15", (1920, 1080))
    box = V15.parse_grounding("Action: click(point='<point>966 546</point>')", frame)
    assert (box.x1, box.y1) == (960, 540) and box.x1 == box.x2
    text = V15.grounding_messages(
        instruction="the OK button", frame=frame, screenshot=Image.new("RGB", (8, 8))
    )[0].plain_text()
    assert "click(point='<point>x1 y1</point>'')" in text and text.endswith("the OK button<image>")
    v1 = frame_for("uitars", (1920, 1080))
    assert V1.parse_grounding("(235,512)", v1) == V1.parse_grounding(
        "Action: click(start_box='(235,512)')", v1
    )


def test_the_two_versions_differ_in_point_syntax():
    assert V1.point_text(frame_for("uitars", (1000, 1000)), 500, 250) == "<|box_start|>(500,250)<|box_end|>"
    assert V15.point_text(frame_for("uitars15", (1000, 1008)), 500, 504) == "<point>504 504</point>"
