"""The guard hook: every planned action passes a list of guards, and the loop's own checks are entries
of that list (loop detection, supported actions, risk), not a parallel path."""

from __future__ import annotations

from pathlib import Path

from agent_fakes import FakeScreen, family, prompt_text, scripted

from anyres_agent.agent.api import Agent
from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.guard_hooks import (
    GuardCheck,
    GuardVerdict,
    LoopGuard,
    RiskGuard,
    SecretScopeGuard,
    SupportedActionsGuard,
    default_guards,
)
from anyres_agent.agent.guards import ConfirmationRequest, Decision
from anyres_agent.agent.trajectory import read_trajectory
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.tools import Click, Finish, Navigate, Type

BUTTONS = {"ok": (40, 40, 160, 80), "delete": (40, 120, 160, 160)}
FAM = family("qwen25vl")


def _press(env: FakeScreen, name: str, thought: str) -> tuple[list[Click], str]:
    x, y = env.center(name)
    return [Click(x=x, y=y)], thought


class NoDeleteButton:
    """A user's guard: never click inside the delete button's box, whatever the model thinks."""

    name = "no_delete"

    def __init__(self, env: FakeScreen) -> None:
        self.box = env.buttons["delete"]
        self.seen: list[GuardCheck] = []

    def check(self, check: GuardCheck) -> GuardVerdict | None:
        self.seen.append(check)
        x1, y1, x2, y2 = self.box
        action = check.action
        if action.type == "click" and x1 <= action.x <= x2 and y1 <= action.y <= y2:
            return GuardVerdict.deny("the delete button is off limits in this workspace")
        return None


def test_the_default_list_is_the_loops_own_checks() -> None:
    env = FakeScreen(dict(BUTTONS))
    agent = Agent(env, ScriptedBackend(["x"]), FAM)
    assert [type(g) for g in agent.guards] == [LoopGuard, SupportedActionsGuard, SecretScopeGuard, RiskGuard]
    assert [g.name for g in default_guards()] == ["loop", "supported", "secret", "risk"]


def test_a_denied_action_is_not_run_and_the_model_is_told_why(tmp_path: Path) -> None:
    env = FakeScreen(dict(BUTTONS))
    guard = NoDeleteButton(env)
    steps = [
        lambda r: _press(env, "delete", "Clean up by pressing delete."),
        lambda r: _press(env, "ok", "Press ok instead."),
        ([Finish()], "done"),
    ]
    backend = ScriptedBackend(scripted(FAM, steps))
    agent = Agent(
        env, backend, FAM, AgentConfig(record_dir=tmp_path / "run"), guards=[*default_guards(), guard]
    )
    result = agent.run_sync("tidy up")
    assert result.status == "success"
    assert env.pressed == ["ok"]  # the denied click never reached the screen
    told = prompt_text(backend.calls[1])
    assert "was not run: the delete button is off limits in this workspace" in told
    first = read_trajectory(tmp_path / "run").steps[0]
    assert first.actions[0].decision == "rejected" and first.actions[0].executed is False
    # the risk guard wanted to ask (the thought says "delete"); the user's deny wins, so nobody is asked
    assert [(d.guard, d.verdict) for d in first.decisions] == [("risk", "ask"), ("no_delete", "deny")]
    # the guard saw the action with the screen and the thought it was planned on
    check = guard.seen[0]
    assert check.observation is not None and check.observation.screenshot.size == (640, 400)
    assert check.thought == "Clean up by pressing delete." and check.index == 0


def test_an_async_guard_can_ask_a_person_and_deny_beats_ask() -> None:
    env = FakeScreen(dict(BUTTONS))
    asked: list[ConfirmationRequest] = []

    async def typing_needs_a_look(check: GuardCheck) -> GuardVerdict | None:
        return GuardVerdict.ask("a reviewer reads everything typed") if check.action.type == "type" else None

    def deny_shouting(check: GuardCheck) -> GuardVerdict | None:
        text = getattr(check.action, "text", "")
        return GuardVerdict.deny("no shouting") if text.isupper() else None

    def confirm(request: ConfirmationRequest) -> Decision:
        asked.append(request)
        return Decision.approve()

    steps = [([Type(text="HELLO")], "shout"), ([Type(text="hello")], "speak"), ([Finish()], "done")]
    backend = ScriptedBackend(scripted(FAM, steps))
    agent = Agent(env, backend, FAM, confirm=confirm, guards=[typing_needs_a_look, deny_shouting])
    assert agent.run_sync("greet").status == "success"
    assert env.typed == ["hello"]  # HELLO was denied (deny wins over ask), hello was asked and approved
    assert [(r.description, r.reason) for r in asked] == [
        ("type(text='hello')", "a reviewer reads everything typed")
    ]


def test_a_guard_can_stop_the_run() -> None:
    env = FakeScreen(dict(BUTTONS))

    def one_click_only(check: GuardCheck) -> GuardVerdict | None:
        return GuardVerdict.stop("the budget for clicks is spent") if check.state.steps_done >= 1 else None

    steps = [lambda r: _press(env, "ok", "press"), lambda r: _press(env, "ok", "press again")]
    agent = Agent(env, ScriptedBackend(scripted(FAM, steps)), FAM, guards=[one_click_only])
    result = agent.run_sync("press ok twice")
    assert (result.status, result.reason) == ("stopped", "the budget for clicks is spent")
    assert env.pressed == ["ok"]


def test_without_the_loop_guard_a_repeated_click_is_not_stopped() -> None:
    """The loop detection is the LoopGuard entry: take it out of the list and it is gone."""
    repeat = [lambda r: ([Click(x=620, y=20)], "click the logo")] * 4
    config = AgentConfig(loop_nudge_after=1, loop_stop_after=2, max_steps=4)
    with_loop = Agent(FakeScreen(dict(BUTTONS)), ScriptedBackend(scripted(FAM, repeat)), FAM, config)
    assert with_loop.run_sync("x").reason.startswith("loop detected")
    without = Agent(
        FakeScreen(dict(BUTTONS)), ScriptedBackend(scripted(FAM, repeat)), FAM, config,
        guards=[SupportedActionsGuard(), RiskGuard()],
    )  # fmt: skip
    assert without.run_sync("x").reason.startswith("step budget reached")


def test_an_action_the_device_cannot_do_is_denied_by_the_supported_guard(tmp_path: Path) -> None:
    env = FakeScreen(dict(BUTTONS))  # clicks, types, keys, scrolls and waits; no navigate
    steps = [([Navigate(url="https://example.com")], "open the site"), ([Finish()], "done")]
    backend = ScriptedBackend(scripted(family("uitars15"), steps))
    result = Agent(env, backend, "uitars15", AgentConfig(record_dir=tmp_path / "run")).run_sync("x")
    assert result.status == "success" and env.executed == []
    assert "was not run: this fake cannot navigate" in prompt_text(backend.calls[1])
    step = read_trajectory(tmp_path / "run").steps[0]
    assert [(d.guard, d.verdict) for d in step.decisions] == [("supported", "deny")]
