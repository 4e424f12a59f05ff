"""Where the calibration targets are shown and where the clicks are read back: a page in the browser
adapter, or a Tk window on the X desktop. Either tells the truth in screen coordinates (where each
target really is, where each click really landed), which the doctor only uses to *measure*: the
aim comes from the screenshot alone."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from anyres_agent.agent.doctor.targets import TargetSpec

HERE = Path(__file__).resolve().parent

REPORT_WAIT_S = 5.0
"""How long the desktop window's report of an expected click is waited for (a loaded machine)."""
QUIET_S = 0.5
"""After the expected reports, how long a silence ends a read of the desktop window's clicks."""


@dataclass(frozen=True)
class TruePoint:
    x: float
    y: float


class Surface(Protocol):
    env: Any
    kind: str

    async def targets(self) -> list[TruePoint]: ...

    async def clicks(self, expected: int = 0) -> list[TruePoint]: ...

    async def true_dpr(self) -> float | None: ...

    async def close(self) -> None: ...


def _spec_json(specs: list[TargetSpec]) -> str:
    return json.dumps([{"fx": s.fx, "fy": s.fy, "rgb": list(s.rgb)} for s in specs], separators=(",", ":"))


class BrowserSurface:
    """The calibration page on loopback, in the browser adapter (any viewport and DPR)."""

    kind = "browser"

    def __init__(self, env: Any, site: Any) -> None:
        self.env = env
        self._site = site

    @classmethod
    async def open(
        cls, specs: list[TargetSpec], *, viewport: tuple[int, int], dpr: float, headless: bool = True
    ) -> BrowserSurface:
        from anyres_agent.agent.demo_site import StaticSite
        from anyres_agent.environments.browser import BrowserEnvironment

        site = StaticSite(HERE)
        url = site.url + "calibration.html#" + urllib.parse.quote(_spec_json(specs))
        try:
            env = await BrowserEnvironment.launch(
                url, viewport=viewport, dpr=dpr, headless=headless, settle_s=0.02
            )
        except BaseException:
            site.close()
            raise
        return cls(env, site)

    async def targets(self) -> list[TruePoint]:
        found = await self.env.page.evaluate("() => window.doctorTargets")
        return [TruePoint(t["x"], t["y"]) for t in found]

    async def clicks(self, expected: int = 0) -> list[TruePoint]:
        """Clicks recorded so far (`expected` is not waited for: the page records a click as it is
        dispatched, before the click action returns)."""
        found = await self.env.page.evaluate("() => window.doctorClicks")
        return [TruePoint(c["x"], c["y"]) for c in found]

    async def true_dpr(self) -> float | None:
        return float(await self.env.page.evaluate("() => devicePixelRatio"))

    async def close(self) -> None:
        await self.env.close()
        self._site.close()


class DesktopSurface:
    """A borderless Tk window covering the X screen (agent.doctor.desktop_window, its own process)
    that prints its targets and every click in root-window coordinates."""

    kind = "desktop"

    def __init__(self, env: Any, process: asyncio.subprocess.Process, targets: list[TruePoint]) -> None:
        self.env = env
        self._process = process
        self._targets = targets
        self._clicks: list[TruePoint] = []
        self._missed = False  # an expected report never came: later reads wait only QUIET_S

    @classmethod
    async def open(cls, specs: list[TargetSpec], *, display: str | None, monitor: int = 1) -> DesktopSurface:
        import os

        from anyres_agent.environments.desktop import DesktopEnvironment

        environ = dict(os.environ, **({"DISPLAY": display} if display else {}))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "anyres_agent.agent.doctor.desktop_window", _spec_json(specs),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=environ,
        )  # fmt: skip
        try:
            assert process.stdout is not None
            line = await asyncio.wait_for(process.stdout.readline(), timeout=20)
            if not line:
                error = (await process.stderr.read()).decode() if process.stderr else ""
                raise RuntimeError(f"the calibration window did not open: {' '.join(error.split())[-300:]}")
            shown = json.loads(line)["targets"]
            env = DesktopEnvironment(display=display, monitor=monitor)
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            raise
        return cls(env, process, [TruePoint(t["x"], t["y"]) for t in shown])

    async def targets(self) -> list[TruePoint]:
        return list(self._targets)

    async def clicks(self, expected: int = 0) -> list[TruePoint]:
        """Clicks reported so far: until `expected` have been (REPORT_WAIT_S at most, and only until one
        never comes, so a window that gets no clicks costs it once), then until QUIET_S of silence."""
        assert self._process.stdout is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (0.0 if self._missed else REPORT_WAIT_S)
        while True:
            waiting = len(self._clicks) < expected
            timeout = max(deadline - loop.time(), QUIET_S) if waiting else QUIET_S
            try:
                line = await asyncio.wait_for(self._process.stdout.readline(), timeout=timeout)
            except TimeoutError:
                self._missed = self._missed or waiting
                break
            if not line:
                break
            data = json.loads(line)
            self._clicks.append(TruePoint(data["x"], data["y"]))
        return list(self._clicks)

    async def true_dpr(self) -> float | None:
        return None  # X has no DPR of its own; the capture and the input share one pixel grid or not

    async def close(self) -> None:
        await self.env.close()
        with contextlib.suppress(ProcessLookupError):
            self._process.terminate()
        await self._process.wait()
