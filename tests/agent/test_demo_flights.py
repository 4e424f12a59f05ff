"""The demo airline: `agent demo` books the cheapest flight from the shop's front page (scripted, and
saying so), the pages check what they are given, and `agent run --url demo` books it too when the
model behind --endpoint does (a stand-in server answering from the page through a test side channel)."""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from agent_fakes import Run
from standin_model import ChatRequest, LivePages, standin

from anyres_agent.agent.cli import main
from anyres_agent.agent.demo_site import DemoSite, serve_demo_site
from anyres_agent.agent.demo_site.flight_script import FlightScript, day_text, flight_task, next_month_day
from anyres_agent.environments.browser import BrowserEnvironment
from anyres_agent.model.families import get_family


def test_the_airline_pages_fetch_nothing_from_elsewhere() -> None:
    with serve_demo_site() as site:
        for page in ("flights.html", "passenger.html", "booked.html", "flights.js"):
            with urllib.request.urlopen(site.page(page), timeout=5) as response:
                body = response.read().decode()
            assert "http://" not in body and "https://" not in body


@pytest.mark.parametrize("family", ["qwen25vl", "qwen2vl"])
def test_agent_demo_books_the_cheapest_flight(
    family: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--family", family, "--record", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "SCRIPTED DEMO" in err and re.search(r"success: Booked, reference DA\d{6}", err)
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["scripted"] and run["task"] == flight_task("Paris", "Rome", next_month_day(), "Ada Lovelace",
                                                         "ada@example.com")  # fmt: skip
    assert "SCRIPTED RUN" in (tmp_path / "report.html").read_text()


async def _search(env: BrowserEnvironment, origin: str, destination: str, day: int | None) -> dict[str, Any]:
    page = env.page
    await page.fill("#from", origin)
    await page.fill("#to", destination)
    if day is not None:
        await page.click("#date")
        await page.click(f'#cal-days .day[data-day="{day}"]')
    await page.click("#find")
    return await page.evaluate(
        "() => ({error: document.getElementById('error').textContent,"
        " date: document.getElementById('date').value,"
        " prices: [...document.querySelectorAll('.flight .price')].map(p => p.textContent),"
        " prevDisabled: document.getElementById('cal-prev').disabled})"
    )


def test_the_search_checks_its_fields_and_lists_the_same_flights_again(
    arun: Run, chromium: Any, demo_site: DemoSite
) -> None:
    async def main_() -> list[dict[str, Any]]:
        env = await BrowserEnvironment.from_browser(chromium, demo_site.page("flights.html"))
        try:
            found = [await _search(env, "Atlantis", "Rome", None)]
            found.append(await _search(env, "paris", "Rome", 12))
            await env.page.reload()
            found.append(await _search(env, "Paris", "ROME", 12))
            return found
        finally:
            await env.close()

    refused, first, again = arun(main_())
    assert "a departure city we fly from" in refused["error"] and "a departure date" in refused["error"]
    assert refused["prices"] == [] and first["prevDisabled"]  # the calendar starts at this month
    this_month = dt.date.today().replace(day=12)
    assert first["error"] == "" and first["date"] == day_text(this_month) and len(first["prices"]) == 4
    assert again["prices"] == first["prices"]


def test_agent_run_books_a_flight_on_the_demo_when_the_model_does(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The used-by line, literally: `agent run --url demo --task "Book ... flight from ..."`."""
    family = get_family("uitars15")
    pages = LivePages()
    pages.watch(monkeypatch)
    day = next_month_day(day=20)
    task = flight_task("Lisbon", "Vienna", day, "Grace Hopper", "grace@example.com")

    prompts: list[str] = []

    def answer(request: ChatRequest) -> str:
        prompts.append(request.text)
        page = pages.find(request)
        script = FlightScript(page.env, family, origin="Lisbon", destination="Vienna", day=day,
                              name="Grace Hopper", email="grace@example.com")  # fmt: skip
        actions, thought = pages.run(page, script.next_step())
        return family.render(actions, pages.frame(page, family, request.images[-1]), thought=thought)

    with standin(answer) as server:
        code = main(
            [
                "run",
                "--url",
                "demo",
                "--task",
                task,
                "--endpoint",
                server.url,
                "--model",
                "ui-tars-1.5-7b",
                "--record",
                str(tmp_path),
                "--max-steps",
                "30",
            ]
        )
    err = capsys.readouterr().err
    assert code == 0, err
    assert prompts and all(task in text for text in prompts)  # the model was given the user's task
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["status"] == "success" and not run["scripted"]
    assert re.fullmatch(r"Booked, reference DA\d{6}\.", run["answer"])
    steps = sorted((tmp_path / "steps").glob("*.json"))
    first = json.loads(steps[0].read_text())
    assert first["observation"]["url"].endswith("/")  # it started at the shop, not the airline
