"""Checkpointed resume on real Chromium: a run stopped midway continues from its last completed step,
on a fresh device session, and no click reaches the server twice (the server counts them)."""

from __future__ import annotations

from contextlib import aclosing
from pathlib import Path
from typing import Any

import pytest
from board_fixtures import (  # noqa: F401  (fixtures, used by name)
    BoardSessions,
    ProcessKilled,
    board_fixture,
    board_sessions_fixture,
    board_site_fixture,
)
from board_site import ITEMS, BoardSite
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph import END, START, StateGraph

from anyres_agent.agent.graph import NOT_REPEATED, GuiAgentNode, GuiJobState, SessionRegistry, build_gui_graph

TASK = "Tick off every item of the release checklist."
EXACTLY_ONCE = dict.fromkeys(ITEMS, 1)


def test_a_run_stopped_between_steps_resumes_from_memory_on_a_fresh_session(
    arun: Any, board: BoardSite, board_sessions: BoardSessions
) -> None:
    saver = InMemorySaver()
    config = {"configurable": {"thread_id": "release-1"}}

    async def scenario() -> tuple[Any, list[str], dict[str, Any], Any]:
        first = board_sessions()
        graph = build_gui_graph(first, checkpointer=saver)
        async with aclosing(graph.astream({"task": TASK}, config, stream_mode="custom")) as events:
            async for event in events:
                if event["event"] == "step" and event["step"] == 2:
                    break  # Ctrl-C after the second step: the stream is closed, the run cancelled
        hits_at_stop = list(board.hits)
        await first.aclose()  # the process and its browser are gone
        second = board_sessions()
        resumed = build_gui_graph(second, checkpointer=saver)
        stopped = await resumed.aget_state(config)
        final = await resumed.ainvoke(None, config)
        return stopped, hits_at_stop, final, second

    stopped, hits_at_stop, final, second = arun(scenario())
    assert hits_at_stop[:2] == ["build", "test"]
    assert stopped.values["run"]["phase"] != "done" and stopped.values["gui_result"] is None  # mid-run
    assert final["gui_result"]["status"] == "success", final["gui_result"]["reason"]
    assert board.counts() == EXACTLY_ONCE
    assert second.opened == 1 and len(second) == 0  # one fresh session, closed when the run ended


def test_a_process_killed_inside_act_resumes_from_sqlite_without_repeating_the_click(
    arun: Any, board: BoardSite, board_sessions: BoardSessions, tmp_path: Path
) -> None:
    database = str(tmp_path / "checkpoints.sqlite")
    config = {"configurable": {"thread_id": "release-2"}}

    async def scenario() -> tuple[list[str], Any, dict[str, Any]]:
        first = board_sessions(die_after_clicks=2)
        async with AsyncSqliteSaver.from_conn_string(database) as saver:
            with pytest.raises(ProcessKilled):
                await build_gui_graph(first, checkpointer=saver).ainvoke({"task": TASK}, config)
        hits_at_death = list(board.hits)
        await first.aclose()
        async with AsyncSqliteSaver.from_conn_string(database) as saver:  # a new process opens the file
            graph = build_gui_graph(board_sessions(), checkpointer=saver)
            pending = await graph.aget_state(config)
            final = await graph.ainvoke(None, config)
        return hits_at_death, pending, final

    hits_at_death, pending, final = arun(scenario())
    assert hits_at_death == ["build", "test"]  # the second click landed, then the process died
    assert pending.next == ("execute",) and pending.values["claim"]["step"] == 2
    assert final["gui_result"]["status"] == "success", final["gui_result"]["reason"]
    assert board.counts() == EXACTLY_ONCE  # at most once: the in-flight click was not run again
    step_two = next(m for m in final["run"]["history"] if m["index"] == 2)
    assert "it was not repeated" in step_two["note"]
    assert NOT_REPEATED.startswith("not run again")


def _job_graph(sessions: SessionRegistry, saver: InMemorySaver) -> Any:
    builder = StateGraph(GuiJobState)
    builder.add_node("gui", GuiAgentNode(sessions))
    builder.add_edge(START, "gui")
    builder.add_edge("gui", END)
    return builder.compile(checkpointer=saver)


def test_the_gui_node_inside_a_parent_graph_resumes_its_sub_run_after_a_crash(
    arun: Any, board: BoardSite, board_sessions: BoardSessions
) -> None:
    saver = InMemorySaver()
    config = {"configurable": {"thread_id": "release-3"}}

    async def scenario() -> dict[str, Any]:
        first = board_sessions(die_after_clicks=3)
        with pytest.raises(ProcessKilled):
            await _job_graph(first, saver).ainvoke({"task": TASK}, config)
        await first.aclose()
        return await _job_graph(board_sessions(), saver).ainvoke(None, config)

    final = arun(scenario())
    assert final["gui_result"]["status"] == "success", final["gui_result"]["reason"]
    assert final["gui_results"] == [final["gui_result"]]
    assert board.counts() == EXACTLY_ONCE  # steps 1-2 came from the sub-run's checkpoints, 3 was skipped
