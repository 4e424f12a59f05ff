"""Every action validates itself and says clearly what was wrong; schemas round-trip."""

from __future__ import annotations

import json
import math

import jsonschema
import pytest

import anyres_agent.tools as tools
from anyres_agent.tools import InvalidActionError, action_from_call, function_schemas, parse_action

VALID_EXAMPLES = {
    "click": {"x": 10, "y": 20, "button": "right", "count": 2},
    "move": {"x": 0, "y": 0},
    "drag": {"x": 1, "y": 2, "to_x": 300, "to_y": 400},
    "scroll": {"x": 5, "y": 6, "dy": 500},
    "type": {"text": "hello wörld 你好"},
    "key": {"keys": ["ctrl", "shift", "t"]},
    "long_press": {"x": 3, "y": 4, "duration": 1.5},
    "swipe": {"x": 500, "y": 1800, "to_x": 500, "to_y": 300, "duration": 0.4},
    "navigate": {"url": "http://127.0.0.1:8000/form.html"},
    "back": {},
    "home": {},
    "open_app": {"name": "Settings"},
    "wait": {"seconds": 2},
    "choose": {"option": "LEFT"},
    "call_user": {"message": "please solve the captcha"},
    "answer": {"text": "42 results"},
    "finish": {"success": False, "message": "the site is down"},
}

INVALID_EXAMPLES = [
    ("click", {"x": math.nan, "y": 1}, "x: a coordinate must be finite"),
    ("click", {"x": math.inf, "y": 1}, "finite"),
    ("click", {"x": -3, "y": 1}, ">= 0"),
    ("click", {"x": "12", "y": 1}, "must be a number"),
    ("click", {"x": True, "y": 1}, "must be a number"),
    ("click", {"x": 1}, "y: Field required"),
    ("click", {"x": 1, "y": 2, "count": 7}, "count"),
    ("click", {"x": 1, "y": 2, "button": "thumb"}, "button"),
    ("click", {"x": 1, "y": 2, "colour": "red"}, "colour: Extra inputs are not permitted"),
    ("drag", {"x": 1, "y": 2, "to_x": 1e9, "to_y": 1}, "<= 100000"),
    ("scroll", {}, "a scroll must move"),
    ("scroll", {"x": 4, "dy": 3}, "give both x and y"),
    ("type", {"text": ""}, "text: String should have at least 1 character"),
    ("key", {"keys": []}, "keys"),
    ("key", {"keys": ["hyper-space"]}, "unknown key 'hyper-space'"),
    ("key", {"keys": 5}, "list of key names"),
    ("wait", {"seconds": -1}, "seconds"),
    ("wait", {"seconds": math.nan}, "seconds"),
    ("long_press", {"x": 1, "y": 1, "duration": math.inf}, "duration"),
    ("navigate", {"url": ""}, "url"),
    ("open_app", {"name": ""}, "name"),
    ("choose", {"option": ""}, "option"),
    ("answer", {"text": ""}, "text"),
]


def test_every_action_has_a_valid_example() -> None:
    assert set(VALID_EXAMPLES) == set(tools.ACTIONS_BY_NAME)


@pytest.mark.parametrize(("name", "arguments"), VALID_EXAMPLES.items())
def test_valid_action_round_trips_through_its_function_schema(name: str, arguments: dict) -> None:
    action = action_from_call(name, arguments)
    schema = tools.function_schema(name)["function"]["parameters"]
    dumped = action.model_dump(exclude={"type"})
    jsonschema.validate(dumped, schema)  # what we emit fits what we advertise
    assert action_from_call(name, json.loads(json.dumps(dumped))) == action
    assert parse_action(action.model_dump_json()) == action


@pytest.mark.parametrize(("name", "arguments", "message"), INVALID_EXAMPLES)
def test_bad_values_are_rejected_with_a_readable_message(name: str, arguments: dict, message: str) -> None:
    with pytest.raises(InvalidActionError) as caught:
        action_from_call(name, arguments)
    text = str(caught.value)
    assert text.startswith(f"invalid {name} action: ")
    assert message in text
    assert "pydantic" not in text and "Traceback" not in text


def test_a_tool_call_is_an_action_but_no_built_in_one() -> None:
    """Runs and checkpoints hold a custom tool's call as an Action; "tool" is no built-in action name."""
    call = tools.ToolCall(name="lookup_order", arguments={"order_id": "A-1042"})
    assert parse_action(call.model_dump_json()) == call
    assert "tool" not in tools.ALL_ACTION_NAMES
    assert "tool" not in {entry["function"]["name"] for entry in function_schemas()}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "tool", "name": "Look Up", "arguments": {}}, "name: String should match pattern"),
        ({"type": "tool", "arguments": {}}, "name: Field required"),
    ],
)
def test_a_bad_tool_call_is_rejected_with_a_readable_message(data: dict, message: str) -> None:
    with pytest.raises(InvalidActionError) as caught:
        parse_action(data)
    text = str(caught.value)
    assert text.startswith("invalid tool action: ")
    assert message in text


def test_unknown_action_names_the_known_ones() -> None:
    with pytest.raises(InvalidActionError, match="unknown action 'fly'; known actions: click, move"):
        action_from_call("fly", {})


def test_float_coordinates_round_to_the_nearest_pixel() -> None:
    assert action_from_call("click", {"x": 10.4, "y": 10.6}) == tools.Click(x=10, y=11)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("ctrl+c", ["ctrl", "c"]),
        ("Control-Shift-T", ["ctrl", "shift", "t"]),
        ("Return", ["enter"]),
        ("cmd a", ["meta", "a"]),
        (["ArrowLeft"], ["left"]),
        ("esc", ["escape"]),
        ("F5", ["f5"]),
    ],
)
def test_key_names_are_normalised(written: str | list[str], canonical: list[str]) -> None:
    assert tools.Key(keys=written).keys == canonical


def test_schemas_are_plain_json_without_refs() -> None:
    text = json.dumps(function_schemas())
    assert "$ref" not in text and "$defs" not in text
    for entry in function_schemas():
        jsonschema.Draft202012Validator.check_schema(entry["function"]["parameters"])


def test_schema_rejects_what_the_model_rejects() -> None:
    schema = tools.function_schema("click")["function"]["parameters"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"x": -1, "y": 2}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"x": 1}, schema)


def test_navigate_adds_a_scheme() -> None:
    assert tools.Navigate(url="example.com").url == "https://example.com"


def test_actions_are_immutable() -> None:
    click = tools.Click(x=1, y=2)
    with pytest.raises(Exception, match="frozen"):
        click.x = 5  # type: ignore[misc]


def test_scroll_directions_and_the_swipe_that_makes_them() -> None:
    assert tools.scroll_vector(" Down ") == (0, 1) and tools.scroll_vector("left") == (-1, 0)
    with pytest.raises(ValueError, match="unknown scroll direction 'sideways': use up, down, left or right"):
        tools.scroll_vector("sideways")
    # to scroll down by 300, the finger moves up by 300; it never leaves a 1080x2400 screen
    assert tools.swipe_end_for_scroll(540, 1200, 0, 300, (1080, 2400)) == (540, 900)
    assert tools.swipe_end_for_scroll(540, 100, 0, -900, (1080, 2400)) == (540, 1000)
    assert tools.swipe_end_for_scroll(10, 10, 500, 0, (1080, 2400)) == (0, 10)
