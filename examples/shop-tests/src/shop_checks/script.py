"""A scripted stand-in for the model, so the project's graph and tests run anywhere (CI has no GPU).

It reads the live page (which a real model never sees) and the prompt, picks the next step, and
answers in the model family's own output format, so everything downstream runs for real: parsing,
custom tool calls, guards, the browser, the trajectory. Set ANYRES_MODEL / ANYRES_ENDPOINT to run the
same graph on a served model instead (see graph.py).
"""

# ruff: noqa: E501  (the page's HTML and JavaScript read better unwrapped)

from __future__ import annotations

import re
from typing import Any

from anyres_agent.model.conversation import ModelRequest
from anyres_agent.tools import Action, Answer, Click, ToolCall, Type

PAGE_JS = """() => ({
  path: location.pathname,
  count: Number((document.getElementById('count') || {}).textContent || 0),
  focused: document.activeElement ? document.activeElement.id : '',
  name: (document.getElementById('name') || {}).value || '',
  email: (document.getElementById('email') || {}).value || '',
  done: (document.getElementById('done') || {hidden: true}).hidden ? '' : document.getElementById('done').textContent,
})"""
ORDER = re.compile(r"\bA-\d{4}\b")
TOOL_RESULT = re.compile(r"lookup_order\(order_id='(A-\d{4})'\): returned (order A-\d{4} is \w+)")
TASK = re.compile(r"(?:## User Instruction\n|Task: )(.+)")
"""Where a family's prompt states the task inside a longer text (UI-TARS, the others); Qwen2.5-VL's
official computer-use prompt sends the task alone as the first user message's text."""


class ShopScript:
    """Buys what the task names as the person it names, then looks the order up and reports it; or,
    for a question about an order number, just looks it up."""

    def __init__(
        self, env: Any, family: Any, *, name: str = "Ada Lovelace", email: str = "ada@example.com"
    ) -> None:
        self.env, self.family = env, family
        self.values = {"name": name, "email": email}

    async def center(self, selector: str) -> tuple[int, int]:
        box = await self.env.page.locator(selector).bounding_box()
        if box is None:
            raise RuntimeError(f"the shop page shows no {selector}")
        return round(box["x"] + box["width"] / 2), round(box["y"] + box["height"] / 2)

    async def next_step(self, prompt: str, first_user_text: str = "") -> tuple[list[Action], str]:
        told = TOOL_RESULT.search(prompt)
        if told:
            status = told.group(2)
            return [Answer(text=status[0].upper() + status[1:] + ".")], "The order system answered."
        found = TASK.search(prompt)
        task = found.group(1) if found else first_user_text
        asked = ORDER.search(task) if "buy" not in task.lower() else None
        if asked:
            return [
                ToolCall(name="lookup_order", arguments={"order_id": asked.group()})
            ], "Ask the order system."
        page = await self.env.page.evaluate(PAGE_JS)
        if page["done"]:
            order = ORDER.search(page["done"])
            assert order is not None, page["done"]
            return [
                ToolCall(name="lookup_order", arguments={"order_id": order.group()})
            ], "Check the new order."
        if page["path"] == "/":
            if page["count"] == 0:
                x, y = await self.center("#add-blue")
                return [Click(x=x, y=y)], "Add the blue mug to the cart."
            x, y = await self.center("#checkout")
            return [Click(x=x, y=y)], "Go to the checkout."
        for field in ("name", "email"):
            if not page[field]:
                if page["focused"] != field:
                    x, y = await self.center(f"#{field}")
                    return [Click(x=x, y=y)], f"Click the {field} field."
                return [Type(text=self.values[field])], f"Type the {field}."
        x, y = await self.center("#place")
        return [Click(x=x, y=y)], "Place order."

    async def __call__(self, request: ModelRequest) -> str:
        assert request.frame is not None, "the loop sends the frame of the newest screenshot"
        prompt = "\n".join(m.plain_text() for m in request.messages)
        users = [m.plain_text() for m in request.messages if m.role == "user"]
        actions, thought = await self.next_step(prompt, users[0] if users else "")
        return self.family.render(actions, request.frame, thought=thought)
