"""The prebuilt graph as LangGraph's server runs it (`langgraph dev`, LangGraph Platform): no blocking
I/O on the event loop, devices keyed by an id in the state and closed when a run ends, per-run
settings from the graph's config, interrupts in LangChain's human-in-the-loop format with the screen
as data; and the GUI agent as a tool of a chat agent. Real LangGraph on an in-memory screen."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest
from agent_fakes import FakeScreen, family, prompt_text, scripted
from blockbuster import blockbuster_ctx
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, create_react_agent, tools_condition
from langgraph.types import Command
from PIL import Image

from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.graph import GuiSession, SessionRegistry, build_gui_graph, gui_tool
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.tools import Click, Finish

BUTTONS = {"ok": (20, 20, 140, 70), "pay": (200, 20, 320, 70)}
FAM = family("qwen25vl")


def _press(name: str, thought: str) -> Any:
    x1, y1, x2, y2 = BUTTONS[name]
    return lambda request: ([Click(x=(x1 + x2) // 2, y=(y1 + y2) // 2)], thought)


FINISH = lambda request: ([Finish(success=True, message="paid")], "Done.")  # noqa: E731


class Devices:
    """A session factory that records which device ids it opened, and the screens it made."""

    def __init__(self, steps: list[Any], **config: Any) -> None:
        self.steps, self.config = steps, config
        self.opened: list[str] = []
        self.screens: list[FakeScreen] = []
        self.backends: list[ScriptedBackend] = []

    def __call__(self, device_id: str) -> GuiSession:
        self.opened.append(device_id)
        screen = FakeScreen(dict(BUTTONS))
        backend = ScriptedBackend(scripted(FAM, self.steps))
        self.screens.append(screen)
        self.backends.append(backend)
        return GuiSession(
            env=screen, backend=backend, family=FAM, config=AgentConfig(**self.config), secrets={}
        )


def test_a_recorded_run_with_an_interrupt_does_no_blocking_io_on_the_event_loop(
    arun: Any, tmp_path: Path
) -> None:
    """What `langgraph dev` enforces (it failed here on a blocking os.mkdir of the recorder)."""
    devices = Devices([_press("pay", "Pay for the order."), FINISH], record_dir=tmp_path / "runs")
    graph = build_gui_graph(SessionRegistry(devices), checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t1"}}

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        with blockbuster_ctx():  # every blocking call in the process raises while it is active
            asked = await graph.ainvoke({"task": "Pay."}, config)
            final = await graph.ainvoke(Command(resume={"decisions": [{"type": "approve"}]}), config)
        return asked, final

    asked, final = arun(scenario())
    assert "__interrupt__" in asked and final["gui_result"]["status"] == "success"
    assert devices.screens[0].pressed == ["pay"]
    record = Path(final["gui_result"]["record_dir"])
    assert (record / "run.json").is_file() and (record / "report.html").is_file()
    assert {"0001.json", "0001.png", "0002.json", "0002.png"} <= {
        p.name for p in (record / "steps").iterdir()
    }


def test_the_interrupt_follows_langchains_hitl_format_with_the_screen_as_data(arun: Any) -> None:
    devices = Devices([_press("pay", "Pay for the order."), FINISH])
    graph = build_gui_graph(SessionRegistry(devices), checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t2"}}
    asked = arun(graph.ainvoke({"task": "Pay."}, config))
    payload = asked["__interrupt__"][0].value
    json.dumps(payload)  # plain JSON, as a server sends it
    # LangChain's HITLRequest (HumanInTheLoopMiddleware), what Agent Inbox / Agent Chat UI render
    assert payload["action_requests"] == [
        {"name": "click", "args": {"x": 260, "y": 45, "button": "left", "count": 1},
         "description": "thought mentions 'pay': click(x=260, y=45, button='left', count=1)"}
    ]  # fmt: skip
    (review,) = payload["review_configs"]
    assert review["action_name"] == "click" and review["allowed_decisions"] == ["approve", "edit", "reject"]
    assert set(review["args_schema"]["required"]) == {"x", "y"}
    prefix = "data:image/jpeg;base64,"
    assert payload["screenshot"].startswith(prefix)
    assert Image.open(io.BytesIO(base64.b64decode(payload["screenshot"][len(prefix) :]))).size == (640, 400)
    # an edit in the same format: the person's click runs instead, and the model is told
    edit = {"type": "edit", "edited_action": {"name": "click", "args": {"x": 80, "y": 45}}}
    final = arun(graph.ainvoke(Command(resume={"decisions": [edit]}), config))
    assert devices.screens[0].pressed == ["ok"] and final["gui_result"]["status"] == "success"
    assert "The user replaced click(x=260" in prompt_text(devices.backends[0].calls[1])


def test_a_hitl_reject_message_reaches_the_model(arun: Any) -> None:
    devices = Devices([_press("pay", "Pay for the order."), FINISH])
    graph = build_gui_graph(SessionRegistry(devices), checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t3"}}
    arun(graph.ainvoke({"task": "Pay."}, config))
    reject = {"decisions": [{"type": "reject", "message": "the card is blocked"}]}
    arun(graph.ainvoke(Command(resume=reject), config))
    assert devices.screens[0].pressed == [] and "the card is blocked" in prompt_text(
        devices.backends[0].calls[1]
    )


def test_the_device_is_keyed_by_an_id_in_the_state_and_closed_when_the_run_ends(arun: Any) -> None:
    devices = Devices([_press("ok", "Press ok."), FINISH])
    registry = SessionRegistry(devices)
    graph = build_gui_graph(registry, checkpointer=InMemorySaver())
    final = arun(
        graph.ainvoke({"task": "Press ok.", "device_id": "kiosk-7"}, {"configurable": {"thread_id": "t4"}})
    )
    assert final["device_id"] == "kiosk-7" and devices.opened == ["kiosk-7"]
    assert devices.screens[0].closed and len(registry) == 0
    # without an id in the input, the thread's id is the device's
    devices.steps = [_press("ok", "Press ok."), FINISH]
    final = arun(graph.ainvoke({"task": "Press ok."}, {"configurable": {"thread_id": "t5"}}))
    assert final["device_id"] == "t5" and devices.opened == ["kiosk-7", "t5"]


def test_per_run_settings_come_from_the_graphs_config(arun: Any, tmp_path: Path) -> None:
    devices = Devices([_press("pay", "Pay for the order."), FINISH], record_dir=tmp_path / "runs")
    graph = build_gui_graph(SessionRegistry(devices), checkpointer=InMemorySaver())
    # confirm="approve" for this run: no interrupt; record_dir is the server's and is not taken
    config = {"configurable": {"thread_id": "t6", "confirm": "approve", "record_dir": "/etc/evil"}}
    final = arun(graph.ainvoke({"task": "Pay."}, config))
    assert "__interrupt__" not in final and final["settings"] == {"confirm": "approve"}
    assert final["gui_result"]["record_dir"].startswith(str(tmp_path / "runs"))
    devices.steps = [_press("ok", "Press ok.")] * 3
    final = arun(graph.ainvoke({"task": "Press."}, {"configurable": {"thread_id": "t7", "max_steps": 1}}))
    assert final["gui_result"]["reason"] == "step budget reached (1 of 1 steps)"
    with pytest.raises(
        ValueError, match="invalid run settings in the graph's config: max_steps: Input should be"
    ):
        arun(graph.ainvoke({"task": "Press."}, {"configurable": {"thread_id": "t8", "max_steps": 0}}))


class ToolCallingModel(GenericFakeChatModel):
    """A chat model that says what it was scripted to say; tools are bound by name only."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        return self


def _chat(task: str) -> ToolCallingModel:
    call = {"name": "use_screen", "args": {"task": task}, "id": "call-1", "type": "tool_call"}
    return ToolCallingModel(
        messages=iter([AIMessage(content="", tool_calls=[call]), AIMessage(content="Paid.")])
    )


def test_the_gui_agent_is_a_tool_of_create_react_agent_and_its_interrupt_reaches_the_chat_graph(
    arun: Any,
) -> None:
    devices = Devices([_press("pay", "Pay for the order."), FINISH])
    agent = create_react_agent(
        _chat("pay for the order"), [gui_tool(SessionRegistry(devices))], checkpointer=InMemorySaver()
    )
    config = {"configurable": {"thread_id": "chat-1"}}
    asked = arun(agent.ainvoke({"messages": [("user", "Please pay my order.")]}, config))
    assert asked["__interrupt__"][0].value["action_requests"][0]["name"] == "click"
    final = arun(agent.ainvoke(Command(resume={"decisions": [{"type": "approve"}]}), config))
    tool_reply = next(m for m in final["messages"] if isinstance(m, ToolMessage))
    assert json.loads(tool_reply.content)["status"] == "success" and devices.screens[0].pressed == ["pay"]
    assert final["messages"][-1].content == "Paid."
    assert devices.opened == ["chat-1"] and devices.screens[0].closed  # one device, closed after the task


def test_the_gui_tool_in_a_hand_built_toolnode_graph(arun: Any) -> None:
    devices = Devices([_press("ok", "Press ok."), FINISH], confirm="approve")
    model = _chat("press ok")
    builder = StateGraph(MessagesState)
    builder.add_node("chat", lambda state: {"messages": [model.invoke(state["messages"])]})
    builder.add_node("tools", ToolNode([gui_tool(SessionRegistry(devices))]))
    builder.add_edge(START, "chat")
    builder.add_conditional_edges("chat", tools_condition)
    builder.add_edge("tools", "chat")
    graph = builder.compile(checkpointer=InMemorySaver())
    final = arun(
        graph.ainvoke({"messages": [("user", "Press ok.")]}, {"configurable": {"thread_id": "chat-2"}})
    )
    reply = json.loads(next(m for m in final["messages"] if isinstance(m, ToolMessage)).content)
    assert (
        reply["status"] == "success" and reply["task"] == "press ok" and devices.screens[0].pressed == ["ok"]
    )
