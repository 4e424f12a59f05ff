"""The literal reader: plain JSON takes the C decoder's fast path and reads exactly as the tolerant
reader would; anything else, or anything past the bounds, goes to the tolerant reader."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anyres_agent.model.families.textparse import MAX_DEPTH, LiteralError, parse_literal, tolerant_literal

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(value=JSON_VALUES, prefix=st.sampled_from(["", "Action: ", "<tool_call>\n"]), ascii_only=st.booleans())
def test_json_reads_the_same_on_both_paths(value: Any, prefix: str, ascii_only: bool) -> None:
    text = prefix + json.dumps(value, ensure_ascii=ascii_only) + "\n</tool_call> and some prose"
    assert parse_literal(text, len(prefix)) == tolerant_literal(text, len(prefix))


def test_almost_json_still_gets_repaired() -> None:
    text = "{'action': 'CLICK', 'position': (0.5, 0.25), 'value': None,} done"
    assert parse_literal(text) == ({"action": "CLICK", "position": [0.5, 0.25], "value": None}, len(text) - 5)
    assert parse_literal('{"x": 1, "y": 2')[0] == {"x": 1, "y": 2}  # the missing brace


def test_the_bounds_hold_for_well_formed_json_too() -> None:
    deep = "[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2)
    with pytest.raises(LiteralError, match="nested too deeply"):
        parse_literal(deep)
    with pytest.raises(LiteralError, match="too long"):
        parse_literal(json.dumps(list(range(5000))))
    assert parse_literal("[NaN]")[0] == tolerant_literal("[NaN]")[0]  # not JSON's float('nan') path
    assert parse_literal("123456789012345678901234567890")[0] == float("123456789012345678901234567890")


def test_escaped_surrogate_pairs_make_one_character() -> None:
    assert tolerant_literal('"\\ud83d\\ude00 and \\ud800"')[0] == "\U0001f600 and \ufffd"
