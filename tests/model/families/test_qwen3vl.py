"""Qwen3-VL: Qwen2.5-VL's tool calls, but 0-1000 (declared 1000x1000) and resize factor 32."""

from __future__ import annotations

import pytest
from family_helpers import check_real_output, dumps, frame_for, real_outputs
from PIL import Image

from anyres_agent.model.answer import ParseError
from anyres_agent.model.families import get_family

F = get_family("qwen3vl")


@pytest.mark.parametrize("case", real_outputs("qwen3vl"), ids=lambda c: c["source"][:40])
def test_real_outputs(case):
    check_real_output(case)


def test_the_same_numbers_mean_different_points_for_qwen25_and_qwen3():
    text = (
        '<tool_call>\n{"name": "computer_use", '
        '"arguments": {"action": "left_click", "coordinate": [500, 500]}}\n</tool_call>'
    )
    q3 = F.parse(text, frame_for("qwen3vl", (3840, 2160))).actions[0]
    q25 = get_family("qwen25vl").parse(text, frame_for("qwen25vl", (3840, 2160))).actions[0]
    assert (q3.x, q3.y) == (1920, 1080)
    assert (q25.x, q25.y) == (501, 501)


def test_factor_32_and_checkpoint_budget():
    frame = frame_for("qwen3vl", (1920, 1080))
    assert (frame.resized_width, frame.resized_height, frame.factor) == (1920, 1088, 32)
    assert frame.image_tokens == (1920 // 32) * (1088 // 32)


def test_thinking_then_tool_call_and_triple_click():
    text = (
        "<think>The field holds old text; select it all.</think>\n<tool_call>\n"
        '{"name": "computer_use", "arguments": {"action": "triple_click", "coordinate": [100, 100]}}'
        "\n</tool_call>"
    )
    parsed = F.parse(text, frame_for("qwen3vl", (1000, 1000)))
    assert parsed.thought == "The field holds old text; select it all."
    assert dumps(parsed.actions) == [{"type": "click", "x": 100, "y": 100, "button": "left", "count": 3}]


def test_out_of_range_is_an_error():
    text = (
        '<tool_call>{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [1500, 10]}}'
    )
    with pytest.raises(ParseError, match="0-1000"):
        F.parse(text, frame_for("qwen3vl", (1920, 1080)))


def test_the_prompt_declares_1000x1000():
    frame = frame_for("qwen3vl", (3840, 2160))
    system = F.build_messages(
        task="t", actions=frozenset({"click"}), frame=frame, screenshot=Image.new("RGB", (8, 8))
    )
    assert "The screen's resolution is 1000x1000." in system[0].plain_text()
