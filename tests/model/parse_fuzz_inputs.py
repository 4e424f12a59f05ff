# ruff: noqa: E501  (the format pieces read better packed)
"""Answers to throw at the parsers: free text, token soup made of each format's own pieces, mutations
(cuts, splices, repeats, deletions, flipped characters) of real and rendered answers, and the known
adversarial shapes (30,000-digit numbers, 1e309, runaway boxes cut at max_tokens, 100 KB answers).

Shared by tests/model/test_parse_fuzz.py (through hypothesis, which shrinks a failure) and
tests/benchmarks/bench_parse_fuzz.py (a seeded random.Random, 20,000 answers per family).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

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
    "mobile_use", '"swipe"', '"coordinate2"', '"keys": ["ctrl"', '"pixels": -5', '"pixels": 1e309', "```json",
    "```", "<|im_end|>", "finished(", "drag(", "'INPUT'", "'SWIPE'", "'value': 'up'", "\u2028", "\x00", "你好",
    "actions:\n", "CLICK <point>[[", "]]</point>", "SCROLL [", "'SCROLL UP'", "'STATUS TASK COMPLETE'",
    "press_appselect()", "left_click_drag", '"hscroll"', "end_box='", "1" * 3000, "2,3,4,5,6,7,8,",
]  # fmt: skip
ADVERSARIAL = [
    "Action: click(" + "1" * 30_000 + "x)",
    "Action: scroll(start_box='[2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23",
    '<tool_call>{"name": "computer_use", "arguments": {"action": "scroll", "pixels": 1e309}}',
    '<tool_call>{"name": "computer_use", "arguments": {"action": "hscroll", "pixels": -1e300}}',
    "{'action': 'CLICK', 'value': None, 'position': [0." + "5" * 30_000 + ", 0.5]}",
    "actions:\nCLICK <point>[[" + "9" * 30_000 + ", 5]]</point>",
    "Thought: " + "again " * 20_000 + "\nAction: wait()",
]
SCRIPT = [
    action_from_call("click", {"x": 10, "y": 20}),
    action_from_call("type", {"text": 'it\'s "quoted"\n'}),
    action_from_call("scroll", {"dy": 500}),
    action_from_call("key", {"keys": ["ctrl", "shift", "t"]}),
    action_from_call("finish", {"message": "done"}),
]


def rendered_samples() -> list[str]:
    """One scripted answer per family, made once: every family renders these actions."""
    samples = []
    for name in FAMILY_NAMES:
        family = get_family(name)
        frame = family.frame(screen=(1920, 1080), image=(1920, 1080))
        samples.append(family.render(SCRIPT, frame, thought="Plan: fill the form"))
    return samples


SEEDS = REAL + rendered_samples()


def mutate(base: str, rng: random.Random) -> str:
    """Up to four random edits of `base`: cuts, deleted or repeated spans, spliced pieces, flipped chars."""
    for _ in range(rng.randint(1, 4)):
        if not base:
            break
        i = rng.randrange(len(base))
        j = rng.randint(i, len(base))
        op = rng.randrange(5)
        if op == 0:
            base = base[:i]  # an answer cut at max_tokens
        elif op == 1:
            base = base[:i] + base[j:]
        elif op == 2:
            base = base[:j] + base[i:j] + base[j:]
        elif op == 3:
            base = base[:i] + rng.choice(PIECES) + base[i:]
        else:
            base = base[:i] + chr(rng.randrange(0x20, 0x3000)) + base[i + 1 :]
    return base


def random_answer(rng: random.Random) -> str:
    """One answer, drawn the way test_parse_fuzz's hypothesis strategy draws them."""
    way = rng.randrange(20)
    if way == 0:
        return rng.choice(ADVERSARIAL)
    if way < 6:
        return "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(200)))
    if way < 12:
        return "".join(rng.choice(PIECES) for _ in range(rng.randrange(40)))
    return mutate(rng.choice(SEEDS), rng)
