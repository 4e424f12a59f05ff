"""The desktop adapter: the real screen through mss, input through XTest, xdotool or pyautogui.

Screen space is the chosen monitor's input-API (logical) pixels with (0, 0) at its top-left; the
adapter adds the monitor's offset before moving the pointer, so a second monitor at x=1920 just works.
Capture is the raw mss grab and nothing else: the BGRX -> RGB conversion runs only when someone asks
for the image. The grab (a shared-memory copy: 1.5-3 ms at 1920x1080, 9 ms at 4K) and XTest input
run inline on the caller's thread: the hop to a worker thread and back cost 0.4 ms each way after the
machine sat idle while the model thought, more than the XTest calls themselves. mss guards its
connection with its own lock. pyautogui, which sleeps between events, and the window reads behind
target_at/focused_target (several X round trips) run on one worker thread.
Frames of the same size come every step, so Pillow is told to keep a few freed image blocks instead
of handing them back to the OS and faulting fresh pages in for the next frame (4 ms a 1080p frame).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, TypeVar

from PIL import Image

from anyres_agent.environments.base import (
    ActionRejectedError,
    DeviceUnavailableError,
    ExecutionResult,
    Observation,
    Size,
    Target,
    check_on_screen,
    pointer_after,
)
from anyres_agent.environments.desktop_input import InputBackend, PyAutoGuiInput, XdotoolInput, XTestInput
from anyres_agent.environments.screenshot import Screenshot
from anyres_agent.tools import WHEEL_CLICK_PX, Action

T = TypeVar("T")
SUPPORTED = frozenset({"click", "move", "drag", "scroll", "type", "key", "long_press", "wait"})
NO_DISPLAY = (
    "no X display: set DISPLAY (for a virtual screen run `Xvfb :99 -screen 0 1920x1080x24 &` and "
    "`export DISPLAY=:99`), or use --env browser"
)


def keep_image_blocks(blocks: int = 4) -> None:
    """Let Pillow cache freed image memory (PILLOW_BLOCKS_MAX, 16 MB blocks), unless the user chose."""
    if "PILLOW_BLOCKS_MAX" not in os.environ and Image.core.get_blocks_max() < blocks:
        Image.core.set_blocks_max(blocks)


class DesktopEnvironment:
    """A monitor of the real desktop (index as in mss: 1 = first monitor, 0 = all of them together)."""

    name = "desktop"

    def __init__(
        self,
        *,
        display: str | None = None,
        monitor: int | Mapping[str, int] = 1,
        input_backend: Literal["xtest", "xdotool", "pyautogui"] | None = None,
        type_delay_ms: int = 5,
        scroll_step_px: int = WHEEL_CLICK_PX,
    ) -> None:
        linux = sys.platform.startswith("linux")
        self.display = display or os.environ.get("DISPLAY") if linux else None
        if linux and not self.display:
            raise DeviceUnavailableError(NO_DISPLAY)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="desktop-worker")
        self._closed = False
        keep_image_blocks()
        try:
            self._sct = self._open_mss()
        except Exception as error:
            self._executor.shutdown(wait=False)
            raise DeviceUnavailableError(
                f"cannot open the X display {self.display}: {error}. Is an X server (or Xvfb) running there?"
            ) from None
        monitors = self._sct.monitors
        if isinstance(monitor, Mapping):
            region = {k: int(monitor[k]) for k in ("left", "top", "width", "height")}
        elif 0 <= monitor < len(monitors):
            region = {k: int(monitors[monitor][k]) for k in ("left", "top", "width", "height")}
        else:
            self.close_now()
            listed = ", ".join(
                f"{i}: {m['width']}x{m['height']}+{m['left']}+{m['top']}" for i, m in enumerate(monitors)
            )
            raise ValueError(f"no monitor {monitor}; this display has {listed} (0 = all monitors)")
        self.region = region
        self.screen = Size(width=region["width"], height=region["height"])
        self.offset = (region["left"], region["top"])
        if input_backend is None:
            input_backend = "xtest" if linux and shutil.which("xdotool") else "pyautogui"
        try:
            self.input = self._open_input(input_backend, type_delay_ms)
        except BaseException:
            self.close_now()
            raise
        self.scroll_step_px = scroll_step_px
        self._cursor: tuple[int, int] | None = None
        self._windows: Any = None  # a WindowReader, opened on first use (X11 only)

    def _open_input(self, backend: str, type_delay_ms: int) -> InputBackend:
        if backend == "xtest":
            return XTestInput(self.display or "", type_delay_ms=type_delay_ms)
        if backend == "xdotool":
            return XdotoolInput(self.display or "", type_delay_ms=type_delay_ms)
        return self._call_sync(
            lambda: PyAutoGuiInput(self.display, self._call, type_interval_s=type_delay_ms / 1000)
        )

    def _open_mss(self) -> Any:
        import mss

        return mss.MSS(display=self.display) if self.display else mss.MSS()

    def _call_sync(self, fn: Callable[[], T]) -> T:
        return self._executor.submit(fn).result()

    async def _call(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    async def __aenter__(self) -> DesktopEnvironment:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def close_now(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._sct.close()
        backend = getattr(self, "input", None)
        if isinstance(backend, XTestInput):
            backend.close()
        self._executor.shutdown(wait=True)  # a window read in flight ends before its connection closes
        if getattr(self, "_windows", None) is not None:
            self._windows.close()

    async def close(self) -> None:
        self.close_now()

    def supported_actions(self) -> frozenset[str]:
        return SUPPORTED

    def _window_reader(self) -> Any:
        if self._windows is None and self.display and sys.platform.startswith("linux"):
            from anyres_agent.environments.desktop_windows import WindowReader

            self._windows = WindowReader(self.display)
        return self._windows

    async def _read_window(self, read: Callable[[Any], Target | None]) -> Target | None:
        """`read(reader)` on the worker thread (X round trips stay off the event loop, one at a time);
        None without X11 or when it fails: a hint for a guard never fails a step."""

        def work() -> Target | None:
            reader = self._window_reader()
            return None if reader is None else read(reader)

        try:
            return await self._call(work)
        except Exception:
            return None

    async def target_at(self, x: int, y: int) -> Target | None:
        """The named window under (x, y) (X11 names windows, not buttons); None where unknown."""
        left, top = self.offset
        return await self._read_window(lambda reader: reader.at(x + left, y + top))

    async def focused_target(self) -> Target | None:
        """The window with the keyboard focus; its fields' kinds are not known on X11."""
        return await self._read_window(lambda reader: reader.focused())

    def grab(self) -> Any:
        """The raw mss grab of the region (BGRX); what observe() is built on."""
        return self._sct.grab(self.region)

    def _notches(self, pixels: int) -> int:
        """Wheel notches for a pixel distance: at least one whenever the distance is not zero."""
        notches = round(pixels / self.scroll_step_px)
        return notches or (pixels > 0) - (pixels < 0)

    async def observe(self) -> Observation:
        if self._closed:
            raise DeviceUnavailableError("the desktop environment was closed", restart_required=True)
        try:
            shot = self.grab()
        except Exception as error:
            raise DeviceUnavailableError(f"capturing the screen of {self.display} failed: {error}") from None
        image = Screenshot.from_pixels(shot.raw, shot.size, "BGRX")
        return Observation(  # app: where, not which window
            screenshot=image, screen=self.screen, app=self.display, cursor=self._cursor
        )

    async def execute(self, action: Action) -> ExecutionResult:
        if self._closed:
            raise DeviceUnavailableError("the desktop environment was closed", restart_required=True)
        if action.type not in SUPPORTED:
            raise ActionRejectedError(
                f"the desktop cannot {action.type}; it supports {', '.join(sorted(SUPPORTED))}"
            )
        if action.positional:
            check_on_screen(action, self.screen)
        left, top = self.offset
        inp = self.input
        match action.type:
            case "click":
                await inp.click(action.x + left, action.y + top, action.button, action.count)
            case "move":
                await inp.move(action.x + left, action.y + top)
            case "drag":
                await inp.drag(action.x + left, action.y + top, action.to_x + left, action.to_y + top, 0.3)
            case "long_press":
                await inp.drag(
                    action.x + left, action.y + top, action.x + left, action.y + top, action.duration
                )
            case "scroll":
                x = action.x if action.x is not None else self.screen.width // 2
                y = action.y if action.y is not None else self.screen.height // 2
                await inp.scroll(x + left, y + top, self._notches(action.dx), self._notches(action.dy))
            case "type":
                await inp.type(action.text)
            case "key":
                await inp.key(action.keys)
            case "wait":
                await asyncio.sleep(action.seconds)
        self._cursor = pointer_after(action, self.screen) or self._cursor
        return ExecutionResult(ok=True)
