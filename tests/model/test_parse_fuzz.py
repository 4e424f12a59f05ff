"""Fuzz every parser: whatever a model writes, the answer is actions or a ParseError, never a crash.

Inputs are generated three ways: free text, token soup built from each format's own pieces, and
mutations (cuts, splices, duplicated and deleted spans, flipped characters) of real and rendered
answers. 6 families x 1,700 examples = 10,200 parses (and as many grounding parses). Timing targets
live in tests/benchmarks/bench_parse.py; here only a loose bound guards against a quadratic path.
"""

# ruff: noqa: E501  (verbatim prompt and answer text reads better unwrapped)

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anyres_agent.model.answer import ParsedAnswer, ParseError
from anyres_agent.model.families import FAMILY_NAMES, get_family
from anyres_agent.tools import action_from_call

REAL = [
    c["text"] for c in json.loads((Path(__file__).parent / "families/fixtures/real_outputs.json").read_text())
]
PIECES = [
    "<tool_call>", "</tool_call>", "<tool_call>\n", '{"name": "computer_use", "arguments": ', '"action": ',
    '"left_click"', '"coordinate": ', "[", "]", "{", "}", "(", ")", ",", ":", "'", '"', "\\", "\n", " ",
    "Thought: ", "Action: ", "Action：", "click(", "start_box='", "point='<point>", "</point>", "<|box_start|>",
    "<|box_end|>", "<|object_ref_start|>", "<|object_ref_end|>", "✿FUNCTION✿: ", "✿ARGS✿: ", "<think>", "</think>",
    "{'action': 'CLICK', 'value': None, 'position': ", "hotkey(key='", "type(content='", "scroll(direction='",
    "0.5", "1000", "-1", "1e309", "nan", "NaN", "Infinity", "99999999999999999999999", "None", "null", "true",
    "mobile_use", '"swipe"', '"coordinate2"', '"keys": ["ctrl"', '"pixels": -5', "```json", "```", "<|im_end|>",
    "finished(", "drag(", "'INPUT'", "'SWIPE'", "'value': 'up'", "\u2028", "\x00", "你好",
]  # fmt: skip


@st.composite
def answers(draw: st.DrawFn) -> str:
    way = draw(st.integers(0, 3))
    if way == 0:
        return draw(st.text(max_size=200))
    if way == 1:
        return "".join(draw(st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=40)))
    base = draw(st.sampled_from(REAL + rendered_samples()))
    for _ in range(draw(st.integers(1, 4))):
        if not base:
            break
        i = draw(st.integers(0, len(base) - 1))
        j = draw(st.integers(i, len(base)))
        op = draw(st.integers(0, 4))
        if op == 0:
            base = base[:i]  # truncated answer
        elif op == 1:
            base = base[:i] + base[j:]  # deleted span
        elif op == 2:
            base = base[:j] + base[i:j] + base[j:]  # duplicated span
        elif op == 3:
            base = base[:i] + draw(st.sampled_from(PIECES)) + base[i:]  # spliced piece
        else:
            base = base[:i] + draw(st.characters()) + base[i + 1 :]  # flipped character
    return base


_RENDERED: list[str] = []


def rendered_samples() -> list[str]:
    """One scripted answer per family (all action kinds), as mutation seeds."""
    if not _RENDERED:
        script = [
            action_from_call("click", {"x": 10, "y": 20}),
            action_from_call("type", {"text": 'it\'s "quoted"\n'}),
            action_from_call("drag", {"x": 1, "y": 2, "to_x": 300, "to_y": 200}),
            action_from_call("scroll", {"dy": 540}),
            action_from_call("key", {"keys": ["ctrl", "shift", "t"]}),
            action_from_call("finish", {"message": "done"}),
        ]
        for name in FAMILY_NAMES:
            family = get_family(name)
            frame = family.frame(screen=(1920, 1080), image=(1920, 1080))
            _RENDERED.append(family.render(script, frame, thought="Plan: fill the form"))
    return _RENDERED


@pytest.mark.parametrize("name", FAMILY_NAMES)
@settings(max_examples=1700, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=answers(), clamp=st.booleans())
def test_any_answer_gives_actions_or_a_parse_error(name: str, text: str, clamp: bool) -> None:
    family = get_family(name)
    frame = family.frame(screen=(1920, 1080), image=(3840, 2160))
    start = time.perf_counter()
    try:
        parsed = family.parse(text, frame, clamp=clamp)
        assert isinstance(parsed, ParsedAnswer) and parsed.actions
        for action in parsed.actions:  # every coordinate is on the screen
            for key in ("x", "to_x"):
                assert getattr(action, key, None) is None or 0 <= getattr(action, key) < 1920
            for key in ("y", "to_y"):
                assert getattr(action, key, None) is None or 0 <= getattr(action, key) < 1080
    except ParseError as error:
        assert "\n" not in str(error) and str(error)
    try:
        family.parse_grounding(text, frame, clamp=clamp)
    except ParseError as error:
        assert "\n" not in str(error)
    assert time.perf_counter() - start < 1.0  # loose (shared CI cores): a quadratic path takes far longer


MEGABYTE = 1_000_000
HUGE = {
    "repeated prose": "I will look at the page again. " * (MEGABYTE // 31),
    "open brackets": "{[(" * (MEGABYTE // 3),
    "escaped quotes": '"\\' * (MEGABYTE // 2),
    "words without calls": "clickclick" * (MEGABYTE // 10),
    "many think tags": "<think>" * (MEGABYTE // 7),
    "many tool calls": '<tool_call>{"name": "x", "arguments": {"action": "wait"}}</tool_call>'
    * (MEGABYTE // 70),
}


@pytest.mark.parametrize("name", FAMILY_NAMES)
@pytest.mark.parametrize("kind", sorted(HUGE))
def test_a_megabyte_answer_is_read_quickly(name: str, kind: str) -> None:
    family = get_family(name)
    frame = family.frame(screen=(1920, 1080), image=(1920, 1080))
    start = time.perf_counter()
    if (kind, name) in {("many tool calls", "qwen25vl"), ("many tool calls", "qwen3vl")}:
        assert family.parse(HUGE[kind], frame).actions[0].type == "wait"  # capped at 16 calls
    else:
        with pytest.raises(ParseError):
            family.parse(HUGE[kind], frame)
    assert time.perf_counter() - start < 0.5  # generous; the benchmark prints the real figures


def test_a_megabyte_thought_still_finds_the_action_at_the_end() -> None:
    family = get_family("uitars15")
    frame = family.frame(screen=(1920, 1080), image=(1920, 1080))
    text = (
        "Thought: " + "so many words " * (MEGABYTE // 14) + "\nAction: click(point='<point>966 546</point>')"
    )
    action = family.parse(text, frame).actions[0]
    assert (action.x, action.y) == (960, 540)
