"""The prebuilt GUI graph: one LangGraph node per loop step, routed by the run state's phase.

    START -> start -> observe -> think -> guard -> [your nodes] -> confirm -> act -> execute -> record
                        ^                                                                       |
                        +------------------------------- (next step) ---------------------------+
                                                                          (done) -> finish -> END

Each node is a thin wrapper over the loop's `run_step` (the step its phase names): it loads the
serialized `RunState` from the graph state, takes the thread's live session from the registry, runs
the step and writes the state back. A checkpointer therefore holds the run after every step, and a
resumed run continues at `run.phase` against whatever session the registry gives it.

Why `act` and `execute` are two nodes: `act` checkpoints a write-ahead claim ("step N of run R is
about to act, in device session S") before `execute` touches the device. If the process dies inside
`execute`, the resumed run finds a claim from another session and does not run those actions again
(at most once): it marks them executed with an unknown outcome and tells the model to look at the
screen. Actions that finished before the last checkpoint are never repeated either, because the
checkpoint after `execute` already holds them as executed. The guarantee needs each checkpoint saved
before the next node starts, so the compiled graph defaults to `durability="sync"`.

Routing is by `Command(goto=...)` returned from each node, not by conditional edges: the state update
and the next node are then one write, so a run cancelled between them (Ctrl-C, a closed stream) can
never checkpoint the update without its route and stall on resume (LangGraph 1.2 saves a cancelled
task's partial writes and then treats the task as done: langgraph#8834).

Insert your own nodes between guard and act with `before_act=[("reviewer", reviewer)]`: they run
after the guard (risks assessed) and before any confirmation or device action, read the run with
`read_run(state)` and may change it (`write_run(run)`): reject a planned action, or mark it pending
with a risk to send it to a person.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol, cast

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.config import get_stream_writer
from langgraph.errors import GraphBubbleUp
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from anyres_agent.agent.confirmation import recheck_if_resumed
from anyres_agent.agent.graph.interrupts import interrupt_confirm, screenshot_data_url
from anyres_agent.agent.graph.registry import (
    GuiSession,
    LiveRun,
    SessionFactory,
    SessionRegistry,
    as_registry,
    run_settings,
    thread_id_of,
)
from anyres_agent.agent.graph.state import (
    GuiGraphState,
    RunClaim,
    read_run,
    result_of,
    state_value,
    write_run,
)
from anyres_agent.agent.loop import RunState, StepEvent, run_step

try:  # config keys with no public accessor: a graph-level durability default, "is there a checkpointer"
    from langgraph._internal._constants import CONFIG_KEY_CHECKPOINTER, CONFIG_KEY_DURABILITY
except ImportError:  # pragma: no cover - a LangGraph that moved them
    CONFIG_KEY_CHECKPOINTER, CONFIG_KEY_DURABILITY = "__pregel_checkpointer", "__pregel_durability"

NodeLike = Callable[..., Any]


class StepNode(Protocol):
    """A graph node: the state and the run's config in, a routing Command out."""

    async def __call__(self, state: GuiGraphState, config: RunnableConfig) -> Command[str]: ...


GUI_RECURSION_LIMIT = 10_000
"""LangGraph counts supersteps (about 7 per GUI step); the loop's own budgets end a run long before."""
LOOP_NODES = ("observe", "think", "guard", "confirm", "record")
NOT_REPEATED = "not run again: the run stopped while this action was running, so its outcome is unknown"
ROUTES = {
    "observe": "observe",
    "think": "think",
    "guard": "guard",
    "confirm": "confirm",
    "act": "act",
    "record": "record",
    "done": "finish",
}


def device_of(state: Any, config: RunnableConfig) -> str:
    """The device session a run uses: the state's `device_id` (set by the input, or by `start`), else
    the thread id. `state`: this graph's, or a parent graph's of any schema."""
    return str(state_value(state, "device_id") or thread_id_of(config))


def route_phase(state: GuiGraphState) -> str:
    """The node that runs next, from the run's phase (the conditional edge after every step node)."""
    run = state.get("run")
    return ROUTES[run["phase"]] if run else "finish"


class GuiNodes:
    """The graph's node functions, bound to a session registry."""

    def __init__(
        self, registry: SessionRegistry, *, close_when_done: bool = True, review: str | None = None
    ) -> None:
        self.registry = registry
        self.close_when_done = close_when_done
        self.review = review  # the first inserted node after guard, if any

    def _next(self, name: str, run: RunState) -> str:
        if name == "guard" and self.review is not None and run.phase in ("confirm", "act"):
            return self.review
        return ROUTES[run.phase]

    async def _open(
        self, state: GuiGraphState, config: RunnableConfig
    ) -> tuple[GuiSession, RunState, LiveRun]:
        session = await self.registry.get(device_of(state, config))
        run = read_run(state)
        live = session.live(run, state.get("settings"))
        writer = get_stream_writer()

        def forward(event: StepEvent) -> None:
            writer({"event": event.kind, "run_id": run.run_id, "step": event.step,
                    "message": event.message, "data": event.data})  # fmt: skip

        live.context.on_event = forward
        live.context.confirm = interrupt_confirm(run.run_id, lambda: _screenshot(live))
        return session, run, live

    async def start(self, state: GuiGraphState, config: RunnableConfig) -> Command[str]:
        """Open (or reuse) the device session and begin a new run of `task`. The device's id (the input's
        `device_id`, else the thread id) and the run's settings from the config are kept in the state,
        so every later node, and a resumed run, finds the same device and settings."""
        task = state.get("task")
        if not task:
            raise ValueError("the GUI graph needs a 'task' in its input")
        device = device_of(state, config)
        session = await self.registry.get(device)
        run = session.new_run(task)
        settings = run_settings(config, session.config)
        opened = cast(GuiGraphState, {**state, **write_run(run), "device_id": device, "settings": settings})
        _, run, live = await self._open(opened, config)
        started = await live.agent.begin(run, live.context)
        update = {
            **write_run(run), "device_id": device, "settings": settings, "claim": None,
            "started_at": started, "gui_result": None,
        }  # fmt: skip
        return Command(update=update, goto="observe")

    def step(self, name: str) -> StepNode:
        """A node running the loop's step `name`, then routing by the new phase."""

        async def node(state: GuiGraphState, config: RunnableConfig) -> Command[str]:
            _, run, live = await self._open(state, config)
            run = await run_step(run, live.context, passthrough=(GraphBubbleUp,))  # routed here by phase
            return Command(update=write_run(run), goto=self._next(name, run))

        node.__name__ = name
        return node

    async def act(self, state: GuiGraphState, config: RunnableConfig) -> Command[str]:
        """Checkpoint the write-ahead claim; `execute` runs the actions after it is saved. In a process
        that never saw this screen (a resumed checkpoint), approved targets are read again first: if
        one changed, the run goes back to confirm and the person is asked about what is there now."""
        session, run, live = await self._open(state, config)
        assert run.step is not None, "act needs a step in flight"
        if await recheck_if_resumed(run.step, live.context):
            run.phase = "confirm"
            return Command(update=write_run(run), goto="confirm")
        claim = RunClaim(run_id=run.run_id, step=run.step.index, session=session.id)
        return Command(update={"claim": claim}, goto="execute")

    async def execute(self, state: GuiGraphState, config: RunnableConfig) -> Command[str]:
        """Run the step's approved actions, unless they may have run already (then skip: at most once)."""
        session, run, live = await self._open(state, config)
        step = run.step
        claim = state.get("claim")
        if step is None or claim is None or claim["run_id"] != run.run_id or claim["step"] != step.index:
            raise RuntimeError("'execute' must follow 'act' (which claims the step); check the graph's edges")
        key = (run.run_id, step.index)
        if claim["session"] != session.id or key in session.started:
            _skip_in_flight(run)
            await live.context.emit(StepEvent(kind="guard", step=step.index, message=NOT_REPEATED))
        else:
            session.started.add(key)
            run = await run_step(run, live.context, passthrough=(GraphBubbleUp,))
        return Command(update={**write_run(run), "claim": None}, goto=ROUTES[run.phase])

    async def finish(self, state: GuiGraphState, config: RunnableConfig) -> dict[str, Any]:
        """Write run.json and the report, emit run_finished, write `gui_result`, close if asked."""
        session, run, live = await self._open(state, config)
        ctx = live.context
        await live.agent.finalize(run, ctx, state.get("started_at") or time.time())
        await ctx.emit(StepEvent(kind="run_finished", step=run.steps_done, message=run.reason))
        result = result_of(run, str(live.record_dir) if live.record_dir is not None else None)
        await session.end_run(run.run_id)
        if self.close_when_done:
            await self.registry.close(device_of(state, config))
        return {**write_run(run), "gui_result": result}


async def _screenshot(live: LiveRun) -> str | None:
    """The screen the confirmed action was planned on, as a data URL for the interrupt payload (a
    server's file paths mean nothing to the person answering); None after a restart."""
    observation = live.context.observation
    if observation is None:
        return None
    return await asyncio.to_thread(screenshot_data_url, observation.screenshot.image)


def _skip_in_flight(run: RunState) -> None:
    """Mark the step's unexecuted approved actions as executed-with-unknown-outcome and tell the model."""
    step = run.step
    assert step is not None
    skipped = []
    for planned in step.actions:
        if not planned.executed and planned.decision in ("approved", "edited"):
            planned.executed, planned.ok, planned.note = True, None, NOT_REPEATED
            skipped.append(planned.action.type)
    if skipped:
        step.notes.append(
            f"The run was interrupted while {', '.join(skipped)} ran; it was not repeated. "
            "Look at the screen to see whether it took effect before you continue."
        )
    run.phase = "record"


def gui_graph_builder(
    sessions: SessionRegistry | SessionFactory,
    *,
    before_act: Sequence[tuple[str, NodeLike]] = (),
    close_when_done: bool = True,
) -> StateGraph:
    """The uncompiled graph, to add your own nodes and edges before compiling.

    `before_act` nodes run in order between guard and the confirm/act branch (guard skips them when
    the run is already over). The last one hands back through a `route_phase` conditional edge; a node
    you wire in yourself should do the same: `builder.add_conditional_edges("mine", route_phase, ROUTES)`.
    """
    names = [name for name, _ in before_act]
    nodes = GuiNodes(
        as_registry(sessions), close_when_done=close_when_done, review=names[0] if names else None
    )
    targets = tuple(sorted(set(ROUTES.values())))
    builder: StateGraph[GuiGraphState, None, GuiGraphState, GuiGraphState] = StateGraph(GuiGraphState)
    builder.add_node("start", nodes.start, destinations=("observe",), input_schema=GuiGraphState)
    for name in LOOP_NODES:
        ends = (*targets, names[0]) if name == "guard" and names else targets
        builder.add_node(name, nodes.step(name), destinations=ends)
    builder.add_node("act", nodes.act, destinations=("execute", "confirm"))
    builder.add_node("execute", nodes.execute, destinations=targets)
    builder.add_node("finish", nodes.finish)
    builder.add_edge(START, "start")
    builder.add_edge("finish", END)
    for index, (name, node) in enumerate(before_act):
        if name in ROUTES or name in ("start", "execute", "finish"):
            raise ValueError(f"{name!r} is a node of the GUI graph already; give yours another name")
        builder.add_node(name, node)
        if index + 1 < len(names):
            builder.add_edge(name, names[index + 1])
        else:
            builder.add_conditional_edges(name, route_phase, list(targets))
    return builder


def build_gui_graph(
    sessions: SessionRegistry | SessionFactory,
    *,
    before_act: Sequence[tuple[str, NodeLike]] = (),
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    interrupt_before: Sequence[str] | None = None,
    interrupt_after: Sequence[str] | None = None,
    close_when_done: bool = True,
    name: str = "gui_agent",
) -> CompiledStateGraph:
    """The compiled GUI graph: `await graph.ainvoke({"task": ...}, {"configurable": {"thread_id": ...}})`.

    Defaults: `durability="sync"` when a checkpointer is given (a checkpoint per node, saved before the
    next node runs: what makes resume at most once) and a recursion limit the loop's budgets never
    reach; both can be overridden per call. Added as a subgraph that inherits its parent's
    checkpointer, pass `durability="sync"` to the parent's invoke/stream instead. Without any
    checkpointer a risky action with `confirm="ask"` still stops the graph, but LangGraph cannot
    resume it; use `confirm="approve"` or `"reject"` there.
    """
    builder = gui_graph_builder(sessions, before_act=before_act, close_when_done=close_when_done)
    compiled = builder.compile(
        checkpointer=checkpointer,
        interrupt_before=list(interrupt_before) if interrupt_before else None,
        interrupt_after=list(interrupt_after) if interrupt_after else None,
        name=name,
    )
    # "sync" without a checkpointer breaks LangGraph 1.2 (it awaits a checkpoint write that never starts)
    durable = {CONFIG_KEY_DURABILITY: "sync"} if checkpointer is not None else {}
    return compiled.with_config(recursion_limit=GUI_RECURSION_LIMIT, configurable=durable)


def has_checkpointer(config: RunnableConfig) -> bool:
    """Whether the graph running a node has a checkpointer (its own or its parent's)."""
    return (config.get("configurable") or {}).get(CONFIG_KEY_CHECKPOINTER) is not None


__all__ = [
    "GUI_RECURSION_LIMIT",
    "NOT_REPEATED",
    "ROUTES",
    "GuiNodes",
    "build_gui_graph",
    "gui_graph_builder",
    "has_checkpointer",
    "route_phase",
]
