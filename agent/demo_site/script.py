"""The scripted 'model' of the sign-up demo (`agent demo --scenario signup`): it reads the live page
and answers in a family's own format (see agent.demo_site.page_script: it is not a model).
"""

from __future__ import annotations

from typing import Any

from anyres_agent.agent.demo_site.page_script import PageScript
from anyres_agent.model.families.base import Family
from anyres_agent.tools import Action, Click, Finish, Type

STATE_JS = """() => ({
  url: location.pathname,
  focused: document.activeElement ? document.activeElement.id : '',
  name: (document.getElementById('name') || {}).value || '',
  email: (document.getElementById('email') || {}).value || '',
  plan: (document.getElementById('plan') || {}).value || '',
  agree: !!(document.getElementById('agree') || {}).checked,
  modal: (document.getElementById('terms-modal') || {style: {}}).style.display === 'block',
})"""


class DemoScript(PageScript):
    """Fills the demo sign-up form one action per step, then finishes with success."""

    def __init__(
        self,
        env: Any,
        family: Family,
        *,
        name: str = "Ada Lovelace",
        email: str = "ada@example.com",
        plan: str = "pro",
    ) -> None:
        super().__init__(env, family)
        self.values = {"name": name, "email": email}
        self.plan = plan

    @property
    def task(self) -> str:
        name, email = self.values["name"], self.values["email"]
        return f"Create an account for {name} ({email}) on the {self.plan.title()} plan."

    async def option_center(self, value: str) -> tuple[int, int]:
        """Options of a listbox <select> have no box of their own: split the select's box by rows."""
        select = await self.env.page.locator("#plan").bounding_box()
        values = await self.env.page.eval_on_selector_all("#plan option", "os => os.map(o => o.value)")
        if select is None or value not in values:
            raise RuntimeError(f"the demo page has no plan option {value!r}")
        row = select["height"] / len(values)
        return round(select["x"] + select["width"] / 2), round(
            select["y"] + row * (values.index(value) + 0.5)
        )

    async def next_step(self) -> tuple[list[Action], str]:
        state = await self.env.page.evaluate(STATE_JS)
        if state["url"].endswith("welcome.html"):
            return [Finish(success=True, message="The account was created.")], "The welcome page is showing."
        if state["modal"]:
            x, y = await self.center("#terms-close")
            return [Click(x=x, y=y)], "A dialog covers the form; close it."
        for field in ("name", "email"):
            if not state[field]:
                if state["focused"] != field:
                    x, y = await self.center(f"#{field}")
                    return [Click(x=x, y=y)], f"Click the {field} field."
                return [Type(text=self.values[field])], f"Type the {field}."
        if state["plan"] != self.plan:
            x, y = await self.option_center(self.plan)
            return [Click(x=x, y=y)], f"Choose the {self.plan} plan in the list."
        if not state["agree"]:
            x, y = await self.center("#agree")
            return [Click(x=x, y=y)], "Tick the terms checkbox."
        x, y = await self.center("#submit")
        return [Click(x=x, y=y)], "Click Create account."
