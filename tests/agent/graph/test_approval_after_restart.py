"""An approval outlives a restart only for what was approved: before the approved click runs in a new
process (a LangGraph resume, or `Agent.run(state=...)`), the target is read again on the new screen,
and when it changed the person is asked again about what is there now.

The page is /app of security_site: "Pay $20" the first time it is served, "Delete my account" at the
same spot afterwards, which is what a fresh browser finds after the restart. The server records every
click with the button's words, so a wrong click cannot hide.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # security_site, beside the agent tests

from agent_fakes import Run, family
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from security_site import SecuritySite, centre, steps_backend

from anyres_agent.agent.api import Agent
from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.graph import GuiSession, SessionRegistry, build_gui_graph
from anyres_agent.agent.guards import ConfirmationRequest, Decision
from anyres_agent.agent.loop import RunState, run_step
from anyres_agent.environments.browser import BrowserEnvironment
from anyres_agent.tools import Click

FAM = family("qwen25vl")
TASK = "Pay the $20 invoice."
CONFIG = {"configurable": {"thread_id": "invoice-1"}}


async def click_the_button(env: BrowserEnvironment) -> tuple[list[Any], str]:
    x, y = await centre(env, "#act")
    return [Click(x=x, y=y)], "Click the button."  # no risk word: only the target can make it risky


class Person:
    """Approves paying; declines anything else; writes down every question."""

    def __init__(self) -> None:
        self.asked: list[ConfirmationRequest] = []

    def __call__(self, request: ConfirmationRequest) -> Decision:
        self.asked.append(request)
        return (
            Decision.approve()
            if "Pay $20" in request.target
            else Decision.reject("that is not what I approved")
        )


async def _first_process(chromium: Any, site: SecuritySite, person: Person | None) -> str:
    """Run until the question (and, with a person, their approval); return the checkpoint as JSON."""
    env = await BrowserEnvironment.from_browser(chromium, site.url("/app"), settle_s=0.05)
    try:
        agent = Agent(env, steps_backend(env, FAM, [click_the_button]), FAM, AgentConfig(), confirm=person)
        state, ctx = agent.new_state(TASK), agent.context()
        stop_at = "act" if person is not None else "confirm"
        while state.phase != stop_at:
            state = await run_step(state, ctx)
        return state.model_dump_json()
    finally:
        await env.close()  # the process dies: its browser with it


async def _second_process(chromium: Any, site: SecuritySite, checkpoint: str, person: Person) -> Any:
    env = await BrowserEnvironment.from_browser(chromium, site.url("/app"), settle_s=0.05)
    try:
        agent = Agent(env, steps_backend(env, FAM, []), FAM, AgentConfig(), confirm=person)
        return await agent.run(TASK, state=RunState.model_validate_json(checkpoint))
    finally:
        await env.close()


def test_a_question_answered_after_a_restart_is_asked_again_when_the_target_changed(
    arun: Run, chromium: Any
) -> None:
    with SecuritySite() as site:
        checkpoint = arun(_first_process(chromium, site, None))  # died while asking
        person = Person()
        result = arun(_second_process(chromium, site, checkpoint, person))
        assert [r.target.split(" at ")[0] for r in person.asked] == [
            'button "Pay $20"',  # the question from before the restart, approved
            'button "Delete my account"',  # what the click would hit now: asked again, declined
        ]
        assert person.asked[1].reason.startswith("the screen changed since this was approved")
        assert site.clicks() == [] and result.status == "success"


def test_an_approval_checkpointed_before_a_crash_is_checked_again_before_acting(
    arun: Run, chromium: Any
) -> None:
    with SecuritySite() as site:
        first = Person()
        checkpoint = arun(_first_process(chromium, site, first))  # approved, then the process died
        assert [r.target.split(" at ")[0] for r in first.asked] == ['button "Pay $20"']
        second = Person()
        arun(_second_process(chromium, site, checkpoint, second))
        assert [r.target.split(" at ")[0] for r in second.asked] == ['button "Delete my account"']
        assert site.clicks() == []


def test_a_langgraph_resume_on_a_fresh_browser_asks_again_instead_of_clicking(
    arun: Run, chromium: Any
) -> None:
    saver = InMemorySaver()

    def registry(site: SecuritySite, steps: list[Any]) -> SessionRegistry:
        async def open_session(thread_id: str) -> GuiSession:
            env = await BrowserEnvironment.from_browser(chromium, site.url("/app"), settle_s=0.05)
            backend = steps_backend(env, FAM, steps)  # after the restart the model would just finish
            return GuiSession(env=env, backend=backend, family=FAM, config=AgentConfig(), secrets={})

        return SessionRegistry(open_session)

    async def scenario(site: SecuritySite) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        async with registry(site, [click_the_button]) as first:
            asked = await build_gui_graph(first, checkpointer=saver).ainvoke({"task": TASK}, CONFIG)
        # the process is gone; a new one resumes the thread with the person's approval
        async with registry(site, []) as second:
            graph = build_gui_graph(second, checkpointer=saver)
            again = await graph.ainvoke(Command(resume={"decision": "approve"}), CONFIG)
            final = await graph.ainvoke(Command(resume={"decision": "reject", "reason": "not that"}), CONFIG)
        return asked, again, final

    with SecuritySite() as site:
        asked, again, final = arun(scenario(site))
        first_question = asked["__interrupt__"][0].value
        second_question = again["__interrupt__"][0].value
        assert first_question["target"].startswith('button "Pay $20"')
        assert second_question["target"].startswith('button "Delete my account"')
        assert second_question["reason"].startswith("the screen changed since this was approved")
        assert site.clicks() == []
        assert final["gui_result"]["status"] == "success"
