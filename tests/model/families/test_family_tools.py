"""Custom tools in every family: offered in the family's own format, parsed back into `ToolCall`s.

Without tools every prompt stays the official one (the family tests pin those texts); with tools the
tool appears in the same form as the family's own actions, and what the model answers is validated
against the tool's arguments model, a bad call becoming a parse error fed back to the model.
"""

from __future__ import annotations

import pytest
from family_helpers import frame_for
from PIL import Image
from pydantic import BaseModel, Field

from anyres_agent.model.answer import ParseError
from anyres_agent.model.families import FAMILY_NAMES, get_family
from anyres_agent.tools import Click, Tool, Toolbox, ToolCall


class SqlQuery(BaseModel):
    query: str = Field(description="one read-only SELECT statement")
    limit: int = Field(10, ge=1, le=100)


TOOLS = Toolbox(
    [Tool("run_sql", "Run a read-only SQL query on the shop database.", SqlQuery, lambda a: "[]")]
)
ACTIONS = frozenset({"click", "type", "finish"})

# What the model writes to call the tool, in each family's format (the format of its own actions).
NOUS_CALL = '<tool_call>\n{"name": "run_sql", "arguments": {"query": "SELECT 1", "limit": 5}}\n</tool_call>'
ANSWERS = {
    "qwen25vl": NOUS_CALL,
    "qwen3vl": NOUS_CALL,
    "qwen2vl": '✿FUNCTION✿: run_sql\n✿ARGS✿: {"query": "SELECT 1", "limit": 5}',
    "uitars": "Thought: count them.\nAction: run_sql(query='SELECT 1', limit=5)",
    "uitars15": "Thought: count them.\nAction: run_sql(query='SELECT 1', limit=5)",
    "showui": "{'action': 'RUN_SQL', 'value': {'query': 'SELECT 1', 'limit': 5}, 'position': None}",
    "osatlas": 'thoughts:\ncount them.\nactions:\nRUN_SQL [{"query": "SELECT 1", "limit": 5}]',
}
EXPECTED = ToolCall(name="run_sql", arguments={"query": "SELECT 1", "limit": 5})


def _prompt(family: str, tools: Toolbox) -> str:
    frame = frame_for(family, (1280, 720))
    messages = get_family(family).build_messages(
        task="How many orders?",
        actions=ACTIONS,
        frame=frame,
        screenshot=Image.new("RGB", (8, 8)),
        tools=tools,
    )
    return "\n".join(m.plain_text() for m in messages)


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_the_tool_is_offered_in_the_prompt_and_nothing_else_changes(family: str) -> None:
    plain, with_tool = _prompt(family, Toolbox()), _prompt(family, TOOLS)
    assert "run_sql" not in plain
    assert "run_sql" in with_tool.lower() and "Run a read-only SQL query on the shop database." in with_tool
    # the family's own actions are all still there, in the same words
    for line in plain.splitlines():
        assert line in with_tool or "one of [" in line  # qwen2vl's name list grows by the tool


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_a_tool_call_in_the_familys_format_parses_to_a_typed_call(family: str) -> None:
    parsed = get_family(family).parse(ANSWERS[family], frame_for(family, (1280, 720)), tools=TOOLS)
    assert parsed.actions == [EXPECTED]


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_render_and_parse_round_trip_a_tool_call_beside_a_click(family: str) -> None:
    frame = frame_for(family, (1280, 720))
    implementation = get_family(family)
    text = implementation.render([Click(x=640, y=360), EXPECTED], frame)
    assert implementation.parse(text, frame, tools=TOOLS).actions == [Click(x=640, y=360), EXPECTED]


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_bad_arguments_are_a_parse_error_the_model_can_act_on(family: str) -> None:
    bad = ANSWERS[family].replace("5", "500")  # limit <= 100
    with pytest.raises(
        ParseError, match="invalid run_sql call: limit: Input should be less than or equal to 100"
    ):
        get_family(family).parse(bad, frame_for(family, (1280, 720)), tools=TOOLS)


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_without_the_tool_registered_its_call_is_not_an_action(family: str) -> None:
    with pytest.raises(ParseError):
        get_family(family).parse(ANSWERS[family], frame_for(family, (1280, 720)))


def test_positional_arguments_fill_the_fields_in_order() -> None:
    parsed = get_family("uitars15").parse(
        "Action: run_sql('SELECT 2')", frame_for("uitars15", (1280, 720)), tools=TOOLS
    )
    assert parsed.actions == [ToolCall(name="run_sql", arguments={"query": "SELECT 2", "limit": 10})]


@pytest.mark.parametrize(
    ("family", "word"),
    [("uitars15", "hotkey"), ("qwen2vl", "tap"), ("showui", "input"), ("osatlas", "press_recent")],
)
def test_a_tool_named_like_a_familys_own_action_is_refused(family: str, word: str) -> None:
    clash = Toolbox([Tool(word, "x", SqlQuery, lambda a: "")])
    with pytest.raises(ValueError, match=f"tool name\\(s\\) {word} collide with {family}'s own actions"):
        get_family(family).check_tools(clash)
