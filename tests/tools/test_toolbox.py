"""Custom tools: a typed arguments model, a handler, validation with readable errors, bounded results."""

from __future__ import annotations

import asyncio
import threading

import pytest
from pydantic import BaseModel, Field

from anyres_agent.tools import InvalidActionError, Tool, Toolbox, ToolCall, parse_action
from anyres_agent.tools.custom import MAX_RESULT_CHARS


class OrderQuery(BaseModel):
    order_id: str = Field(pattern=r"^[A-Z]-\d+$", description="the order number, e.g. A-1042")
    verbose: bool = False


def lookup(args: OrderQuery) -> str:
    return f"{args.order_id}: shipped" + (" (DHL)" if args.verbose else "")


TOOLS = Toolbox([Tool("lookup_order", "Look up an order's status.", OrderQuery, lookup)])


def test_a_call_is_validated_against_the_tools_model_and_stays_typed() -> None:
    call = TOOLS.call("lookup_order", {"order_id": "A-1042"})
    assert call == ToolCall(name="lookup_order", arguments={"order_id": "A-1042", "verbose": False})
    assert parse_action(call.model_dump_json()) == call  # the run state keeps it as an Action
    assert call.describe() == "lookup_order(order_id='A-1042', verbose=False)"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "invalid lookup_order call: order_id: Field required"),
        ({"order_id": "1042"}, "order_id: String should match pattern"),
        ({"order_id": "A-1", "colour": "red"}, "colour: Extra inputs are not permitted"),
        ("A-1", "the arguments of 'lookup_order' must be an object, got str"),
    ],
)
def test_a_bad_call_says_what_was_wrong(arguments: object, message: str) -> None:
    with pytest.raises(InvalidActionError) as caught:
        TOOLS.call("lookup_order", arguments)  # type: ignore[arg-type]
    assert message in str(caught.value)


def test_an_unknown_tool_names_the_registered_ones() -> None:
    with pytest.raises(InvalidActionError, match="unknown tool 'refund'; registered tools: lookup_order"):
        TOOLS.call("refund", {})


def test_a_sync_handler_runs_off_the_event_loop_thread_and_an_async_one_on_it() -> None:
    threads: dict[str, int] = {}

    def sync_handler(args: OrderQuery) -> str:
        threads["sync"] = threading.get_ident()
        return "ok"

    async def async_handler(args: OrderQuery) -> dict[str, str]:
        threads["async"] = threading.get_ident()
        return {"status": "shipped", "id": args.order_id}

    box = Toolbox(
        [Tool("sync_tool", "s", OrderQuery, sync_handler), Tool("async_tool", "a", OrderQuery, async_handler)]
    )

    async def main() -> tuple[str, str]:
        threads["loop"] = threading.get_ident()
        first = await box.run(box.call("sync_tool", {"order_id": "A-1"}))
        second = await box.run(box.call("async_tool", {"order_id": "A-2"}))
        return first, second

    assert asyncio.run(main()) == ("ok", '{"status": "shipped", "id": "A-2"}')
    assert threads["sync"] != threads["loop"] and threads["async"] == threads["loop"]


def test_run_validates_again_because_a_person_may_have_edited_the_call() -> None:
    edited = ToolCall(name="lookup_order", arguments={"order_id": "nonsense"})
    with pytest.raises(InvalidActionError, match="order_id"):
        asyncio.run(TOOLS.run(edited))


def test_a_long_result_is_cut_for_the_model() -> None:
    box = Toolbox([Tool("dump", "d", OrderQuery, lambda args: "x" * 10_000)])
    text = asyncio.run(box.run(box.call("dump", {"order_id": "A-1"})))
    assert len(text) == MAX_RESULT_CHARS and text.endswith("...")


def test_from_function_reads_name_docstring_and_typed_parameters() -> None:
    async def read_clipboard(max_chars: int = 200) -> str:
        """Read the text on the clipboard."""
        return "copied text"[:max_chars]

    tool = Tool.from_function(read_clipboard)
    schema = tool.function_schema()["function"]
    assert schema["name"] == "read_clipboard" and schema["description"] == "Read the text on the clipboard."
    assert schema["parameters"]["properties"]["max_chars"] == {"default": 200, "type": "integer"}
    box = Toolbox([tool])
    assert asyncio.run(box.run(box.call("read_clipboard", {"max_chars": 6}))) == "copied"
    with pytest.raises(InvalidActionError, match="max_chars: Input should be a valid integer"):
        box.call("read_clipboard", {"max_chars": "lots"})


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Lookup", "lower-case snake case"),
        ("click", "is a built-in action"),
        ("a b", "lower-case"),
        ("lookup\n", "lower-case"),
    ],
)
def test_tool_names_every_family_can_write(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Tool(name, "x", OrderQuery, lookup)


def test_tool_is_no_built_in_name() -> None:
    box = Toolbox([Tool("tool", "x", OrderQuery, lookup)])
    call = box.call("tool", {"order_id": "A-1"})
    assert parse_action(call.model_dump_json()) == call == ToolCall(name="tool", arguments=call.arguments)


def test_two_tools_with_one_name_are_refused() -> None:
    tool = Tool("lookup_order", "x", OrderQuery, lookup)
    with pytest.raises(ValueError, match="two tools are named 'lookup_order'"):
        Toolbox([tool, tool])
