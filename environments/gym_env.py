"""Gymnasium environments as agent environments: rendered frames in, named discrete moves out.

This is how the agent plays card games and drives simulated robots (the Qwen2-VL paper's
Blackjack-style games and embodied control): the model sees the `rgb_array` frame and picks one of
the environment's named actions through the `choose` tool, whose schema lists the names as an enum.
All env calls run on one worker thread, because some renderers (MuJoCo's OpenGL) are thread-bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, TypeVar

from anyres_agent.environments.base import (
    ActionRejectedError,
    DeviceUnavailableError,
    ExecutionResult,
    Observation,
    Size,
)
from anyres_agent.environments.screenshot import Screenshot
from anyres_agent.tools import Action, function_schema

T = TypeVar("T")

# Action names of Gymnasium's built-in discrete envs (from their documentation), by env name.
KNOWN_ACTION_NAMES: dict[str, tuple[str, ...]] = {
    "FrozenLake": ("LEFT", "DOWN", "RIGHT", "UP"),
    "CliffWalking": ("UP", "RIGHT", "DOWN", "LEFT"),
    "Taxi": ("SOUTH", "NORTH", "EAST", "WEST", "PICKUP", "DROPOFF"),
    "Blackjack": ("STICK", "HIT"),
    "CartPole": ("PUSH_LEFT", "PUSH_RIGHT"),
    "MountainCar": ("PUSH_LEFT", "NO_PUSH", "PUSH_RIGHT"),
    "Acrobot": ("TORQUE_NEGATIVE", "NO_TORQUE", "TORQUE_POSITIVE"),
    "LunarLander": ("NOOP", "FIRE_LEFT_ENGINE", "FIRE_MAIN_ENGINE", "FIRE_RIGHT_ENGINE"),
}


class GymEnvironment:
    """A Gymnasium env with a Discrete action space and render_mode='rgb_array'."""

    name = "gym"

    def __init__(
        self,
        env: Any,
        action_names: Sequence[str] | None = None,
        *,
        seed: int | None = None,
        make_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gym")
        try:
            self.env = self._call_sync(lambda: self._make(env, make_kwargs or {}))
            self.options = self._names(action_names)
        except BaseException:
            self._executor.shutdown(wait=False)
            raise
        self.seed = seed
        self.steps = 0
        self.episode = 1
        self.last_reward = 0.0
        self.total_reward = 0.0
        self.terminated = self.truncated = False
        self._call_sync(lambda: self.env.reset(seed=seed))

    @staticmethod
    def _make(env: Any, make_kwargs: Mapping[str, Any]) -> Any:
        import gymnasium

        if isinstance(env, str):
            env = gymnasium.make(env, render_mode="rgb_array", **make_kwargs)
        if getattr(env, "render_mode", None) != "rgb_array":
            raise ValueError(
                f"the environment renders {getattr(env, 'render_mode', None)!r}; make it with "
                "render_mode='rgb_array' so the agent can see its frames"
            )
        if not isinstance(env.action_space, gymnasium.spaces.Discrete):
            raise ValueError(
                f"only Discrete action spaces can be offered as named options, not {env.action_space}; "
                "wrap the env with a discretizing ActionWrapper"
            )
        return env

    def _names(self, given: Sequence[str] | None) -> list[str]:
        count = int(self.env.action_space.n)
        meanings = getattr(self.env.unwrapped, "get_action_meanings", None)
        spec = getattr(self.env, "spec", None)
        known = KNOWN_ACTION_NAMES.get(spec.name) if spec is not None else None
        if given is not None:  # the caller's names win: they know what the moves mean to their task
            names = list(given)
        elif meanings is not None:
            names = list(meanings())
        elif known is not None and len(known) == count:
            names = list(known)
        else:
            names = [f"action_{i}" for i in range(count)]
        if len(names) != count or len({n.upper() for n in names}) != count or not all(names):
            raise ValueError(f"need {count} distinct, non-empty action names, got {names}")
        return names

    def _call_sync(self, fn: Callable[[], T]) -> T:
        return self._executor.submit(fn).result()

    async def _call(self, fn: Callable[[], T]) -> T:
        if self._executor is None:
            raise DeviceUnavailableError("the gym environment was closed", restart_required=True)
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    async def __aenter__(self) -> GymEnvironment:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._executor is not None:
            await self._call(self.env.close)
            self._executor.shutdown(wait=True)
            self._executor = None  # type: ignore[assignment]

    def supported_actions(self) -> frozenset[str]:
        return frozenset({"choose"})

    def tool_schemas(self) -> list[dict[str, Any]]:
        """The `choose` function-call schema with this env's option names as an enum."""
        schema = function_schema("choose")
        option = schema["function"]["parameters"]["properties"]["option"]
        option["enum"] = list(self.options)
        option["description"] = "one of: " + ", ".join(self.options)
        return [schema]

    def status(self) -> str:
        text = (
            f"options: {', '.join(self.options)}\nepisode {self.episode}, step {self.steps}, "
            f"last reward {self.last_reward:g}, total reward {self.total_reward:g}, "
            f"terminated {self.terminated}, truncated {self.truncated}"
        )
        if self.terminated or self.truncated:
            text += "\nthe episode has ended: the next choice starts a new episode"
        return text

    async def observe(self) -> Observation:
        frame = await self._call(self.env.render)
        layouts: dict[int, Literal["RGB", "RGBX"]] = {3: "RGB", 4: "RGBX"}
        layout = layouts.get(frame.shape[2]) if getattr(frame, "ndim", 0) == 3 else None
        if layout is None or str(frame.dtype) != "uint8":
            raise DeviceUnavailableError(
                "render() returned no RGB frame; make the env with render_mode='rgb_array'"
            )
        height, width = int(frame.shape[0]), int(frame.shape[1])
        screenshot = Screenshot.from_pixels(frame.tobytes(), (width, height), layout)
        spec = getattr(self.env, "spec", None)
        return Observation(
            screenshot=screenshot,
            screen=Size(width=width, height=height),
            app=spec.id if spec is not None else type(self.env.unwrapped).__name__,
            text=self.status(),
        )

    def index_of(self, option: str) -> int:
        for i, name in enumerate(self.options):
            if name.upper() == option.strip().upper():
                return i
        raise ActionRejectedError(f"unknown option {option!r}; the options are: {', '.join(self.options)}")

    async def execute(self, action: Action) -> ExecutionResult:
        if action.type != "choose":
            raise ActionRejectedError(
                f"a gym environment cannot {action.type}; choose one of: {', '.join(self.options)}"
            )
        index = self.index_of(action.option)
        if self.terminated or self.truncated:
            await self._call(lambda: self.env.reset())
            self.episode += 1
            self.steps, self.total_reward, self.last_reward = 0, 0.0, 0.0
            self.terminated = self.truncated = False
            return ExecutionResult(note=f"a new episode started; {self.options[index]} was not played")
        value = int(self.env.action_space.start) + index
        _obs, reward, terminated, truncated, _info = await self._call(lambda: self.env.step(value))
        self.steps += 1
        self.last_reward = float(reward)
        self.total_reward += float(reward)
        self.terminated, self.truncated = bool(terminated), bool(truncated)
        note = f"{self.options[index]}: reward {self.last_reward:g}"
        if self.terminated or self.truncated:
            note += f"; the episode {'terminated' if terminated else 'was truncated'}"
            note += f" with total reward {self.total_reward:g}"
        return ExecutionResult(note=note)
