"""Parsing is bounded: in time (no regex goes quadratic), in size (a runaway answer is cut, and the cut
is reported) and in its failures (only ParseError ever leaves a parser).

Time is measured as this thread's CPU time (time.thread_time), not wall time: other processes on a
loaded machine cannot inflate it, so the generous bounds below fail only on a super-linear path.
"""

from __future__ import annotations

import contextlib
import time

import pytest

from anyres_agent.model.answer import ParseError
from anyres_agent.model.families import FAMILY_NAMES, get_family
from anyres_agent.model.families.textparse import MAX_ANSWER_CHARS, cap_answer

DIGITS = "1" * 30_000


def _cpu_seconds(family_name: str, text: str) -> float:
    family = get_family(family_name)
    frame = family.frame(screen=(1920, 1080), image=(1920, 1080))
    start = time.thread_time()
    with contextlib.suppress(ParseError):
        family.parse(text, frame)
    return time.thread_time() - start


def test_a_30000_digit_bare_argument_is_read_in_linear_time() -> None:
    """The old number pattern `\\d+\\.?\\d*` let a failed full match try every split of a digit run:
    this answer took over 20 s of CPU (reproduced before the fix: 8,000 digits took 1.2 s)."""
    seconds = _cpu_seconds("uitars", f"Action: click({DIGITS}x)")
    assert seconds < 1.0, f"{seconds:.2f} s of CPU for one answer"


@pytest.mark.parametrize("name", FAMILY_NAMES)
@pytest.mark.parametrize(
    "text",
    [
        f"Action: click({DIGITS}x)",
        f"Action: click(start_box='({DIGITS},5)')",
        '<tool_call>{"name": "computer_use", "arguments": {"action": "wait", "time": ' + DIGITS + "}}",
        "{'action': 'CLICK', 'value': None, 'position': [0." + DIGITS + ", 0.5]}",
        '✿FUNCTION✿: click\n✿ARGS✿: {"point": (' + DIGITS + "x,5)}",
    ],
)
def test_long_numbers_stay_cheap_in_every_family(name: str, text: str) -> None:
    assert _cpu_seconds(name, text) < 1.0


@pytest.mark.parametrize("name", ["qwen25vl", "qwen3vl"])
@pytest.mark.parametrize("pixels", ["1e309", "-1e309", "1e300", "NaN", "Infinity"])
def test_an_absurd_scroll_amount_is_a_parse_error(name: str, pixels: str) -> None:
    """`"pixels": 1e309` used to raise OverflowError (round(inf)) out of the parser."""
    family = get_family(name)
    frame = family.frame(screen=(1920, 1080), image=(1920, 1080))
    text = '<tool_call>{"name": "computer_use", "arguments": {"action": "scroll", "pixels": ' + pixels + "}}"
    with pytest.raises(ParseError, match="pixels"):
        family.parse(text, frame)


def test_a_runaway_answer_is_cut_and_the_cut_is_reported() -> None:
    family = get_family("uitars15")
    frame = family.frame(screen=(1920, 1080), image=(1920, 1080))
    text = "Thought: " + "again and again " * 10_000 + "\nAction: click(point='<point>966 546</point>')"
    parsed = family.parse(text, frame)
    assert (parsed.actions[0].x, parsed.actions[0].y) == (960, 540)  # the action trails, and is kept
    assert parsed.cut_chars == len(text) - MAX_ANSWER_CHARS
    assert "cut" in parsed.note and str(parsed.cut_chars) in parsed.note.replace(",", "")
    short = family.parse("Action: click(point='<point>966 546</point>')", frame)
    assert short.cut_chars == 0 and short.note == ""


def test_cap_answer_keeps_head_and_tail_within_the_cap() -> None:
    text = "h" * MAX_ANSWER_CHARS + "m" * 5 + "t" * MAX_ANSWER_CHARS
    capped, cut = cap_answer(text)
    assert cut == len(text) - MAX_ANSWER_CHARS
    assert len(capped) <= MAX_ANSWER_CHARS + 1  # head + newline + tail
    assert capped.startswith("h") and capped.endswith("t") and "m" not in capped
    assert cap_answer("short") == ("short", 0)
