"""Budgets, the budget warning, loop detection on real pixels, and risk classification."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.guards import (
    LoopTracker,
    Usage,
    assess_risk,
    budget_exhausted,
    budget_warning,
    changed_fraction,
    thumbnail,
)
from anyres_agent.environments.base import Target
from anyres_agent.tools import CallUser, Click, Finish, Scroll, Type


def _screen(checked: bool = False, typed: str = "") -> Image.Image:
    image = Image.new("RGB", (1280, 720), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 100, 113, 113), outline="black", fill="black" if checked else "white")
    draw.text((200, 100), typed, fill="black", font=ImageFont.load_default(size=16))  # UI-sized text
    return image


def test_budgets_stop_and_warn_before_they_run_out() -> None:
    config = AgentConfig(max_steps=10, max_seconds=100, max_tokens=1000, budget_warning_fraction=0.8)
    assert budget_exhausted(Usage(steps=9, seconds=10, tokens=10), config) is None
    assert "step budget" in (budget_exhausted(Usage(steps=10), config) or "")
    assert "time budget" in (budget_exhausted(Usage(seconds=100), config) or "")
    assert "token budget" in (budget_exhausted(Usage(tokens=1000), config) or "")
    assert budget_warning(Usage(steps=2), config) is None
    warning = budget_warning(Usage(steps=8), config) or ""
    assert "2 steps left" in warning and "success=false" in warning


def test_thumbnails_see_a_checkbox_but_not_noise_free_sameness() -> None:
    same = changed_fraction(thumbnail(_screen()), thumbnail(_screen()))
    toggled = changed_fraction(thumbnail(_screen()), thumbnail(_screen(checked=True)))
    typed = changed_fraction(thumbnail(_screen()), thumbnail(_screen(typed="hello world")))
    config = AgentConfig()
    assert same == 0.0
    assert toggled > config.change_threshold
    assert typed > config.change_threshold


def test_repeated_action_without_change_is_nudged_then_stopped() -> None:
    config = AgentConfig(loop_nudge_after=2, loop_stop_after=3)
    tracker = LoopTracker()
    thumb = thumbnail(_screen())
    verdicts = [tracker.check([Click(x=300 + i, y=200)], thumb, config).verdict for i in range(4)]
    assert verdicts == ["ok", "ok", "nudge", "stop"]  # within a few pixels counts as the same click


def test_repeats_that_change_the_screen_are_not_a_loop() -> None:
    config = AgentConfig(loop_nudge_after=1, loop_stop_after=2)
    tracker = LoopTracker()
    for i in range(5):
        verdict = tracker.check([Scroll(dy=300)], thumbnail(_screen(typed="line " * i)), config)
        assert verdict.verdict == "ok"


def test_risky_actions_are_named() -> None:
    keywords = AgentConfig().risk_keywords
    assert assess_risk(Click(x=1, y=1), thought="Click the Pay $42.00 button", keywords=keywords) == (
        "thought mentions 'pay'"
    )
    assert assess_risk(Click(x=1, y=1), thought="Click Delete account", keywords=keywords)
    assert assess_risk(Click(x=1, y=1), thought="Open the payroll page", keywords=keywords) is None
    assert assess_risk(Type(text="{{secret:PW}}"), keywords=keywords) == "types a secret"
    password = Target(description='field "Password"', field="password")
    assert assess_risk(Type(text="abc"), target=password, keywords=keywords)
    assert assess_risk(CallUser(message="solve the captcha"), keywords=keywords)
    assert assess_risk(Finish(message="I will not pay"), thought="pay", keywords=keywords) is None


def test_screens_are_compared_only_when_an_action_repeats() -> None:
    config = AgentConfig()
    tracker = LoopTracker()
    made: list[str] = []

    def screen(name: str):
        def make() -> bytes:
            made.append(name)
            return thumbnail(_screen())

        return make

    tracker.check([Click(x=10, y=10)], screen("one"), config, previous=None)
    tracker.check([Click(x=500, y=10)], screen("two"), config, previous=screen("one"))
    assert made == []  # different actions: no pixels touched
    tracker.check([Click(x=500, y=10)], screen("three"), config, previous=screen("two"))
    assert made == ["two", "three"]
