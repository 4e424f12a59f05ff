"""The documented state schemas: what a GUI run reads from a graph and writes back.

Two schemas, both plain `TypedDict`s of JSON-ready values, so any LangGraph checkpointer (memory,
SQLite, Postgres) can store them and a run can resume in another process:

* `GuiJobState` is what `GuiAgentNode` uses inside *your* graph. Inherit from it (or copy its keys):

      task        str            the job, or the single screen task when there are no subtasks
      subtasks    list[str]      screen tasks still to do; the node takes the first and writes back
                                 the rest (a planner node fills this list)
      gui_result  GuiResult      the latest sub-run's outcome (answer, status, reason, record_dir, ...)
      gui_results list[GuiResult]  every sub-run's outcome, appended in order (reducer: list concat)

* `GuiGraphState` is the prebuilt graph's own state (`build_gui_graph`): the task in, the loop's
  serialized `RunState` under `run`, the write-ahead `claim` of the step being acted on, and the same
  `gui_result` out. Nodes you insert (a reviewer before act) read and write `run` through `read_run` /
  `write_run`.

Live handles (browser, model backend, recorder, last screenshot) are never in either schema; they sit
in a `SessionRegistry` keyed by the graph's thread id.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from typing import Annotated, Any, TypedDict

from anyres_agent.agent.loop import RunState
from anyres_agent.agent.trajectory import RunStatus


class GuiResult(TypedDict):
    """How one GUI sub-run ended: `status` is 'success' only when the model declared success."""

    task: str
    status: RunStatus
    reason: str
    answer: str | None
    steps: int
    run_id: str
    record_dir: str | None
    """The run's trajectory folder (run.json, steps/, report.html), or None when nothing is recorded."""


class RunClaim(TypedDict):
    """Written (and checkpointed) just before a step's actions run: the write-ahead mark that makes a
    resumed run skip, not repeat, actions that were in flight when the process died."""

    run_id: str
    step: int
    session: str


class GuiJobState(TypedDict, total=False):
    """Keys `GuiAgentNode` reads and writes in a parent graph (inherit and add your own keys)."""

    task: str
    subtasks: list[str]
    gui_result: GuiResult | None
    gui_results: Annotated[list[GuiResult], operator.add]


class GuiGraphState(TypedDict, total=False):
    """The prebuilt graph's state; `run` is `RunState.model_dump(mode="json")`."""

    task: str
    device_id: str
    """The device session (SessionRegistry key): the input may name one; `start` defaults it to the
    thread id and keeps it here, so every node and a resumed run find the same device."""
    settings: dict[str, Any]
    """This run's settings from the graph's config (`configurable`), fixed at `start` (run_settings)."""
    run: dict[str, Any] | None
    claim: RunClaim | None
    started_at: float
    gui_result: GuiResult | None
    review: dict[str, Any]  # free room for an inserted reviewer's notes


def read_run(state: Mapping[str, Any]) -> RunState:
    """The loop's run state out of a graph state (raises KeyError when no run was started)."""
    data = state.get("run")
    if data is None:
        raise KeyError("the graph state holds no run yet (the 'start' node creates it)")
    return RunState.model_validate(data)


def write_run(run: RunState) -> dict[str, Any]:
    """The state update that stores `run` (JSON-ready, so every checkpointer can keep it)."""
    return {"run": run.model_dump(mode="json")}


def result_of(run: RunState, record_dir: str | None) -> GuiResult:
    """The `gui_result` a finished run writes back."""
    return GuiResult(
        task=run.task,
        status=run.status,
        reason=run.reason,
        answer=run.answer,
        steps=run.steps_done,
        run_id=run.run_id,
        record_dir=record_dir,
    )


def state_value(state: Any, key: str) -> Any:
    """`key` of a graph state: a mapping (a TypedDict schema) or an object with attributes (a dataclass
    or pydantic schema); None when absent."""
    if isinstance(state, Mapping):
        return state.get(key)
    return getattr(state, key, None)


__all__ = [
    "GuiGraphState",
    "GuiJobState",
    "GuiResult",
    "RunClaim",
    "read_run",
    "result_of",
    "state_value",
    "write_run",
]
