"""Qwen2.5-VL: tool calls in resized-image pixels, both click styles, mobile_use, the 3x trap."""

from __future__ import annotations

import pytest
from family_helpers import check_real_output, dumps, frame_for, real_outputs
from PIL import Image

from anyres_agent.model.answer import ParseError
from anyres_agent.model.families import get_family

F = get_family("qwen25vl")


def call(arguments: str, name: str = "computer_use") -> str:
    return f'<tool_call>\n{{"name": "{name}", "arguments": {arguments}}}\n</tool_call>'


@pytest.mark.parametrize("case", real_outputs("qwen25vl"), ids=lambda c: c["source"][:40])
def test_real_outputs(case):
    check_real_output(case)


def test_a_4k_screen_at_1280_tokens_is_seen_at_1316x728_and_clicks_land_3x_further():
    frame = frame_for("qwen25vl", (3840, 2160), max_pixels=1_003_520)
    assert (frame.resized_width, frame.resized_height) == (1316, 728)
    click = F.parse(call('{"action": "left_click", "coordinate": [658, 364]}'), frame).actions[0]
    assert (click.x, click.y) == (1920, 1080)  # the centre, not (658, 364)


def test_the_official_two_call_click_folds_the_move_into_the_click():
    frame = frame_for("qwen25vl", (1288, 728))
    text = call('{"action": "mouse_move", "coordinate": [100, 200]}') + call('{"action": "double_click"}')
    assert dumps(F.parse(text, frame).actions) == [
        {"type": "click", "x": 100, "y": 200, "button": "left", "count": 2}
    ]


def test_a_click_without_coordinate_or_move_is_an_error_that_says_how_to_fix_it():
    with pytest.raises(ParseError, match="mouse_move"):
        F.parse(call('{"action": "left_click"}'), frame_for("qwen25vl", (1288, 728)))


def test_mobile_use_maps_every_action():
    frame = frame_for("qwen25vl", (1092, 2408))
    text = "".join(
        call(args, "mobile_use")
        for args in [
            '{"action": "long_press", "coordinate": [10, 20], "time": 2}',
            '{"action": "swipe", "coordinate": [500, 1800], "coordinate2": [500, 300]}',
            '{"action": "type", "text": "hi"}',
            '{"action": "key", "text": "volume_up"}',
            '{"action": "system_button", "button": "Back"}',
            '{"action": "system_button", "button": "Home"}',
            '{"action": "system_button", "button": "Enter"}',
            '{"action": "open", "text": "File Manager"}',
            '{"action": "wait", "time": 3}',
            '{"action": "terminate", "status": "failure"}',
        ]
    )
    assert [a.type for a in F.parse(text, frame).actions] == [
        "long_press", "swipe", "type", "key", "back", "home", "key", "open_app", "wait", "finish",
    ]  # fmt: skip
    finish = F.parse(text, frame).actions[-1]
    assert finish.success is False


def test_scroll_pixels_count_wheel_clicks_positive_up():
    """The official executors pass `pixels` to pyautogui.scroll: wheel clicks, positive up."""
    frame = frame_for("qwen25vl", (1288, 728))
    scroll = F.parse(call('{"action": "scroll", "pixels": 3, "coordinate": [10, 20]}'), frame).actions[0]
    assert (scroll.dy, scroll.x, scroll.y) == (-300, 10, 20)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '<tool_call>\n{"name": "computer_use", "arguments": {"action": "type", "text": "a"}}',
            "type",
        ),  # no close
        (
            "<tool_call>{'name': 'computer_use', 'arguments': {'action': 'key', 'keys': ('ctrl', 'c'),}}",
            "key",
        ),
        ('```json\n{"name": "computer_use", "arguments": {"action": "wait", "time": 2}}\n```', "wait"),
        (
            '<tool_call>{"name": "computer_use", '
            '"arguments": "{\\"action\\": \\"answer\\", \\"text\\": \\"42\\"}"}',
            "answer",
        ),
        (call('{"action": "terminate", "status": "success"}') + "<|im_end|>", "finish"),
        ("I should finish." + call('{"action": "terminate", "status": "success"'), "finish"),
    ],
)
def test_malformed_but_readable_answers_are_repaired(text, expected):
    assert F.parse(text, frame_for("qwen25vl", (1288, 728))).actions[0].type == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no action found"),
        ("I cannot see the button.", "no action found"),
        (call('{"action": "left_click", "coordinate": [5000, 20]}'), "off the screenshot"),
        (call('{"action": "left_click", "coordinate": [-3, 20]}'), "off the screenshot"),
        (call('{"action": "fly"}'), "unknown action 'fly'"),
        (call('{"action": "key", "keys": ["hyperkey"]}'), "unknown key 'hyperkey'"),
        (call('{"action": "type"}'), "text"),
        ('<tool_call>{"name": "computer_use", "arguments": {"coordinate": [1, 2]}}</tool_call>', '"action"'),
    ],
)
def test_hallucinations_raise_a_one_line_error_for_the_model(text, message):
    with pytest.raises(ParseError, match=message) as error:
        F.parse(text, frame_for("qwen25vl", (1288, 728)))
    assert "\n" not in str(error.value)


def test_clamp_is_explicit():
    frame = frame_for("qwen25vl", (1288, 728))
    click = F.parse(call('{"action": "left_click", "coordinate": [5000, -20]}'), frame, clamp=True).actions[0]
    assert (click.x, click.y) == (1287, 0)


def test_the_prompt_declares_the_resized_size_and_picks_the_tool_by_device():
    frame = frame_for("qwen25vl", (3840, 2160), max_pixels=1_003_520)
    system = F.build_messages(
        task="t", actions=frozenset({"click", "type"}), frame=frame, screenshot=Image.new("RGB", (1316, 728))
    )[0].plain_text()
    assert "The screen's resolution is 1316x728." in system and '"name": "computer_use"' in system
    phone = F.system_prompt(frozenset({"click", "swipe", "type"}), frame_for("qwen25vl", (1080, 2400)))
    assert '"name": "mobile_use"' in phone and "The screen's resolution is 1092x2408." in phone
