"""`open_environment` starts any adapter by name, and importing the package stays light."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from anyres_agent.environments import Environment, open_environment
from anyres_agent.environments.gym_env import GymEnvironment

Run = Callable[[Coroutine[Any, Any, Any]], Any]


def test_importing_environments_loads_no_device_library() -> None:
    heavy = ["playwright", "mss", "pyautogui", "adbutils", "gymnasium", "numpy"]
    code = f"import sys, environments; print([m for m in {heavy!r} if m in sys.modules])"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_open_environment_builds_the_named_adapter(run: Run) -> None:
    env = run(open_environment("gym", env="CliffWalking-v1", seed=1))
    try:
        assert isinstance(env, GymEnvironment) and isinstance(env, Environment)
        assert env.options == ["UP", "RIGHT", "DOWN", "LEFT"]
    finally:
        run(env.close())
    with pytest.raises(ValueError, match="unknown environment kind 'tv'; known kinds: browser, desktop"):
        run(open_environment("tv"))
