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
from click_geometry import chance, clicks_of, deserved, hit_maps

from anyres_agent.agent.eval.miniwob import MiniWoBSuite
from anyres_agent.agent.eval.models import ModelChoice, ModelProvider
from anyres_agent.agent.eval.oracle import SUPPORTED_TASKS
from anyres_agent.agent.eval.protocol import Protocol, Selection
from anyres_agent.agent.eval.results import EpisodeResult
from anyres_agent.agent.eval.study import Scale, run_study

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


@pytest.mark.slow
def test_the_random_clicker_scores_chance(
    arun: Run, chromium: Any, miniwob: MiniWoBSuite, tmp_path: Path
) -> None:
    """click-test-2: button ONE gives +1, TWO gives -1, anything else nothing. From each seed's own
    page, the chance that uniform clicks hit ONE before TWO within L steps is p1/(p1+p2) *
    (1 - (1 - p1 - p2)^L), p1 and p2 being the buttons' shares of the screen's pixels."""
    steps, seeds = 5, range(32)
    results = _study(arun, miniwob, ["click-test-2"], seeds, "random", "qwen25vl", tmp_path, max_steps=steps)
    maps = arun(hit_maps(chromium, miniwob, seeds))
    expected = variance = 0.0
    for result in results:
        hits = maps[result.seed]
        p = chance(hits, steps)
        expected, variance = expected + p, variance + p * (1 - p)
        clicks = clicks_of(tmp_path, result)  # and this episode's reward is the one its clicks earned
        assert result.raw_reward == deserved(hits, clicks), (result.seed, clicks, result.reason)
        assert result.steps == len(clicks) and (result.page_done or len(clicks) == steps)
    successes = sum(r.success for r in results)
    assert abs(successes - expected) <= 3 * math.sqrt(variance) + 1, (successes, expected)
