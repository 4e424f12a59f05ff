"""A custom tool: the agent looks an order up in the shop's API instead of clicking through pages.

`lookup_order` is registered with the agent like any built-in action: the model sees it in its own
format (a function schema for Qwen2.5-VL, a `lookup_order(order_id='')` line for UI-TARS), its calls
are validated against `OrderQuery`, and the handler runs here, not in the browser.
"""

from __future__ import annotations

import httpx
from pydantic import BaseModel, Field

from anyres_agent.tools import Tool


class OrderQuery(BaseModel):
    order_id: str = Field(pattern=r"^A-\d{4}$", description="the order number, e.g. A-1001")


def order_tools(shop_url: str) -> list[Tool]:
    """The shop's tools, bound to one shop."""

    async def lookup_order(args: OrderQuery) -> str:
        async with httpx.AsyncClient(base_url=shop_url, timeout=10) as client:
            reply = await client.get(f"/api/orders/{args.order_id}")
        if reply.status_code == 404:
            return f"there is no order {args.order_id}"
        reply.raise_for_status()
        order = reply.json()
        return f"order {order['id']} is {order['status']}"

    return [
        Tool(
            "lookup_order", "Look up an order's status in the shop's order system.", OrderQuery, lookup_order
        )
    ]
