"""Human-in-the-loop on the prebuilt graph (real LangGraph, an in-memory screen): edit and bad resume
values, and a reviewer node inserted between guard and act."""

from __future__ import annotations

from typing import Any

import pytest
from agent_fakes import FakeScreen, family, prompt_text, scripted
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.graph import (
    GuiSession,
    ResumeError,
    build_gui_graph,
    parse_resume,
    read_run,
    write_run,
)
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.tools import Click, Finish

BUTTONS = {"keep": (20, 20, 140, 70), "delete": (200, 20, 320, 70)}
CONFIG = {"configurable": {"thread_id": "t"}}


def _graph(steps: list[Any], **options: Any) -> tuple[Any, FakeScreen, ScriptedBackend]:
    screen, fam = FakeScreen(BUTTONS), family("qwen25vl")
    backend = ScriptedBackend(scripted(fam, steps))
    session = GuiSession(env=screen, backend=backend, family=fam, config=AgentConfig(), secrets={})
    return (
        build_gui_graph(lambda thread_id: session, checkpointer=InMemorySaver(), **options),
        screen,
        backend,
    )


def _click(name: str, thought: str) -> Any:
    x1, y1, x2, y2 = BUTTONS[name]
    return lambda request: ([Click(x=(x1 + x2) // 2, y=(y1 + y2) // 2)], thought)


FINISH = lambda request: ([Finish(success=True, message="ok")], "Done.")  # noqa: E731


def test_an_edit_runs_the_person_s_action_instead_and_the_model_is_told(arun: Any) -> None:
    graph, screen, backend = _graph([_click("delete", "Delete the old file."), FINISH])

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        asked = await graph.ainvoke({"task": "Tidy up."}, CONFIG)
        edit = {"decision": "edit", "action": {"type": "click", "x": 80, "y": 45}, "reason": "keep it"}
        return asked, await graph.ainvoke(Command(resume=edit), CONFIG)

    asked, final = arun(scenario())
    question = asked["__interrupt__"][0].value
    assert question["reason"] == "thought mentions 'delete'" and question["action"]["x"] == 260
    assert screen.pressed == ["keep"]
    assert final["gui_result"]["status"] == "success"
    assert "The user replaced click(x=260" in prompt_text(backend.calls[1])


def test_a_bad_resume_value_asks_again_saying_what_is_accepted(arun: Any) -> None:
    graph, screen, backend = _graph([_click("delete", "Delete the old file."), FINISH])

    async def scenario() -> list[dict[str, Any]]:
        results = [await graph.ainvoke({"task": "Tidy up."}, CONFIG)]
        for value in ({"decision": "yes"}, {"decision": "edit", "action": {"type": "click"}}, "reject"):
            results.append(await graph.ainvoke(Command(resume=value), CONFIG))
        return results

    first, after_yes, after_bad_edit, final = arun(scenario())
    assert first["__interrupt__"][0].value["error"] is None
    assert "bad resume value {'decision': 'yes'}" in after_yes["__interrupt__"][0].value["error"]
    assert "{'decision': 'approve'}" in after_yes["__interrupt__"][0].value["error"]
    assert "the edited action is not valid" in after_bad_edit["__interrupt__"][0].value["error"]
    assert screen.pressed == [] and "__interrupt__" not in final
    assert "The user declined click(x=260" in prompt_text(backend.calls[1])


def test_a_reviewer_between_guard_and_act_vetoes_one_action_and_escalates_another(arun: Any) -> None:
    seen: list[str] = []

    def reviewer(state: dict[str, Any]) -> dict[str, Any]:
        """A second opinion on every planned action: never 'keep' twice; ask a person about 'delete'."""
        run = read_run(state)
        assert run.step is not None
        for planned in run.step.actions:
            if not isinstance(planned.action, Click):
                continue
            name = "keep" if planned.action.x < 170 else "delete"
            seen.append(name)
            if name == "keep" and seen.count("keep") > 1:
                planned.decision, planned.note = "rejected", "the reviewer vetoed a second click on keep"
            elif name == "delete":
                planned.decision, planned.risk = "pending", "the reviewer wants a person to look"
                run.phase = "confirm"
        return write_run(run)

    steps = [_click("keep", "Keep it."), _click("keep", "Keep it."), _click("delete", "Remove it."), FINISH]
    graph, screen, _ = _graph(steps, before_act=[("reviewer", reviewer)])

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        asked = await graph.ainvoke({"task": "Tidy up."}, CONFIG)
        return asked, await graph.ainvoke(Command(resume={"decision": "approve"}), CONFIG)

    asked, final = arun(scenario())
    assert seen == ["keep", "keep", "delete"]
    assert asked["__interrupt__"][0].value["reason"] == "the reviewer wants a person to look"
    assert screen.pressed == ["keep", "delete"]  # the veto held; the escalated click ran once approved
    assert final["gui_result"]["status"] == "success"
    edges = {(e.source, e.target) for e in graph.get_graph().edges}
    assert (
        ("guard", "reviewer") in edges and ("reviewer", "act") in edges and ("reviewer", "confirm") in edges
    )


@pytest.mark.parametrize(
    ("value", "verdict"),
    [("approve", "approve"), ({"decision": "reject", "reason": "no"}, "reject"),
     ({"decision": "edit", "action": {"type": "key", "keys": ["enter"]}}, "edit")],
)  # fmt: skip
def test_resume_values_become_the_loop_s_decisions(value: Any, verdict: str) -> None:
    assert parse_resume(value).verdict == verdict


@pytest.mark.parametrize(
    ("value", "message"),
    [(None, "bad resume value None"),
     ({"decision": "approve", "action": {"type": "wait"}}, "only for an edit"),
     ({"decision": "edit"}, "needs the replacement 'action'"),
     ({"decision": "approve", "why": 1}, "Extra")],
)  # fmt: skip
def test_bad_resume_values_are_refused_with_the_accepted_forms(value: Any, message: str) -> None:
    with pytest.raises(ResumeError, match=message) as error:
        parse_resume(value)
    assert "resume with Command(resume=" in str(error.value)
