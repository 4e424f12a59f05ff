"""Qwen2-VL / OS-Atlas: ✿FUNCTION✿/✿ARGS✿ calls and box tokens, 0-1000 of the whole image."""

from __future__ import annotations

import pytest
from family_helpers import check_real_output, dumps, frame_for, real_outputs
from PIL import Image

from anyres_agent.model.answer import ParseError
from anyres_agent.model.families import get_family

F = get_family("qwen2vl")


@pytest.mark.parametrize("case", real_outputs("qwen2vl"), ids=lambda c: c["source"][:40])
def test_real_outputs(case):
    check_real_output(case)


def test_a_box_argument_clicks_its_centre_and_keeps_the_box():
    frame = frame_for("qwen2vl", (1920, 1080))
    step = F.parse(
        '✿FUNCTION✿: click\n✿ARGS✿: {"point": "<|box_start|>(576,12),(592,42)<|box_end|>"}', frame
    ).steps[0]
    assert (step.action.x, step.action.y) == (1121, 29)
    assert step.box is not None and (step.box.x1, step.box.x2) == (1106, 1137)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('*FUNCTION*: Tap\n*ARGS*: {"point": (348,291)}', ["click"]),  # the paper's markdown delimiters
        ("I will go back.\n✿FUNCTION✿: back\n✿ARGS✿: {}", ["back"]),
        ("✿FUNCTION✿: home", ["home"]),  # no ARGS line
        ("✿FUNCTION✿: type\n✿ARGS✿: {'text': 'hello'}\n✿RESULT✿: ok", ["type"]),
        (
            '✿FUNCTION✿: click\n✿ARGS✿: {"point": "(10,10)"}\n✿FUNCTION✿: key\n✿ARGS✿: {"keys": "ctrl+v"}',
            ["click", "key"],
        ),
        ('✿FUNCTION✿: finish\n✿ARGS✿: {"success": false, "message": "blocked"', ["finish"]),  # missing }
    ],
)
def test_variants(text, expected):
    assert [a.type for a in F.parse(text, frame_for("qwen2vl", (1000, 1000))).actions] == expected


def test_thought_before_the_call_is_kept():
    parsed = F.parse("I will go back.\n✿FUNCTION✿: back\n✿ARGS✿: {}", frame_for("qwen2vl", (1000, 1000)))
    assert parsed.thought == "I will go back."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('✿FUNCTION✿: click\n✿ARGS✿: {"point": (1200,30)}', "0-1000"),
        ('✿FUNCTION✿: click\n✿ARGS✿: {"point": "somewhere"}', "must be a point"),
        ("✿FUNCTION✿: dance\n✿ARGS✿: {}", "unknown function 'dance'"),
        ("The button is at the top.", "no action found"),
        ('✿FUNCTION✿: click\n✿ARGS✿: {"point": (1, 2)', None),  # repaired, no error
    ],
)
def test_errors(text, message):
    frame = frame_for("qwen2vl", (1000, 1000))
    if message is None:
        assert dumps(F.parse(text, frame).actions)[0]["x"] == 1
        return
    with pytest.raises(ParseError, match=message):
        F.parse(text, frame)


def test_prompts():
    frame = frame_for("qwen2vl", (1000, 1000))
    system = F.system_prompt(frozenset({"click", "type"}), frame)
    assert "✿FUNCTION✿: The tool to use, should be one of [click,type,finish]" in system
    assert "x and y range from 0 to 1000" in system and "### scroll" not in system
    grounding = F.grounding_messages(
        instruction="switch language", frame=frame, screenshot=Image.new("RGB", (8, 8))
    )
    assert '"switch language" (with bbox)?' in grounding[0].plain_text()


@pytest.mark.parametrize(
    "typed",
    [
        "Press RETURN: then go",
        "FUNCTION: x",
        "ARGS: {'a': 1}",
        "first line\nRESULT: second line",  # a marker at the start of a line inside the string
        "✿FUNCTION✿: click",  # even a delimited marker, when it sits inside the arguments
    ],
)
def test_marker_words_inside_the_arguments_are_text_not_markers(typed):
    import json

    text = f"✿FUNCTION✿: type\n✿ARGS✿: {json.dumps({'text': typed}, ensure_ascii=False)}"
    text = text.replace("\\n", "\n")  # a raw newline inside the string, as models write it
    parsed = F.parse(text, frame_for("qwen2vl", (1000, 1000)))
    assert dumps(parsed.actions) == [{"type": "type", "text": typed}]


def test_scanning_goes_on_after_the_arguments_that_hold_marker_words():
    text = (
        '✿FUNCTION✿: type\n✿ARGS✿: {"text": "FUNCTION: back"}\n✿RESULT✿: typed\n'
        '✿FUNCTION✿: key\n✿ARGS✿: {"keys": "enter"}'
    )
    parsed = F.parse(text, frame_for("qwen2vl", (1000, 1000)))
    assert dumps(parsed.actions) == [
        {"type": "type", "text": "FUNCTION: back"},
        {"type": "key", "keys": ["enter"]},
    ]


def test_bare_markers_count_only_at_the_start_of_a_line():
    text = "I will type FUNCTION: nothing here.\nFUNCTION: back\nARGS: {}"
    parsed = F.parse(text, frame_for("qwen2vl", (1000, 1000)))
    assert [a.type for a in parsed.actions] == ["back"]
    assert parsed.thought == "I will type FUNCTION: nothing here."


def test_a_missing_brace_before_the_next_call_is_still_repaired():
    text = '✿FUNCTION✿: click\n✿ARGS✿: {"point": (10,10)\n✿FUNCTION✿: back\n✿ARGS✿: {}'
    parsed = F.parse(text, frame_for("qwen2vl", (1000, 1000)))
    assert [a.type for a in parsed.actions] == ["click", "back"]
