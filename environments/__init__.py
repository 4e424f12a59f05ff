"""Device adapters behind one small protocol (see `environments.base`).

The adapters' libraries (playwright, mss, pyautogui, adbutils, gymnasium) are optional extras and
slow to import, so nothing here imports them: `open_environment` loads only the one asked for.
"""

from typing import Any

from anyres_agent.environments.base import (
    ActionRejectedError,
    DeviceUnavailableError,
    Environment,
    EnvironmentError_,
    ExecutionResult,
    Observation,
    Size,
    check_on_screen,
)
from anyres_agent.environments.screenshot import Screenshot, png_size

KINDS = ("browser", "desktop", "android", "gym")


async def open_environment(kind: str, **options: Any) -> Environment:
    """Start an environment by kind with its adapter's options (see each adapter's constructor).

    browser: BrowserEnvironment.launch(url=None, viewport=(1288, 728), dpr=1, headless=True, ...)
    desktop: DesktopEnvironment(display=None, monitor=1, input_backend=None, ...)
    android: AndroidEnvironment.connect(serial=None, host="127.0.0.1", port=5037, ...)
    gym:     GymEnvironment(env="FrozenLake-v1", action_names=None, seed=None, make_kwargs=None)
    """
    if kind == "browser":
        from anyres_agent.environments.browser import BrowserEnvironment

        return await BrowserEnvironment.launch(**options)
    if kind == "desktop":
        from anyres_agent.environments.desktop import DesktopEnvironment

        return DesktopEnvironment(**options)
    if kind == "android":
        from anyres_agent.environments.android import AndroidEnvironment

        return await AndroidEnvironment.connect(**options)
    if kind == "gym":
        import asyncio

        from anyres_agent.environments.gym_env import GymEnvironment

        return await asyncio.to_thread(GymEnvironment, **options)
    raise ValueError(f"unknown environment kind {kind!r}; known kinds: {', '.join(KINDS)}")


__all__ = [
    "KINDS",
    "ActionRejectedError",
    "DeviceUnavailableError",
    "Environment",
    "EnvironmentError_",
    "ExecutionResult",
    "Observation",
    "Screenshot",
    "Size",
    "check_on_screen",
    "open_environment",
    "png_size",
]
