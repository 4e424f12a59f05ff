"""Real Gymnasium environments stepped through the adapter, with their moves offered as a tool."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, ClassVar

import gymnasium
import jsonschema
import numpy as np
import pytest

from anyres_agent.environments import ActionRejectedError
from anyres_agent.environments.gym_env import GymEnvironment
from anyres_agent.tools import Choose, Click

Run = Callable[[Coroutine[Any, Any, Any]], Any]


def test_frozen_lake_is_solved_by_named_moves(run: Run) -> None:
    env = GymEnvironment("FrozenLake-v1", make_kwargs={"is_slippery": False}, seed=0)
    try:
        first = run(env.observe())
        assert first.screen.width == 256 and first.screenshot.size == (256, 256) and first.dpr == 1
        assert first.app == "FrozenLake-v1"
        assert first.text.startswith("options: LEFT, DOWN, RIGHT, UP\nepisode 1, step 0")
        notes = [
            run(env.execute(Choose(option=move))).note for move in ["down", "DOWN", "RIGHT", "RIGHT", "DOWN"]
        ]
        assert notes[0] == "DOWN: reward 0"
        last = run(env.execute(Choose(option="RIGHT")))
        assert last.note == "RIGHT: reward 1; the episode terminated with total reward 1"
        final = run(env.observe())
        assert "step 6, last reward 1, total reward 1, terminated True" in final.text
        assert np.asarray(final.screenshot.image).tolist() != np.asarray(first.screenshot.image).tolist()
        restart = run(env.execute(Choose(option="LEFT")))
        assert restart.note == "a new episode started; LEFT was not played"
        assert "episode 2, step 0" in run(env.observe()).text
    finally:
        run(env.close())


def test_blackjack_offers_its_moves_as_a_function_call_tool(run: Run) -> None:
    env = GymEnvironment(gymnasium.make("Blackjack-v1", render_mode="rgb_array"), seed=3)
    try:
        [tool] = env.tool_schemas()
        assert tool["function"]["name"] == "choose"
        parameters = tool["function"]["parameters"]
        assert parameters["properties"]["option"]["enum"] == ["STICK", "HIT"]
        jsonschema.validate({"option": "HIT"}, parameters)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"option": "SPLIT"}, parameters)
        result = run(env.execute(Choose(option="STICK")))
        assert result.note.startswith("STICK: reward ") and "the episode terminated" in result.note
    finally:
        run(env.close())


class Lights(gymnasium.Env):
    """A tiny env with arcade-style action meanings, as Atari envs provide them."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"]}

    def __init__(self, render_mode: str | None = "rgb_array") -> None:
        self.render_mode = render_mode
        self.action_space = gymnasium.spaces.Discrete(3)
        self.observation_space = gymnasium.spaces.Discrete(3)
        self.lit = 0

    def get_action_meanings(self) -> list[str]:
        return ["NOOP", "FIRE", "RESET"]

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[int, dict]:
        super().reset(seed=seed)
        self.lit = 0
        return 0, {}

    def step(self, action: int) -> tuple[int, float, bool, bool, dict]:
        self.lit = action
        return action, float(action == 1), False, False, {}

    def render(self) -> np.ndarray:
        frame = np.zeros((30, 40, 3), dtype=np.uint8)
        frame[:, :, 0] = 80 * self.lit
        return frame


def test_action_meanings_name_the_options_and_bad_choices_are_refused(run: Run) -> None:
    env = GymEnvironment(Lights())
    try:
        assert env.options == ["NOOP", "FIRE", "RESET"]
        run(env.execute(Choose(option="FIRE")))
        assert run(env.observe()).screenshot.image.getpixel((0, 0)) == (80, 0, 0)
        with pytest.raises(
            ActionRejectedError, match="unknown option 'JUMP'; the options are: NOOP, FIRE, RESET"
        ):
            run(env.execute(Choose(option="JUMP")))
        with pytest.raises(ActionRejectedError, match="a gym environment cannot click"):
            run(env.execute(Click(x=1, y=1)))
        assert "step 1" in run(env.observe()).text  # still usable
    finally:
        run(env.close())


def test_envs_the_agent_cannot_see_or_name_are_refused_up_front() -> None:
    with pytest.raises(ValueError, match="render_mode='rgb_array'"):
        GymEnvironment(Lights(render_mode=None))
    with pytest.raises(ValueError, match="only Discrete action spaces"):
        GymEnvironment("Pendulum-v1")
    with pytest.raises(
        ValueError, match=r"need 4 distinct, non-empty action names, got \['A', 'A', 'B', 'C'\]"
    ):
        GymEnvironment("CliffWalking-v1", action_names=["A", "A", "B", "C"])


def test_names_the_caller_gives_win_over_the_envs_own(run: Run) -> None:
    env = GymEnvironment(Lights(), action_names=["wait", "shoot", "restart"])
    try:
        assert env.options == ["wait", "shoot", "restart"]
        run(env.execute(Choose(option="shoot")))  # action 1, which the env calls FIRE
        assert run(env.observe()).screenshot.image.getpixel((0, 0)) == (80, 0, 0)
    finally:
        run(env.close())
