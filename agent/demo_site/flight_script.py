"""The scripted 'model' of the flight-booking demo: it reads the live page and answers in a family's
own format, one action per step, from the shop's front page to the booking confirmation.

Like every agent.demo_site.page_script it is not a model: it looks at the DOM, which a real model never
sees, and computes coordinates from element geometry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from anyres_agent.agent.demo_site.page_script import PageScript
from anyres_agent.model.families.base import Family
from anyres_agent.tools import Action, Click, Finish, Key, Type

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip

STATE_JS = """() => {
  const value = id => (document.getElementById(id) || {}).value || '';
  const calendar = document.getElementById('calendar');
  const results = document.getElementById('results');
  return {
    page: location.pathname.split('/').pop() || 'index.html',
    focused: document.activeElement ? document.activeElement.id : '',
    from: value('from'), to: value('to'), date: value('date'),
    name: value('passenger-name'), email: value('passenger-email'),
    calendarOpen: !!calendar && !calendar.hidden,
    calendarTitle: (document.getElementById('cal-title') || {}).textContent || '',
    results: !!results && !results.hidden,
    prices: [...document.querySelectorAll('.flight')]
      .map(f => [f.id, +f.querySelector('.price').textContent.slice(1)]),
    booking: window.demoBooking || null,
  };
}"""


def day_text(day: dt.date) -> str:
    """How the demo airline writes a date ('12 June 2026')."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def next_month_day(today: dt.date | None = None, day: int = 12) -> dt.date:
    """The `day`th of next month: always inside the demo calendar, which starts at this month."""
    today = today or dt.date.today()
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return dt.date(year, month, day)


def flight_task(origin: str, destination: str, day: dt.date, name: str, email: str) -> str:
    return f"Book the cheapest flight from {origin} to {destination} on {day_text(day)} for {name} ({email})."


class FlightScript(PageScript):
    """Books the cheapest flight for one passenger on the bundled demo airline."""

    def __init__(
        self, env: Any, family: Family, *, origin: str = "Paris", destination: str = "Rome",
        day: dt.date | None = None, name: str = "Ada Lovelace", email: str = "ada@example.com",
    ) -> None:  # fmt: skip
        super().__init__(env, family)
        self.origin, self.destination = origin, destination
        self.day = day or next_month_day()
        self.name, self.email = name, email

    @property
    def task(self) -> str:
        return flight_task(self.origin, self.destination, self.day, self.name, self.email)

    async def click(self, selector: str, thought: str) -> tuple[list[Action], str]:
        x, y = await self.center(selector)
        return [Click(x=x, y=y)], thought

    async def fill(
        self, state: dict[str, Any], field: str, key: str, value: str, what: str
    ) -> tuple[list[Action], str] | None:
        """The next action to make the field `field` hold `value`; None once it does."""
        if state[key] == value:
            return None
        if state["focused"] != field:
            return await self.click(f"#{field}", f"Click the {what} field.")
        if state[key]:
            return [Key(keys=["ctrl", "a"])], f"Select the old {what} to replace it."
        return [Type(text=value)], f"Type the {what}."

    async def next_step(self) -> tuple[list[Action], str]:
        state = await self.env.page.evaluate(STATE_JS)
        page = state["page"]
        if page == "booked.html" and state["booking"]:
            reference = state["booking"]["reference"]
            return [
                Finish(success=True, message=f"Booked, reference {reference}.")
            ], "The booking is confirmed."
        if page == "passenger.html":
            for field, key, value, what in (
                ("passenger-name", "name", self.name, "passenger's name"),
                ("passenger-email", "email", self.email, "passenger's email"),
            ):
                step = await self.fill(state, field, key, value, what)
                if step is not None:
                    return step
            return await self.click("#confirm", "Confirm the booking.")
        if page != "flights.html":
            return await self.click("#nav-flights", "Open the flight booking page.")
        if state["results"]:
            cheapest = min(state["prices"], key=lambda pair: pair[1])
            return await self.click(
                f"#{cheapest[0]} .select", f"Select the cheapest flight (€{cheapest[1]})."
            )
        for field, value, what in (
            ("from", self.origin, "departure city"),
            ("to", self.destination, "destination"),
        ):
            step = await self.fill(state, field, field, value, what)
            if step is not None:
                return step
        wanted = day_text(self.day)
        if state["date"] != wanted:
            if not state["calendarOpen"]:
                return await self.click("#date", "Open the date picker.")
            month = f"{MONTHS[self.day.month - 1]} {self.day.year}"
            if state["calendarTitle"] != month:
                return await self.click("#cal-next", "Show the next month.")
            return await self.click(f'#cal-days .day[data-day="{self.day.day}"]', f"Pick {wanted}.")
        return await self.click("#find", "Search for flights.")
