"""A two-part job in a LangGraph graph: a planner, the GUI node, a verifier, a person for risky actions.

    python -m anyres_agent.agent.graph.example                   # approve every risky action
    python -m anyres_agent.agent.graph.example --reject-payment  # decline the Pay click: a failed job

It serves the bundled demo site, launches headless Chromium and answers with a scripted "model" that
writes real Qwen2.5-VL tool calls from the page's geometry (no weights needed). The planner splits the
job into two screen tasks (sign up, then pay); the GUI node runs each on the same browser session; the
run is checkpointed in SQLite, and every risky action (typing the password, clicking Pay) stops the
graph with an interrupt that this script answers.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.demo_site.script import DemoScript
from anyres_agent.agent.graph.node import GuiAgentNode, route_subtasks
from anyres_agent.agent.graph.registry import SessionRegistry
from anyres_agent.agent.graph.state import GuiJobState
from anyres_agent.model.conversation import ModelRequest
from anyres_agent.tools import Action, Click, Finish, Type

JOB = (
    "Create an account for Ada Lovelace (ada@example.com) on the Pro plan. "
    "Then go to checkout and pay for the plan as Ada Lovelace with the password {{secret:DEMO_PW}}."
)
DEMO_PASSWORD = "correct-horse-battery"


class JobState(GuiJobState, total=False):
    """The parent graph's state: the job, the plan (GuiJobState's subtasks) and a verdict."""

    job: str
    verdict: str


def plan(state: JobState) -> dict[str, Any]:
    """A stand-in planner (an LLM in real life): one screen task per sentence that starts with 'Then'."""
    parts = [p.strip() for p in state["job"].split(" Then ")]
    return {"subtasks": [parts[0], *(p[0].upper() + p[1:] for p in parts[1:])]}


def verify(state: JobState) -> dict[str, Any]:
    """Judge the job from the GUI results the node wrote back."""
    results = state.get("gui_results") or []
    failed = [r for r in results if r["status"] != "success"]
    if failed:
        return {
            "verdict": f"failed: {failed[0]['task']!r} ended {failed[0]['status']}: {failed[0]['reason']}"
        }
    return {"verdict": f"done: {len(results)} screen tasks succeeded"}


def build_job_graph(
    sessions: SessionRegistry, checkpointer: BaseCheckpointSaver[Any] | None, **node: Any
) -> CompiledStateGraph:
    """plan -> gui (once per subtask) -> verify, with the GUI node as one node among others."""
    builder = StateGraph(JobState)
    builder.add_node("plan", plan)
    builder.add_node("gui", GuiAgentNode(sessions, **node))
    builder.add_node("verify", verify)
    builder.add_edge(START, "plan")
    builder.add_edge("plan", "gui")
    builder.add_conditional_edges("gui", route_subtasks("verify"), ["gui", "verify"])
    builder.add_edge("verify", END)
    return builder.compile(checkpointer=checkpointer)


class JobScript:
    """The scripted model for both screen tasks: it reads the live page (which no real model can) and
    answers in the family's own output format, so parser, guards and browser all run for real."""

    def __init__(self, env: Any, family: Any) -> None:
        self.env, self.family = env, family
        self.signup = DemoScript(env, family)

    async def center(self, selector: str) -> tuple[int, int]:
        return await self.signup.center(selector)

    async def checkout(self, prompt: str) -> tuple[list[Action], str]:
        page = self.env.page
        if page.url.endswith("welcome.html"):
            x, y = await self.center("#checkout-link")
            return [Click(x=x, y=y)], "Follow the link to the next page."
        state = await page.evaluate(
            "() => ({holder: holder.value, pw: password.value, focus: document.activeElement.id,"
            " paid: !document.getElementById('paid').hidden})"
        )
        if state["paid"] or "declined" in prompt:
            return [Finish(success=state["paid"], message="Paid." if state["paid"] else "Not paid.")], "Done."
        for field, text in (("holder", "Ada Lovelace"), ("password", "{{secret:DEMO_PW}}")):
            if not state["pw" if field == "password" else field]:
                if state["focus"] != field:
                    x, y = await self.center(f"#{field}")
                    return [Click(x=x, y=y)], f"Click the {field} field."
                return [Type(text=text)], f"Type the {field}."
        x, y = await self.center("#pay")
        return [Click(x=x, y=y)], "Click the Pay $42.00 button."

    async def __call__(self, request: ModelRequest) -> str:
        assert request.frame is not None, "the loop sends the frame of the newest screenshot"
        prompt = "\n".join(m.plain_text() for m in request.messages)
        if "go to checkout" in prompt.lower():
            actions, thought = await self.checkout(prompt)
        else:
            actions, thought = await self.signup.next_step()
        return self.family.render(actions, request.frame, thought=thought)


async def run_job(
    graph: CompiledStateGraph, thread_id: str, *, reject_payment: bool = False, show: bool = False
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """Run the job, answering each interrupt; returns the final state, the questions and the events."""
    config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
    questions: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    payload: Any = {"job": JOB}
    chunk: Any
    while True:
        asked: list[dict[str, Any]] = []
        async for mode, chunk in graph.astream(payload, config, stream_mode=["custom", "updates"]):
            if mode == "custom":
                events.append(chunk)
                if show:
                    print(f"  [{chunk['event']}] step {chunk['step']}: {chunk['message']}"[:110])
            elif "__interrupt__" in chunk:
                asked.extend(i.value for i in chunk["__interrupt__"])
        if not asked:
            break
        question = asked[0]
        questions.append(question)
        refuse = reject_payment and "pay" in question["reason"]
        if show:
            print(f"? {question['description']} ({question['reason']}): {'reject' if refuse else 'approve'}")
        payload = Command(
            resume={"decision": "reject", "reason": "not today"} if refuse else {"decision": "approve"}
        )
    final = await graph.aget_state(config)
    return dict(final.values), questions, events


async def main(reject_payment: bool = False) -> str:
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    from anyres_agent.agent.demo_site import serve_demo_site
    from anyres_agent.agent.graph.registry import GuiSession
    from anyres_agent.environments.browser import BrowserEnvironment
    from anyres_agent.model.backends import ScriptedBackend
    from anyres_agent.model.families import get_family

    family = get_family("qwen25vl")
    with serve_demo_site() as site, tempfile.TemporaryDirectory() as folder:

        async def open_session(thread_id: str) -> GuiSession:
            env = await BrowserEnvironment.launch(site.url)
            return GuiSession(
                env=env,
                backend=ScriptedBackend(JobScript(env, family)),
                family=family,
                config=AgentConfig(record_dir=Path(folder) / "runs"),
                secrets={"DEMO_PW": DEMO_PASSWORD},
            )

        async with (
            SessionRegistry(open_session) as sessions,
            AsyncSqliteSaver.from_conn_string(str(Path(folder) / "checkpoints.sqlite")) as saver,
        ):
            graph = build_job_graph(sessions, saver)
            final, _, _ = await run_job(graph, "job-1", reject_payment=reject_payment, show=True)
        for result in final["gui_results"]:
            task, status, steps = result["task"][:60], result["status"], result["steps"]
            print(f"- {task}...: {status} in {steps} steps ({result['reason']})")
        print(final["verdict"])
        return str(final["verdict"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reject-payment", action="store_true", help="decline the click on Pay")
    asyncio.run(main(parser.parse_args().reject_payment))
