"""The desktop face of the test API: a `UI` over `environments.desktop` (X11 / Xvfb, native apps)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from anyres_agent.agent.testing.ui import UI

if TYPE_CHECKING:
    from anyres_agent.agent.testing.locate import ModelSetup
    from anyres_agent.agent.testing.locate_cache import LocateCache
    from anyres_agent.environments.base import Environment


def open_desktop_ui(
    setup: ModelSetup,
    *,
    cache: LocateCache | None = None,
    record_dir: str | os.PathLike[str] | None = None,
    name: str = "ui test",
    display: str | None = None,
    monitor: int = 1,
) -> UI:
    """A UI on a monitor of `display` (default $DISPLAY). Closing it releases the capture, not the apps."""

    async def make() -> Environment:
        from anyres_agent.environments.desktop import DesktopEnvironment

        return DesktopEnvironment(display=display, monitor=monitor)

    return UI.open(make, setup=setup, cache=cache, record_dir=record_dir, name=name)
