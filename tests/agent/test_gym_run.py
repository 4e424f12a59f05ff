"""The agent loop playing a real Gymnasium env: the options reach the prompt, `choose` steps the env."""

from __future__ import annotations

import pytest
from agent_fakes import Run, family, prompt_text, scripted

from anyres_agent.agent.api import Agent
from anyres_agent.agent.config import AgentConfig
from anyres_agent.environments.gym_env import GymEnvironment
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.tools import Choose, Finish

# FrozenLake's 4x4 map without slipping: S at the top-left, G at the bottom-right, holes in between.
WINNING_MOVES = ["DOWN", "DOWN", "RIGHT", "RIGHT", "DOWN", "RIGHT"]


@pytest.mark.parametrize("name", ["qwen2vl", "qwen25vl", "uitars15", "showui"])
def test_the_model_walks_frozen_lake_to_the_goal_by_named_moves(name: str, arun: Run) -> None:
    fam = family(name)
    env = GymEnvironment("FrozenLake-v1", make_kwargs={"is_slippery": False}, seed=0)
    moves = [([Choose(option=move)], f"Move {move.lower()}.") for move in WINNING_MOVES]
    backend = ScriptedBackend(scripted(fam, [*moves, ([Finish(message="reached the goal")], "Done.")]))
    try:
        result = arun(Agent(env, backend, fam, AgentConfig(confirm="reject")).run("Reach the goal."))
    finally:
        arun(env.close())
    assert result.status == "success", result.reason
    assert (env.steps, env.total_reward, env.terminated) == (6, 1.0, True)
    first = prompt_text(backend.calls[0])
    assert "one of: LEFT, DOWN, RIGHT, UP" in first  # the model is told which options exist
    assert "RIGHT: reward 1; the episode terminated" in prompt_text(backend.calls[-1])


def test_an_option_the_env_lacks_is_fed_back_and_the_env_does_not_step(arun: Run) -> None:
    fam = family("qwen25vl")
    env = GymEnvironment("FrozenLake-v1", make_kwargs={"is_slippery": False}, seed=0)
    steps = [([Choose(option="JUMP")], "Jump over the hole."), ([Finish(success=False)], "Stuck.")]
    backend = ScriptedBackend(scripted(fam, steps))
    try:
        result = arun(Agent(env, backend, fam, AgentConfig()).run("Reach the goal."))
    finally:
        arun(env.close())
    assert result.status == "failure" and env.steps == 0
    assert "unknown option 'JUMP'; the options are: LEFT, DOWN, RIGHT, UP" in prompt_text(backend.calls[1])
