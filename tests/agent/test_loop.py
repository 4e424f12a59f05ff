"""The loop's behaviours on an in-memory screen with a real family's parser and prompts."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from agent_fakes import FakeScreen, family, prompt_text, scripted

from anyres_agent.agent.api import Agent
from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.guards import ConfirmationRequest, Decision
from anyres_agent.agent.loop import STEPS, RunState, run_step
from anyres_agent.agent.trajectory import read_trajectory
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.tools import Answer, CallUser, Click, Finish, Type

BUTTONS = {"ok": (40, 40, 160, 80), "pay": (40, 120, 160, 160), "dead": (400, 300, 600, 380)}
FAM = family("qwen25vl")


def _agent(steps: list, tmp_path: Path | None = None, **config: object) -> tuple[Agent, FakeScreen]:
    env = FakeScreen(dict(BUTTONS))
    backend = ScriptedBackend(scripted(FAM, steps))
    record = {"record_dir": tmp_path / "run"} if tmp_path else {}
    return Agent(env, backend, FAM, AgentConfig(**{**record, **config})), env  # type: ignore[arg-type]


def _click(env: FakeScreen, name: str, thought: str = "") -> tuple[list[Click], str]:
    x, y = env.center(name)
    return [Click(x=x, y=y)], thought or f"Click {name}"


def test_a_parse_error_is_fed_back_and_the_model_recovers(tmp_path: Path) -> None:
    env = FakeScreen(dict(BUTTONS))
    backend = ScriptedBackend(
        scripted(
            FAM, ["I think I should click somewhere.", lambda r: _click(env, "ok"), ([Finish()], "done")]
        )
    )
    result = Agent(env, backend, FAM, AgentConfig(record_dir=tmp_path / "run")).run_sync("press ok")
    assert result.status == "success"
    assert env.pressed == ["ok"]
    assert "could not be used" in prompt_text(backend.calls[1])
    step = read_trajectory(tmp_path / "run").steps[0]
    assert [a.parse_error is not None for a in step.attempts] == [True, False]


def test_parse_errors_beyond_the_retry_limit_stop_the_run_cleanly() -> None:
    agent, env = _agent(["nonsense", "still nonsense"], max_parse_retries=1)
    result = agent.run_sync("press ok")
    assert result.status == "stopped"
    assert "could not be parsed after 2 attempts" in result.reason
    assert env.executed == []


def test_step_budget_stops_with_a_warning_first() -> None:
    env = FakeScreen(dict(BUTTONS))
    backend = ScriptedBackend(scripted(FAM, [lambda r: _click(env, "ok")] * 3))
    result = Agent(env, backend, FAM, AgentConfig(max_steps=3, budget_warning_fraction=0.6)).run_sync("x")
    assert (result.status, result.steps) == ("stopped", 3)
    assert "step budget reached" in result.reason
    assert "Budget warning" not in prompt_text(backend.calls[0])
    assert "Budget warning: only 2 steps left" in prompt_text(backend.calls[1])


def test_a_repeated_click_with_no_visible_change_is_nudged_then_stopped() -> None:
    env = FakeScreen(dict(BUTTONS))
    backend = ScriptedBackend(scripted(FAM, [lambda r: ([Click(x=620, y=20)], "click the logo")] * 10))
    config = AgentConfig(loop_nudge_after=1, loop_stop_after=2)
    result = Agent(env, backend, FAM, config).run_sync("x")
    assert result.status == "stopped" and result.reason.startswith("loop detected")
    assert result.steps == 3
    assert "the screen did not change" in prompt_text(backend.calls[2])
    assert len(env.executed) == 2  # the third, stopped repeat never ran


def test_a_declined_confirmation_is_not_executed_and_is_told_to_the_model() -> None:
    env = FakeScreen(dict(BUTTONS))
    asked: list[ConfirmationRequest] = []

    def confirm(request: ConfirmationRequest) -> Decision:
        asked.append(request)
        return Decision.reject("too expensive")

    steps = [lambda r: _click(env, "pay", "Click the Pay button"), ([Finish(success=False)], "declined")]
    backend = ScriptedBackend(scripted(FAM, steps))
    agent = Agent(env, backend, FAM, AgentConfig(confirm="ask"), confirm=confirm)
    result = agent.run_sync("buy it")
    assert [r.reason for r in asked] == ["thought mentions 'pay'"]
    assert env.pressed == []
    assert "The user declined click" in prompt_text(backend.calls[1]) and "too expensive" in prompt_text(
        backend.calls[1]
    )
    assert result.status == "failure"


async def _async_approve(request: ConfirmationRequest) -> Decision:
    await asyncio.sleep(0)
    return Decision.approve()


def test_an_async_callback_can_approve_and_a_secret_reaches_only_the_device(tmp_path: Path) -> None:
    env = FakeScreen(dict(BUTTONS))
    backend = ScriptedBackend(
        scripted(FAM, [([Type(text="{{secret:PIN}}")], "type the pin"), ([Finish()], "done")])
    )
    agent = Agent(
        env, backend, FAM, AgentConfig(record_dir=tmp_path / "run"), confirm=_async_approve,
        secrets={"PIN": "7z7z-secret"},
    )  # fmt: skip
    result = agent.run_sync("unlock with {{secret:PIN}}")
    assert result.status == "success"
    assert env.typed == ["7z7z-secret"]
    assert all("7z7z-secret" not in prompt_text(call) for call in backend.calls)
    assert "{{secret:PIN}}" in prompt_text(backend.calls[0])
    for path in (tmp_path / "run").rglob("*"):
        if path.is_file():
            assert b"7z7z-secret" not in path.read_bytes(), path


def test_call_user_declined_stops_and_answer_ends_the_run() -> None:
    agent, _ = _agent([([CallUser(message="solve the captcha")], "stuck")], confirm="reject")
    result = agent.run_sync("x")
    assert result.status == "stopped" and "solve the captcha" in result.reason
    agent, _ = _agent([([Answer(text="42")], "found it")])
    result = agent.run_sync("what is the answer?")
    assert (result.status, result.answer) == ("success", "42")


def test_stop_request_finishes_the_current_step_and_writes_the_report(tmp_path: Path) -> None:
    env = FakeScreen(dict(BUTTONS))
    holder: list[Agent] = []

    def press_and_interrupt(request: object) -> tuple[list[Click], str]:
        holder[0].request_stop()  # what the first Ctrl-C does, mid model call
        return _click(env, "ok")

    backend = ScriptedBackend(scripted(FAM, [press_and_interrupt]))
    holder.append(Agent(env, backend, FAM, AgentConfig(record_dir=tmp_path / "run")))
    result = holder[0].run_sync("x")
    assert result.status == "stopped" and "interrupted" in result.reason
    assert env.pressed == ["ok"]  # the step in flight completed
    assert result.report is not None and result.report.exists()
    assert len(read_trajectory(tmp_path / "run").steps) == 1


def test_a_checkpointed_state_resumes_without_repeating_an_executed_action() -> None:
    env = FakeScreen(dict(BUTTONS))
    backend = ScriptedBackend(scripted(FAM, [lambda r: _click(env, "ok"), ([Finish()], "done")]))
    agent = Agent(env, backend, FAM, AgentConfig())

    async def first_half() -> str:
        state, ctx = agent.new_state("press ok"), agent.context()
        for phase in ("observe", "think", "guard", "act"):
            assert state.phase == phase
            state = await STEPS[phase](state, ctx)
        return state.model_dump_json()  # the process dies here, before `record`

    saved = asyncio.run(first_half())
    state = RunState.model_validate_json(saved)
    assert state.phase == "record"
    result = asyncio.run(agent.run(state.task, state=state))
    assert result.status == "success"
    assert env.pressed == ["ok"]  # once, not twice


class Paused(Exception):
    """Stands in for a caller's control flow, like the interrupt a LangGraph node raises to ask."""


def test_run_step_ends_the_run_on_a_crash_but_lets_a_callers_control_flow_through() -> None:
    def ask(request: ConfirmationRequest) -> Decision:
        raise Paused("waiting for a person")

    agent, _ = _agent([([CallUser(message="solve the captcha")], "stuck")], confirm="ask")
    agent.confirm = ask

    async def steps() -> RunState:
        state, ctx = agent.new_state("x"), agent.context()
        while state.phase != "confirm":
            state = await run_step(state, ctx)
        with pytest.raises(Paused):
            await run_step(state, ctx, passthrough=(Paused,))
        assert state.phase == "confirm" and state.status == "running"  # asked again on resume
        return await run_step(state, ctx)

    crashed = asyncio.run(steps())
    assert (crashed.status, crashed.phase) == ("error", "record")  # the step is still recorded
    assert crashed.reason == "unexpected error in confirm: Paused: waiting for a person"


@pytest.mark.parametrize("name", ["qwen2vl", "uitars15"])
def test_other_families_drive_the_same_loop(name: str) -> None:
    fam = family(name)
    env = FakeScreen(dict(BUTTONS))
    x, y = env.center("ok")
    backend = ScriptedBackend(scripted(fam, [([Click(x=x, y=y)], "press ok"), ([Finish()], "done")]))
    assert Agent(env, backend, fam, AgentConfig()).run_sync("press ok").status == "success"
    assert env.pressed == ["ok"]


def test_frames_take_the_models_pixel_budget_unless_the_config_sets_one() -> None:
    """A 1,280-token server must get 1,280-token frames, or every absolute coordinate moves."""
    from anyres_agent.model.backends import resolve_model

    seen: list[tuple[int, int]] = []

    class ServedModel(ScriptedBackend):
        spec = resolve_model("qwen2.5-vl-7b", endpoint="http://gpu:8000/v1", max_pixels=1280 * 28 * 28)

    def answer(request):  # type: ignore[no-untyped-def]
        seen.append((request.frame.resized_width, request.frame.resized_height))
        return family("qwen25vl").render([Finish(message="done")], request.frame)

    env = FakeScreen(dict(BUTTONS), size=(1920, 1080))
    Agent(env, ServedModel(answer), "qwen25vl").run_sync("look")
    Agent(env, ServedModel(answer), "qwen25vl", AgentConfig(max_pixels=640 * 28 * 28)).run_sync("look")
    assert seen == [(1316, 728), (924, 504)]


class PointerScreen(FakeScreen):
    """The fake screen with a pointer that it reports, like the browser and desktop adapters."""

    def __init__(self, buttons: dict[str, tuple[int, int, int, int]]) -> None:
        super().__init__(buttons)
        self.cursor: tuple[int, int] | None = None

    def supported_actions(self) -> frozenset[str]:
        return super().supported_actions() | {"move"}

    async def observe(self):  # type: ignore[no-untyped-def]
        return (await super().observe()).model_copy(update={"cursor": self.cursor})

    async def execute(self, action):  # type: ignore[no-untyped-def]
        if action.type in ("move", "click"):
            self.cursor = (action.x, action.y)
        return await super().execute(action)


def test_a_coordinate_less_click_lands_where_the_previous_step_moved_the_pointer(tmp_path: Path) -> None:
    """Qwen2.5-VL's official two-step click: mouse_move in one answer, left_click in the next."""
    env = PointerScreen(dict(BUTTONS))
    x, y = env.center("ok")

    def move(request):  # type: ignore[no-untyped-def]
        mx, my = (round(v) for v in request.frame.screen_to_model(x, y))
        arguments = {"action": "mouse_move", "coordinate": [mx, my]}
        return (
            "<tool_call>\n" + json.dumps({"name": "computer_use", "arguments": arguments}) + "\n</tool_call>"
        )

    click = '<tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click"}}\n</tool_call>'
    backend = ScriptedBackend(scripted(FAM, [move, click, ([Finish()], "done")]))
    result = Agent(env, backend, FAM, AgentConfig(record_dir=tmp_path / "run")).run_sync("press ok")
    assert result.status == "success" and env.pressed == ["ok"]
    assert [a.type for a in env.executed] == ["move", "click"]


def test_an_over_long_answer_is_cut_and_the_trajectory_says_so(tmp_path: Path) -> None:
    env = FakeScreen(dict(BUTTONS))
    long = "I keep thinking. " * 5000 + FAM.render(
        [Finish(message="done")], FAM.frame(screen=env.size, image=env.size)
    )
    agent = Agent(env, ScriptedBackend([long]), FAM, AgentConfig(record_dir=tmp_path / "run"))
    assert agent.run_sync("finish").status == "success"
    (attempt,) = read_trajectory(tmp_path / "run").steps[0].attempts
    assert "characters were cut" in attempt.note and f"{len(long):,}" in attempt.note
    assert "characters were cut" in (tmp_path / "run" / "report.html").read_text()


def test_opted_in_actions_reach_the_prompt_and_nothing_else_does() -> None:
    prompts: list[str] = []

    def answer(request):  # type: ignore[no-untyped-def]
        prompts.append(prompt_text(request))
        return FAM.render([Finish(message="done")], request.frame)

    env = FakeScreen(dict(BUTTONS))
    Agent(env, ScriptedBackend(answer), FAM).run_sync("t")
    Agent(env, ScriptedBackend(answer), FAM, AgentConfig(extra_actions=["call_user"])).run_sync("t")
    assert "`call_user`" not in prompts[0] and "* `call_user`: Ask the user" in prompts[1]


@pytest.mark.parametrize("name", ["qwen2vl", "osatlas"])
def test_a_bare_grounding_answer_acts_in_a_run(name: str) -> None:
    """OS-Atlas-Base (and plain Qwen2-VL) answer with a box, not a call: the run clicks its centre."""
    fam = family(name)
    env = FakeScreen(dict(BUTTONS))
    box = "<|object_ref_start|>OK<|object_ref_end|><|box_start|>(70,110),(240,190)<|box_end|>"
    backend = ScriptedBackend(scripted(fam, [box, ([Finish()], "done")]))
    assert Agent(env, backend, fam, AgentConfig()).run_sync("press ok").status == "success"
    assert env.pressed == ["ok"]
