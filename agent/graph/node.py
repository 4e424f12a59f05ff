"""`GuiAgentNode`: GUI control as one node of your own LangGraph graph.

    builder = StateGraph(JobState)                     # JobState extends GuiJobState
    builder.add_node("plan", plan)                     # fills state["subtasks"]
    builder.add_node("gui", GuiAgentNode(registry))    # one whole screen task per visit
    builder.add_node("verify", verify)
    builder.add_edge(START, "plan")
    builder.add_edge("plan", "gui")
    builder.add_conditional_edges("gui", route_subtasks("verify"), ["gui", "verify"])
    graph = builder.compile(checkpointer=InMemorySaver())

Each visit takes the next subtask (or `task` when there are none), runs it to the end on the thread's
device session and writes `gui_result` (and appends to `gui_results`). Inside, the visit runs the
prebuilt step graph as a subgraph on your graph's checkpointer, so the run is checkpointed after every
step: a risky action becomes an interrupt of *your* graph, and a run killed midway resumes from its
last completed step (`graph.ainvoke(None, config)`) without repeating executed actions.

Per-step events reach your graph's `stream_mode="custom"` stream as {"event", "run_id", "step",
"message", "data"} dicts. (With `subgraphs=True` you also see them, once more, under the node's
namespace.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.config import get_stream_writer

from anyres_agent.agent.graph.prebuilt import (
    GUI_RECURSION_LIMIT,
    NodeLike,
    build_gui_graph,
    device_of,
    has_checkpointer,
)
from anyres_agent.agent.graph.registry import SessionFactory, SessionRegistry, as_registry
from anyres_agent.agent.graph.state import GuiResult, state_value


class GuiAgentNode:
    """A callable node: reads the next screen task from the state, runs it, writes the result.

    `close_when_done` closes the thread's device session once no subtasks remain or a sub-run did not
    succeed (where `route_subtasks` ends the job), so the next job on the thread starts on a fresh
    device; pass False to keep it and close it with the registry. State keys are configurable for
    graphs whose schema names them differently.
    """

    def __init__(
        self,
        sessions: SessionRegistry | SessionFactory,
        *,
        before_act: Sequence[tuple[str, NodeLike]] = (),
        task_key: str = "task",
        subtasks_key: str = "subtasks",
        result_key: str = "gui_result",
        results_key: str = "gui_results",
        close_when_done: bool = True,
        forward_events: bool = True,
        recursion_limit: int = GUI_RECURSION_LIMIT,
    ) -> None:
        self.registry = as_registry(sessions)
        self.graph = build_gui_graph(self.registry, before_act=before_act, close_when_done=False, name="gui")
        self.task_key, self.subtasks_key = task_key, subtasks_key
        self.result_key, self.results_key = result_key, results_key
        self.close_when_done = close_when_done
        self.forward_events = forward_events
        self.recursion_limit = recursion_limit

    def next_task(self, state: Any) -> tuple[str, list[str] | None]:
        """The task this visit runs, and the subtasks left after it (None: the state has no list)."""
        subtasks = state_value(state, self.subtasks_key)
        if subtasks:
            return str(subtasks[0]), list(subtasks[1:])
        task = state_value(state, self.task_key)
        if not task:
            raise ValueError(
                f"the GUI node found no task: set {self.task_key!r} or a non-empty {self.subtasks_key!r}"
            )
        return str(task), None

    async def __call__(self, state: Any, config: RunnableConfig) -> dict[str, Any]:
        task, rest = self.next_task(state)
        writer = get_stream_writer()
        final: dict[str, Any] = {}
        # the parent's config carries its checkpointer and namespace: the sub-run is checkpointed per
        # step under this node's task, and resumes there (input ignored) after an interrupt or a crash
        run_config: RunnableConfig = {**config, "recursion_limit": self.recursion_limit}
        chunk: Any
        device = device_of(state, config)
        async for mode, chunk in self.graph.astream(
            {"task": task, "device_id": device},
            run_config,
            stream_mode=["custom", "values"],
            durability="sync" if has_checkpointer(config) else None,
        ):
            if mode == "custom":
                if self.forward_events:
                    writer(chunk)
            else:
                final = chunk
        result: GuiResult | None = final.get("gui_result")
        if result is None:
            raise RuntimeError("the GUI sub-run ended without a result")
        update: dict[str, Any] = {self.result_key: result, self.results_key: [result]}
        if rest is not None:
            update[self.subtasks_key] = rest
        if self.close_when_done and (not rest or result["status"] != "success"):
            await self.registry.close(device)
        return update


def route_subtasks(
    done: str, *, node: str = "gui", subtasks_key: str = "subtasks", result_key: str = "gui_result"
) -> Callable[[Any], str]:
    """A conditional edge after the GUI node: back to it while subtasks remain and the last one
    succeeded, else on to `done` (a failed screen task stops the job instead of blundering on)."""

    def route(state: Any) -> str:
        result = state_value(state, result_key)
        if result is not None and result.get("status") != "success":
            return done
        return node if state_value(state, subtasks_key) else done

    return route


__all__ = ["GuiAgentNode", "route_subtasks"]
