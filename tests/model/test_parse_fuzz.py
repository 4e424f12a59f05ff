"""Fuzz every parser: whatever a model writes, the answer is actions or a ParseError, never a crash.

Inputs come from parse_fuzz_inputs (shared with tests/benchmarks/bench_parse_fuzz.py, which runs
20,000 per family and prints the slowest parse): free text, token soup built from each format's own
pieces, mutations of real and rendered answers, and the known adversarial shapes. Time is not asserted
here: the benchmark measures it, and test_parse_bounds bounds the super-linear cases in CPU time.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parse_fuzz_inputs import ADVERSARIAL, PIECES, SEEDS, mutate, random_answer

from anyres_agent.model.answer import ParsedAnswer, ParseError
from anyres_agent.model.families import FAMILY_NAMES, get_family

SCREEN = (1920, 1080)


@st.composite
def answers(draw: st.DrawFn) -> str:
    way = draw(st.integers(0, 4))
    if way == 0:
        return draw(st.text(max_size=200))
    if way == 1:
        return "".join(draw(st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=40)))
    if way == 2:
        return draw(st.sampled_from(ADVERSARIAL))
    return mutate(draw(st.sampled_from(SEEDS)), random.Random(draw(st.integers(0, 2**32))))


def check(name: str, text: str, clamp: bool, cursor: tuple[int, int] | None) -> None:
    family = get_family(name)
    frame = family.frame(screen=SCREEN, image=(3840, 2160))
    try:
        parsed = family.parse(text, frame, clamp=clamp, cursor=cursor)
        assert isinstance(parsed, ParsedAnswer) and parsed.actions
        for action in parsed.actions:  # every coordinate is on the screen
            for key in ("x", "to_x"):
                assert getattr(action, key, None) is None or 0 <= getattr(action, key) < SCREEN[0]
            for key in ("y", "to_y"):
                assert getattr(action, key, None) is None or 0 <= getattr(action, key) < SCREEN[1]
    except ParseError as error:
        assert "\n" not in str(error) and str(error)
    try:
        family.parse_grounding(text, frame, clamp=clamp)
    except ParseError as error:
        assert "\n" not in str(error)


@pytest.mark.parametrize("name", FAMILY_NAMES)
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=answers(), clamp=st.booleans(), cursor=st.sampled_from([None, (5, 7), (1919, 1079)]))
def test_any_answer_gives_actions_or_a_parse_error(
    name: str, text: str, clamp: bool, cursor: tuple[int, int] | None
) -> None:
    check(name, text, clamp, cursor)


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_the_benchmark_inputs_too(name: str) -> None:
    """A seeded slice of what bench_parse_fuzz.py runs (its 20,000 per family are too slow for CI)."""
    rng = random.Random(f"test-{name}")
    for _ in range(1000):
        check(name, random_answer(rng), rng.random() < 0.5, (5, 7) if rng.random() < 0.5 else None)


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
def test_a_megabyte_answer_is_read_and_the_cut_is_reported(name: str, kind: str) -> None:
    family = get_family(name)
    frame = family.frame(screen=(1920, 1080), image=(1920, 1080))
    if (kind, name) in {("many tool calls", "qwen25vl"), ("many tool calls", "qwen3vl")}:
        parsed = family.parse(HUGE[kind], frame)
        assert parsed.actions[0].type == "wait"  # capped at 16 calls
        assert parsed.cut_chars == len(HUGE[kind]) - 65_536 and "cut" in parsed.note
    else:
        with pytest.raises(ParseError) as error:
            family.parse(HUGE[kind], frame)
        assert error.value.cut_chars > 0 and "cut" in error.value.note


def test_a_megabyte_thought_still_finds_the_action_at_the_end() -> None:
    family = get_family("uitars15")
    frame = family.frame(screen=(1920, 1080), image=(1920, 1080))
    text = (
        "Thought: " + "so many words " * (MEGABYTE // 14) + "\nAction: click(point='<point>966 546</point>')"
    )
    action = family.parse(text, frame).actions[0]
    assert (action.x, action.y) == (960, 540)
