"""Custom tools in a run: offered to the model, parsed, guarded and run by their handlers, not the device."""

from __future__ import annotations

from pathlib import Path

import pytest
from agent_fakes import FakeScreen, family, prompt_text, scripted
from pydantic import BaseModel

from anyres_agent.agent.api import Agent
from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.guards import ConfirmationRequest, Decision
from anyres_agent.agent.trajectory import read_trajectory
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.tools import Answer, Finish, Tool, ToolCall


class OrderQuery(BaseModel):
    order_id: str


ORDERS = {"A-1042": "shipped on 3 May"}


@pytest.mark.parametrize("name", ["qwen25vl", "uitars15", "qwen2vl", "showui"])
def test_the_model_calls_a_tool_and_reads_its_result_next_step(name: str, tmp_path: Path) -> None:
    fam = family(name)
    calls: list[str] = []

    async def lookup_order(args: OrderQuery) -> str:
        calls.append(args.order_id)
        return ORDERS.get(args.order_id, "no such order")

    tool = Tool("lookup_order", "Look up an order's delivery status by its id.", OrderQuery, lookup_order)
    env = FakeScreen({"ok": (40, 40, 160, 80)})
    steps = [
        ([ToolCall(name="lookup_order", arguments={"order_id": "A-1042"})], "Check the order first."),
        ([Answer(text="shipped on 3 May")], "The tool said so."),
    ]
    backend = ScriptedBackend(scripted(fam, steps))
    agent = Agent(env, backend, fam, AgentConfig(record_dir=tmp_path / "run"), tools=[tool])
    result = agent.run_sync("When did order A-1042 ship?")
    assert (result.status, result.answer) == ("success", "shipped on 3 May")
    assert calls == ["A-1042"] and env.executed == []  # the handler ran; the device saw nothing
    assert "Look up an order's delivery status by its id." in prompt_text(backend.calls[0])
    assert "lookup_order(order_id='A-1042'): returned shipped on 3 May" in prompt_text(backend.calls[1])
    planned = read_trajectory(tmp_path / "run").steps[0].actions[0]
    assert planned.action == ToolCall(name="lookup_order", arguments={"order_id": "A-1042"})
    assert (planned.executed, planned.ok) == (True, True)


def test_a_tool_marked_confirm_asks_first_and_a_rejection_never_runs_it() -> None:
    ran: list[str] = []
    tool = Tool(
        "refund_order", "Refund an order.", OrderQuery, lambda args: ran.append(args.order_id),
        confirm="refunds move money",
    )  # fmt: skip
    asked: list[ConfirmationRequest] = []

    def confirm(request: ConfirmationRequest) -> Decision:
        asked.append(request)
        return Decision.reject("not without the manager")

    fam = family("qwen25vl")
    steps = [([ToolCall(name="refund_order", arguments={"order_id": "A-1"})], "refund"), ([Finish()], "ok")]
    backend = ScriptedBackend(scripted(fam, steps))
    Agent(FakeScreen({}), backend, fam, confirm=confirm, tools=[tool]).run_sync("refund A-1")
    assert ran == [] and [r.reason for r in asked] == ["refunds move money"]
    assert isinstance(asked[0].action, ToolCall)
    assert "not without the manager" in prompt_text(backend.calls[1])


def test_a_failing_handler_is_reported_to_the_model_and_the_run_goes_on() -> None:
    def broken(args: OrderQuery) -> str:
        raise ConnectionError("the order service is down")

    fam = family("uitars15")
    steps = [
        ([ToolCall(name="lookup_order", arguments={"order_id": "A-1"})], "look"),
        ([Finish()], "give up"),
    ]
    backend = ScriptedBackend(scripted(fam, steps))
    tool = Tool("lookup_order", "Look up an order.", OrderQuery, broken)
    assert Agent(FakeScreen({}), backend, fam, tools=[tool]).run_sync("x").status == "success"
    assert "failed: ConnectionError: the order service is down" in prompt_text(backend.calls[1])


def test_a_bad_call_is_fed_back_as_a_parse_error() -> None:
    fam = family("qwen25vl")
    bad = '<tool_call>\n{"name": "lookup_order", "arguments": {"id": "A-1"}}\n</tool_call>'
    backend = ScriptedBackend(scripted(fam, [bad, ([Finish()], "done")]))
    tool = Tool("lookup_order", "Look up an order.", OrderQuery, lambda a: "x")
    assert Agent(FakeScreen({}), backend, fam, tools=[tool]).run_sync("x").status == "success"
    assert "invalid lookup_order call: id: Extra inputs are not permitted" in prompt_text(backend.calls[1])


def test_a_tool_named_like_the_familys_own_action_is_refused_before_the_run() -> None:
    tool = Tool("hotkey", "Press a hotkey.", OrderQuery, lambda a: "x")
    with pytest.raises(ValueError, match="collide with uitars15's own actions"):
        Agent(FakeScreen({}), ScriptedBackend(["x"]), "uitars15", tools=[tool])
