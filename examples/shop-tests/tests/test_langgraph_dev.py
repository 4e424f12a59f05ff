"""`langgraph dev` (the CLI from PyPI) serves the project's graph on loopback; the LangGraph SDK drives
a run through the server's HTTP API: the agent buys a mug in the shop, a person approves the risky
steps through interrupts in LangChain's human-in-the-loop format, and the custom tool reports the
order's status. The dev server refuses blocking I/O in the graph's nodes (it is not started with
--allow-blocking), so this also shows that none happens."""

from __future__ import annotations

import base64
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from langgraph_sdk import get_sync_client
from shop_checks.shop import Shop

PROJECT = Path(__file__).resolve().parent.parent
TASK = "Buy a blue mug as Ada Lovelace (ada@example.com), then tell me the order's status."


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path, timeout: float = 180) -> str:
    """The server's URL once it answers. The port was only probed free, so another process may hold it
    by now: `langgraph dev` then serves on another port, which its log names."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"langgraph dev exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        moved = re.search(r"already in use, using port (\d+) instead", log.read_text(errors="replace"))
        url = f"http://127.0.0.1:{moved.group(1)}" if moved else url
        try:
            if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                return url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"langgraph dev did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def _drive(url: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Start the run, answer each interrupt with an approval, return the questions and the result.
    (The SDK's sync client: pytest-playwright's sync Playwright owns this thread's event loop.)"""
    client = get_sync_client(url=url)
    thread = client.threads.create()
    config = {"configurable": {"max_steps": 15}}  # this run's own budget, through the graph's config
    client.runs.wait(
        thread["thread_id"], "shop_agent", input={"task": TASK}, config=config, durability="sync"
    )
    questions: list[dict[str, Any]] = []
    for _ in range(5):
        state = client.threads.get_state(thread["thread_id"])
        if not state["interrupts"]:
            return questions, dict(state["values"])
        questions.append(state["interrupts"][0]["value"])
        approve = {"resume": {"decisions": [{"type": "approve"}]}}
        client.runs.wait(thread["thread_id"], "shop_agent", command=approve, durability="sync")
    raise AssertionError(f"still interrupted after {len(questions)} approvals")


def test_langgraph_dev_serves_the_shop_agent(shop: Shop, tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "langgraph-dev.log"
    env = {
        **os.environ,
        "SHOP_URL": shop.url,
        "SHOP_RUNS": str(tmp_path / "runs"),
        "LANGSMITH_TRACING": "false",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("ANYRES_ENDPOINT", None)  # the scripted stand-in, whatever the developer's shell says
    env.pop("ANYRES_MODEL", None)
    before = set(shop.orders)
    command = [
        str(Path(sys.executable).parent / "langgraph"), "dev", "--host", "127.0.0.1", "--port", str(port),
        "--no-browser", "--no-reload", "--config", str(PROJECT / "langgraph.json"),
    ]  # fmt: skip
    with log.open("wb") as output:  # the dev server keeps its state in PROJECT/.langgraph_api (ignored)
        server = subprocess.Popen(
            command, cwd=PROJECT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        url = _wait_until_up(url, server, log)
        questions, values = _drive(url)
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and every browser it started
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
    result = values["gui_result"]
    (new,) = set(shop.orders) - before  # exactly one order placed, whatever other tests placed
    assert (result["status"], result["answer"]) == ("success", f"Order {new} is processing."), (
        log.read_text()[-3000:]
    )
    assert shop.orders[new]["name"] == "Ada Lovelace"
    assert values["settings"] == {"max_steps": 15}
    # the questions came as LangChain HITL requests, each with the screen it was asked about as data
    # the risk check judged what each click lands on, not only the model's words
    assert [q["reason"] for q in questions] == [
        f"the click lands on link \"Checkout\" at {shop.url}/ (mentions 'checkout')",
        f"the click lands on button \"Place order\" at {shop.url}/checkout (mentions 'place order')",
    ]
    for question in questions:
        (request,) = question["action_requests"]
        assert request["name"] == "click" and question["review_configs"][0]["allowed_decisions"] == [
            "approve", "edit", "reject"
        ]  # fmt: skip
        assert base64.b64decode(question["screenshot"].split(",", 1)[1])[:3] == b"\xff\xd8\xff"  # a JPEG
    record = Path(result["record_dir"])
    assert (record / "report.html").is_file() and (record / "run.json").is_file()
    assert "BlockingError" not in log.read_text()
