"""A parent LangGraph graph (planner -> GUI node -> verifier) drives real headless Chromium through a
two-part job on the demo site; each risky action stops the graph with an interrupt a person answers."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from PIL import Image

from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.demo_site import DemoSite
from anyres_agent.agent.graph import GuiSession, SessionRegistry
from anyres_agent.agent.graph.example import DEMO_PASSWORD, JobScript, build_job_graph, run_job
from anyres_agent.environments.browser import BrowserEnvironment
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.model.families import get_family

PAGE_STATE = "() => ({url: location.pathname, payment: window.demoPayment || null})"


def _run_the_job(
    arun: Any, chromium: Any, site: DemoSite, folder: Path, *, reject_payment: bool
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    family = get_family("qwen25vl")

    async def open_session(thread_id: str) -> GuiSession:
        env = await BrowserEnvironment.from_browser(chromium, site.url, settle_s=0.05)
        return GuiSession(
            env=env, backend=ScriptedBackend(JobScript(env, family)), family=family,
            config=AgentConfig(record_dir=folder / "runs"), secrets={"DEMO_PW": DEMO_PASSWORD},
        )  # fmt: skip

    async def scenario() -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
        async with (
            SessionRegistry(open_session) as sessions,
            AsyncSqliteSaver.from_conn_string(str(folder / "checkpoints.sqlite")) as saver,
        ):
            graph = build_job_graph(sessions, saver, close_when_done=False)  # keep the page to inspect it
            final, questions, events = await run_job(graph, "job-1", reject_payment=reject_payment)
            page = await (await sessions.get("job-1")).env.page.evaluate(PAGE_STATE)
        return final, questions, events, page

    return arun(scenario())


REASONS = [
    "the click lands on link \"Go to checkout\" at SITE/welcome.html (mentions 'checkout')",
    "types a secret",
    "the click lands on button \"Pay $42.00\" at SITE/checkout.html (mentions 'pay')",
]


def _reasons(questions: list[dict[str, Any]], site: DemoSite) -> list[str]:
    return [q["reason"].replace(site.url.rstrip("/"), "SITE") for q in questions]


def test_the_planner_splits_the_job_and_approved_interrupts_let_the_gui_node_pay(
    arun: Any, chromium: Any, demo_site: DemoSite, tmp_path: Path
) -> None:
    final, questions, events, page = _run_the_job(arun, chromium, demo_site, tmp_path, reject_payment=False)
    signup, payment = final["gui_results"]
    assert signup["task"].startswith("Create an account") and payment["task"].startswith("Go to checkout")
    assert (signup["status"], payment["status"]) == ("success", "success"), final["gui_results"]
    assert final["subtasks"] == [] and final["verdict"] == "done: 2 screen tasks succeeded"
    assert page == {"url": "/checkout.html", "payment": {"holder": "Ada Lovelace", "passwordLength": 21}}
    # the person saw each risky action as plain JSON, with the screenshot the model was looking at
    # the guard judges what each click lands on: the checkout link and the Pay button name risk words
    assert _reasons(questions, demo_site) == REASONS
    assert questions[1]["action"] == {"type": "type", "text": "{{secret:DEMO_PW}}"}
    # the screen travels as data (a server's file path means nothing to the person answering)
    for question in questions:
        picture = Image.open(io.BytesIO(base64.b64decode(question["screenshot"].split(",", 1)[1])))
        assert question["screenshot"].startswith("data:image/jpeg;base64,")
        assert picture.width == 1280 and abs(picture.height - 728 * 1280 / 1288) < 1  # the 1288x728 screen
    json.dumps(questions)
    # per-step events streamed through the parent graph's custom stream
    kinds = [e["event"] for e in events]
    assert kinds.count("run_started") == 2 and kinds.count("run_finished") == 2
    assert kinds.count("step") == signup["steps"] + payment["steps"]
    for result in (signup, payment):
        assert (Path(result["record_dir"]) / "report.html").is_file()
    # checkpoints and trajectories hold the placeholder, never the password
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert DEMO_PASSWORD.encode() not in path.read_bytes(), path


def test_a_rejected_payment_is_never_clicked_and_the_verifier_sees_the_failure(
    arun: Any, chromium: Any, demo_site: DemoSite, tmp_path: Path
) -> None:
    final, questions, _, page = _run_the_job(arun, chromium, demo_site, tmp_path, reject_payment=True)
    signup, payment = final["gui_results"]
    assert signup["status"] == "success"
    assert payment["status"] == "failure" and payment["reason"] == "Not paid."
    assert _reasons(questions, demo_site) == REASONS
    assert page["payment"] is None  # the Pay click never reached the page
    assert final["verdict"].startswith("failed: 'Go to checkout")


@pytest.mark.parametrize("missing", ["task", "subtasks"])
def test_the_gui_node_says_what_it_needs_when_the_state_has_no_task(missing: str) -> None:
    from anyres_agent.agent.graph import GuiAgentNode

    node = GuiAgentNode(lambda thread_id: None)  # type: ignore[arg-type, return-value]
    with pytest.raises(ValueError, match="set 'task' or a non-empty 'subtasks'"):
        node.next_task({missing: [] if missing == "subtasks" else ""})
    assert node.next_task({"task": "a", "subtasks": ["b", "c"]}) == ("b", ["c"])
    assert node.next_task({"task": "a"}) == ("a", None)
