"""The agent on the test's own pytest-playwright page, with the project's custom tool: it buys a mug
through the browser (a person approves placing the order) and reports the order's status from the
order system."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shop_checks.order_tools import order_tools
from shop_checks.script import ShopScript
from shop_checks.shop import Shop

from anyres_agent import Agent, AgentConfig, ScriptedBackend, get_family
from anyres_agent.agent.guards import ConfirmationRequest, Decision
from anyres_agent.agent.trajectory import read_trajectory


def test_the_agent_buys_a_mug_on_my_page_and_reports_its_status(
    page: Any, shop: Shop, tmp_path: Path
) -> None:
    page.goto("/")
    calls = len(shop.api_calls)
    before = set(shop.orders)
    family = get_family("uitars15")
    script = ShopScript(None, family)
    asked: list[ConfirmationRequest] = []

    def confirm(request: ConfirmationRequest) -> Decision:
        asked.append(request)
        return Decision.approve()

    agent = Agent(
        page, ScriptedBackend(script), family, AgentConfig(max_steps=15, record_dir=tmp_path / "run"),
        confirm=confirm, tools=order_tools(shop.url),
    )  # fmt: skip
    script.env = agent.env  # the stand-in model reads the page the agent drives
    result = agent.run_sync(
        "Buy a blue mug as Ada Lovelace (ada@example.com), then tell me the order's status."
    )
    assert result.status == "success", result.reason
    (new,) = set(shop.orders) - before  # exactly one order placed, whatever other tests placed
    assert result.answer == f"Order {new} is processing."
    assert (shop.orders[new]["name"], shop.orders[new]["items"]) == ("Ada Lovelace", ["blue"])
    # the default risk keywords, read from what each click lands on: going to the checkout and placing
    # the order both ask a person first
    assert [r.reason for r in asked] == [
        f"the click lands on link \"Checkout\" at {shop.url}/ (mentions 'checkout')",
        f"the click lands on button \"Place order\" at {shop.url}/checkout (mentions 'place order')",
    ]
    assert shop.api_calls[calls:] == [f"/api/orders/{new}"]  # the custom tool asked the order system
    assert not page.is_closed()  # the agent never closes a page it did not open
    tools_used = [p.action.type for s in read_trajectory(tmp_path / "run").steps for p in s.actions]
    assert "tool" in tools_used


def test_a_question_about_an_order_is_answered_by_the_tool_alone(page: Any, shop: Shop) -> None:
    page.goto("/")
    family = get_family("qwen25vl")
    script = ShopScript(None, family)
    agent = Agent(page, ScriptedBackend(script), family, tools=order_tools(shop.url))
    script.env = agent.env
    result = agent.run_sync("What is the status of order A-1001?")
    assert (result.status, result.answer, result.steps) == ("success", "Order A-1001 is shipped.", 2)
