"""What a click on each pixel of a click-test-2 episode earns (+1 on ONE, -1 on TWO, 0 elsewhere),
read from that seed's own page, and the reward an episode's recorded clicks therefore deserve."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from anyres_agent.agent.eval.miniwob import MiniWoBSuite
from anyres_agent.agent.eval.protocol import Protocol
from anyres_agent.agent.eval.results import EpisodeResult
from anyres_agent.agent.trajectory import read_trajectory
from anyres_agent.environments.browser import BrowserEnvironment

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


async def hit_maps(browser: Any, suite: MiniWoBSuite, seeds: Iterable[int]) -> dict[int, list[list[int]]]:
    """One grid per seed, each from `Math.seedrandom(seed)` and a new episode on one page (the layout
    depends only on the seed, as on a freshly loaded page)."""
    env = await BrowserEnvironment.from_browser(browser, suite.url("click-test-2"), viewport=(160, 210))
    width, height = suite.viewport("click-test-2")
    maps: dict[int, list[list[int]]] = {}
    try:
        for seed in seeds:
            await suite.start(env, "click-test-2", seed, Protocol())
            grid = [[0] * width for _ in range(height)]
            for x, y, value in await env.page.evaluate(HIT_MAP_JS):
                grid[y][x] = value
            maps[seed] = grid
        return maps
    finally:
        await env.close()


def clicks_of(out: Path, result: EpisodeResult) -> list[tuple[int, int]]:
    """The screen points the episode really clicked, from its recorded trajectory."""
    assert result.report is not None, result
    trajectory = read_trajectory(out / Path(result.report).parent)
    return [
        (a.action.x, a.action.y)
        for s in trajectory.steps
        for a in s.actions
        if a.executed and a.action.type == "click"
    ]


def deserved(hits: list[list[int]], clicks: list[tuple[int, int]]) -> float:
    """The raw reward of the first click that reached a button; 0 when none did."""
    return float(next((hits[y][x] for x, y in clicks if hits[y][x] != 0), 0))


def chance(hits: list[list[int]], steps: int) -> float:
    """P(ONE before TWO within `steps` uniform clicks) = p1/(p1+p2) * (1 - (1 - p1 - p2)^steps)."""
    cells = [c for row in hits for c in row]
    p1, p2 = cells.count(1) / len(cells), cells.count(-1) / len(cells)
    return p1 / (p1 + p2) * (1 - (1 - p1 - p2) ** steps)
