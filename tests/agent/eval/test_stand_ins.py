"""The harness checks itself without weights: the DOM oracle must score 100 % through the real loop
(family text, parser, frame, Chromium, reward reading), and the random clicker must score what the
page geometry says chance is, with every episode's reward the one its clicks deserved."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from agent_fakes import Run

from anyres_agent.agent.eval.miniwob import MiniWoBSuite
from anyres_agent.agent.eval.models import ModelChoice, ModelProvider
from anyres_agent.agent.eval.oracle import SUPPORTED_TASKS
from anyres_agent.agent.eval.protocol import Protocol, Selection
from anyres_agent.agent.eval.results import EpisodeResult
from anyres_agent.agent.eval.study import Scale, run_study
from anyres_agent.agent.trajectory import read_trajectory
from anyres_agent.environments.browser import BrowserEnvironment

SINGLE_SCREEN = [t for t in SUPPORTED_TASKS if t != "book-flight"]


def _study(
    arun: Run, suite: MiniWoBSuite, tasks: list[str], seeds: range, model: str, family: str, out: Path,
    **protocol: Any,
) -> list[EpisodeResult]:  # fmt: skip
    provider = ModelProvider(ModelChoice(model=model, family=family))
    provider.open()
    outcome = arun(
        run_study(
            suite, Selection(suite="miniwob", tasks=tuple(tasks), seeds=tuple(seeds)), Protocol(**protocol),
            provider, out, Scale(workers=2),
        )
    )  # fmt: skip
    return outcome.results


@pytest.mark.slow
def test_the_oracle_solves_every_single_screen_task(arun: Run, miniwob: MiniWoBSuite, tmp_path: Path) -> None:
    family = "uitars15"
    results = _study(arun, miniwob, SINGLE_SCREEN, range(2), "oracle", family, tmp_path, max_steps=12)
    failed = [(r.task, r.seed, r.reason, r.run_reason) for r in results if not r.success]
    assert len(results) == 2 * len(SINGLE_SCREEN) and not failed
    assert all(r.raw_reward > 0 and r.page_done and r.harness == "finished" for r in results)
    study = json.loads((tmp_path / "study.json").read_text())
    assert study["model"]["stand_in"] is True and study["model"]["family"] == family


@pytest.mark.slow
def test_the_oracle_books_the_flight(arun: Run, miniwob: MiniWoBSuite, tmp_path: Path) -> None:
    """book-flight takes autocomplete, a date picker, a results list to scroll and a choice by price or
    duration: 15-20 steps on the real page, each one parsed from qwen2vl's 0-1000 text."""
    results = _study(arun, miniwob, ["book-flight"], range(2), "oracle", "qwen2vl", tmp_path, max_steps=40)
    assert [r.success for r in results] == [True] * 2, [r.reason for r in results]
    assert all(12 <= r.steps <= 30 for r in results)


HIT_MAP_JS = """() => {
  const correct = document.getElementById('subbtn'), wrong = document.getElementById('subbtn2');
  const hits = [];  // [x, y, +1 or -1] for each pixel a click on which reaches a button
  for (const button of [correct, wrong]) {
    const r = button.getBoundingClientRect();
    for (let y = Math.floor(r.top); y < Math.ceil(r.bottom); y++) {
      for (let x = Math.floor(r.left); x < Math.ceil(r.right); x++) {
        const t = document.elementFromPoint(x, y);
        if (t === button || button.contains(t)) hits.push([x, y, button === correct ? 1 : -1]);
      }
    }
  }
  return hits;
}"""


async def _hit_map(browser: Any, suite: MiniWoBSuite, seed: int) -> list[list[int]]:
    """What a click on each pixel of click-test-2 does for this seed: +1, -1 or nothing."""
    env = await BrowserEnvironment.from_browser(browser, suite.url("click-test-2"), viewport=(160, 210))
    try:
        await suite.start(env, "click-test-2", seed, Protocol())
        width, height = suite.viewport("click-test-2")
        grid = [[0] * width for _ in range(height)]
        for x, y, value in await env.page.evaluate(HIT_MAP_JS):
            grid[y][x] = value
        return grid
    finally:
        await env.close()


@pytest.mark.slow
def test_the_random_clicker_scores_chance(
    arun: Run, chromium: Any, miniwob: MiniWoBSuite, tmp_path: Path
) -> None:
    """click-test-2: button ONE gives +1, TWO gives -1, anything else nothing. From each seed's own
    page, the chance that uniform clicks hit ONE before TWO within L steps is p1/(p1+p2) *
    (1 - (1 - p1 - p2)^L), p1 and p2 being the buttons' shares of the screen's pixels."""
    steps, seeds = 5, range(32)
    results = _study(arun, miniwob, ["click-test-2"], seeds, "random", "qwen25vl", tmp_path, max_steps=steps)
    expected = variance = 0.0
    for result in results:
        hits = arun(_hit_map(chromium, miniwob, result.seed))
        cells = [c for row in hits for c in row]
        p1, p2 = cells.count(1) / len(cells), cells.count(-1) / len(cells)
        chance = p1 / (p1 + p2) * (1 - (1 - p1 - p2) ** steps)
        expected += chance
        variance += chance * (1 - chance)
        # and this episode's reward is the one its own clicks earned
        trajectory = read_trajectory(tmp_path / (result.report or "").removesuffix("/report.html"))
        clicks = [(a.action["x"], a.action["y"]) for s in trajectory.steps for a in s.actions]
        first = next((hits[y][x] for x, y in clicks if hits[y][x] != 0), 0)
        assert result.raw_reward == first, (result.seed, clicks, result.reason)
        assert result.steps == (
            steps if first == 0 else 1 + next(i for i, (x, y) in enumerate(clicks) if hits[y][x])
        )
    successes = sum(r.success for r in results)
    assert abs(successes - expected) <= 3 * math.sqrt(variance) + 1, (successes, expected)
