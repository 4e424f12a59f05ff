"""Pointer and keyboard input for the desktop adapter: XTest (default on X11), xdotool or pyautogui.

xdotool types any Unicode text (it remaps a spare keycode) and talks to whichever display it is
given, so it is the default where it is installed. pyautogui works everywhere pyautogui does, but
only types characters on its keyboard map, and opens its X connection once, at import.
Coordinates here are absolute (the monitor offset is already added).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, TypeVar

from anyres_agent.environments.base import ActionRejectedError, DeviceUnavailableError

T = TypeVar("T")

XDOTOOL_KEYS: dict[str, str] = {
    "enter": "Return", "tab": "Tab", "space": "space", "backspace": "BackSpace", "delete": "Delete",
    "escape": "Escape", "insert": "Insert", "up": "Up", "down": "Down", "left": "Left", "right": "Right",
    "home": "Home", "end": "End", "pageup": "Prior", "pagedown": "Next", "ctrl": "ctrl", "alt": "alt",
    "shift": "shift", "meta": "super", "capslock": "Caps_Lock", "numlock": "Num_Lock",
    "scrolllock": "Scroll_Lock", "printscreen": "Print", "pause": "Pause", "contextmenu": "Menu",
    "menu": "Menu",
    "volumeup": "XF86AudioRaiseVolume", "volumedown": "XF86AudioLowerVolume", "volumemute": "XF86AudioMute",
    "power": "XF86PowerOff", "search": "XF86Search", "back": "XF86Back", "homescreen": "XF86HomePage",
    "!": "exclam", '"': "quotedbl", "#": "numbersign", "$": "dollar", "%": "percent", "&": "ampersand",
    "'": "apostrophe", "(": "parenleft", ")": "parenright", "*": "asterisk", "+": "plus", ",": "comma",
    "-": "minus", ".": "period", "/": "slash", ":": "colon", ";": "semicolon", "<": "less", "=": "equal",
    ">": "greater", "?": "question", "@": "at", "[": "bracketleft", "\\": "backslash", "]": "bracketright",
    "^": "asciicircum", "_": "underscore", "`": "grave", "{": "braceleft", "|": "bar", "}": "braceright",
    "~": "asciitilde",
} | {f"f{i}": f"F{i}" for i in range(1, 25)}  # fmt: skip

PYAUTOGUI_KEYS: dict[str, str] = {"escape": "esc", "meta": "win", "contextmenu": "apps", "menu": "apps"}
BUTTONS = {"left": 1, "middle": 2, "right": 3}


def _reject_key(key: str, known: Sequence[str]) -> ActionRejectedError:
    return ActionRejectedError(
        f"the desktop has no {key!r} key; keys it can press: {', '.join(sorted(known))}"
    )


def xdotool_key(key: str) -> str:
    if key in XDOTOOL_KEYS:
        return XDOTOOL_KEYS[key]
    if len(key) == 1 and key.isalnum():
        return key
    raise _reject_key(key, [k for k in XDOTOOL_KEYS if len(k) > 1])


class InputBackend(Protocol):
    async def click(self, x: int, y: int, button: str, count: int) -> None: ...
    async def move(self, x: int, y: int) -> None: ...
    async def drag(self, x: int, y: int, to_x: int, to_y: int, seconds: float) -> None: ...
    async def scroll(self, x: int, y: int, steps_x: int, steps_y: int) -> None: ...
    async def type(self, text: str) -> None: ...
    async def key(self, keys: Sequence[str]) -> None: ...


REMAP_DELAY_MS = 40


def _runs_by_keymap(text: str) -> list[tuple[str, bool]]:
    """Split text into runs of printable ASCII (on every US keymap) and of other characters."""
    runs: list[tuple[str, bool]] = []
    for char in text:
        remapped = not (" " <= char <= "~" or char in "\n\t")
        if runs and runs[-1][1] == remapped:
            runs[-1] = (runs[-1][0] + char, remapped)
        else:
            runs.append((char, remapped))
    return runs


class XdotoolInput:
    """Each action is one xdotool command line (chained subcommands), run without a shell."""

    def __init__(self, display: str, *, type_delay_ms: int = 5) -> None:
        self.env = {**os.environ, "DISPLAY": display}
        self.type_delay_ms = type_delay_ms

    async def run(self, *args: str | int | float) -> None:
        process = await asyncio.create_subprocess_exec(
            "xdotool", *map(str, args), env=self.env, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _out, err = await process.communicate()
        if process.returncode != 0:
            message = err.decode(errors="replace").strip()
            raise DeviceUnavailableError(f"xdotool failed on {self.env['DISPLAY']}: {message}")

    async def click(self, x: int, y: int, button: str, count: int) -> None:
        await self.run("mousemove", x, y, "click", "--repeat", count, "--delay", 60, BUTTONS[button])

    async def move(self, x: int, y: int) -> None:
        await self.run("mousemove", x, y)

    async def drag(self, x: int, y: int, to_x: int, to_y: int, seconds: float) -> None:
        mid_x, mid_y = (x + to_x) // 2, (y + to_y) // 2
        pause = f"{max(seconds, 0.05) / 2:.3f}"
        await self.run("mousemove", x, y, "mousedown", 1, "sleep", pause, "mousemove", mid_x, mid_y,
                       "sleep", pause, "mousemove", to_x, to_y, "mouseup", 1)  # fmt: skip

    async def scroll(self, x: int, y: int, steps_x: int, steps_y: int) -> None:
        args: list[str | int] = ["mousemove", x, y]
        if steps_y:
            args += ["click", "--repeat", abs(steps_y), "--delay", 10, 5 if steps_y > 0 else 4]
        if steps_x:
            args += ["click", "--repeat", abs(steps_x), "--delay", 10, 7 if steps_x > 0 else 6]
        await self.run(*args)

    async def type(self, text: str) -> None:
        """One xdotool call per run of characters: keys on the keyboard map at `type_delay_ms`, the
        others at REMAP_DELAY_MS. xdotool types those by remapping a spare keycode and restores the map
        after the delay; a client that reads the key later than that (a loaded machine) looks it up in
        the restored map and drops the character."""
        for run, remapped in _runs_by_keymap(text):
            delay = max(self.type_delay_ms, REMAP_DELAY_MS) if remapped else self.type_delay_ms
            await self.run("type", "--delay", delay, "--", run)

    async def key(self, keys: Sequence[str]) -> None:
        await self.run("key", "+".join(xdotool_key(k) for k in keys))


class ThreadCall(Protocol):
    """Runs a blocking function on the adapter's worker thread."""

    def __call__(self, function: Callable[[], T], /) -> Awaitable[T]: ...


class PyAutoGuiInput:
    """pyautogui on the adapter's worker thread, bound to the adapter's display."""

    def __init__(self, display: str | None, call: ThreadCall, **opts: Any) -> None:
        self.call = call
        self.interval = float(opts.get("type_interval_s", 0.0))
        self.gui = self._import(display)

    @staticmethod
    def _import(display: str | None) -> Any:
        """pyautogui (and mouseinfo) open X connections at import, from DISPLAY: point those at ours.

        DISPLAY is set to our display only for the import, so a stale or different DISPLAY in the
        process environment can neither break the import nor be changed by it.
        """
        os.environ.setdefault("XDG_SESSION_TYPE", "x11")
        previous = os.environ.get("DISPLAY")
        if display:
            os.environ["DISPLAY"] = display
        try:
            import pyautogui
        except Exception as exc:  # Xlib raises its own connection errors at import
            raise DeviceUnavailableError(
                f"pyautogui could not open X display {os.environ.get('DISPLAY')!r}: {exc}. "
                "Start an X server (e.g. `Xvfb :99 &`) or use input_backend='xtest'."
            ) from exc
        finally:
            if previous is None:
                os.environ.pop("DISPLAY", None)
            else:
                os.environ["DISPLAY"] = previous

        pyautogui.FAILSAFE = False  # a corner is a legitimate place to click
        pyautogui.PAUSE = 0
        x11 = sys.modules.get("pyautogui._pyautogui_x11")
        if display and x11 is not None:
            from Xlib.display import Display

            x11._display = Display(display)  # type: ignore[attr-defined]
        return pyautogui

    def name(self, key: str) -> str:
        mapped = PYAUTOGUI_KEYS.get(key, key)
        if mapped not in self.gui.KEYBOARD_KEYS:
            raise _reject_key(key, [k for k in self.gui.KEYBOARD_KEYS if len(k) > 1])
        return mapped

    async def click(self, x: int, y: int, button: str, count: int) -> None:
        await self.call(lambda: self.gui.click(x, y, clicks=count, interval=0.06, button=button))

    async def move(self, x: int, y: int) -> None:
        await self.call(lambda: self.gui.moveTo(x, y))

    async def drag(self, x: int, y: int, to_x: int, to_y: int, seconds: float) -> None:
        def run() -> None:
            self.gui.moveTo(x, y)
            self.gui.mouseDown()
            self.gui.moveTo(to_x, to_y, duration=max(seconds, 0.05))
            self.gui.mouseUp()

        await self.call(run)

    async def scroll(self, x: int, y: int, steps_x: int, steps_y: int) -> None:
        def run() -> None:
            if steps_y:
                self.gui.scroll(-steps_y, x=x, y=y)  # pyautogui: positive scrolls up
            if steps_x:
                self.gui.hscroll(steps_x, x=x, y=y)

        await self.call(run)

    async def type(self, text: str) -> None:
        missing = sorted({c for c in text if c not in self.gui.KEYBOARD_KEYS and c != "\n"})
        if missing:
            raise ActionRejectedError(
                f"pyautogui cannot type {''.join(missing)!r}; input_backend='xdotool' types any Unicode text"
            )
        await self.call(lambda: self.gui.write(text, interval=self.interval))

    async def key(self, keys: Sequence[str]) -> None:
        names = [self.name(k) for k in keys]
        await self.call(lambda: self.gui.hotkey(*names))


X_MODIFIERS = {"ctrl": "Control_L", "alt": "Alt_L", "shift": "Shift_L", "super": "Super_L"}


class XTestInput:
    """Pointer and keys through the X server's XTest extension, in-process: about half a millisecond an
    action where spawning xdotool costs tens. Text still goes through xdotool, which types any
    Unicode character by remapping a spare keycode.

    The X calls are socket writes and one round trip (sync), so they run inline on the caller's
    thread: a hop to a worker thread and back costs as much as the call itself (0.4 ms after the
    machine sat idle while the model thought). Pauses inside an action are awaited, never slept.
    """

    def __init__(self, display: str, *, type_delay_ms: int = 5) -> None:
        from Xlib import XK, X
        from Xlib.display import Display
        from Xlib.ext import xtest

        self.X, self.XK, self.xtest = X, XK, xtest
        self.conn = Display(display)
        if not self.conn.has_extension("XTEST"):
            self.conn.close()
            raise DeviceUnavailableError(f"the X server on {display} has no XTEST extension; use xdotool")
        self.typer = XdotoolInput(display, type_delay_ms=type_delay_ms)

    def close(self) -> None:
        self.conn.close()

    def _motion(self, x: int, y: int) -> None:
        self.xtest.fake_input(self.conn, self.X.MotionNotify, x=x, y=y)

    def _button(self, number: int, times: int = 1) -> None:
        for _ in range(times):
            self.xtest.fake_input(self.conn, self.X.ButtonPress, number)
            self.xtest.fake_input(self.conn, self.X.ButtonRelease, number)

    def _keycode(self, key: str) -> int:
        name = X_MODIFIERS.get(xdotool_key(key), xdotool_key(key))
        code = self.conn.keysym_to_keycode(self.XK.string_to_keysym(name))
        if not code:
            raise ActionRejectedError(f"the desktop's keyboard map has no key for {key!r}")
        return code

    async def click(self, x: int, y: int, button: str, count: int) -> None:
        self._motion(x, y)
        for index in range(count):
            if index:
                self.conn.sync()
                await asyncio.sleep(0.03)  # well inside any double-click interval, still two clicks
            self._button(BUTTONS[button])
        self.conn.sync()

    async def move(self, x: int, y: int) -> None:
        self._motion(x, y)
        self.conn.sync()

    async def drag(self, x: int, y: int, to_x: int, to_y: int, seconds: float) -> None:
        pause = max(seconds, 0.05) / 2
        self._motion(x, y)
        self.xtest.fake_input(self.conn, self.X.ButtonPress, 1)
        self.conn.sync()
        try:
            await asyncio.sleep(pause)
            self._motion((x + to_x) // 2, (y + to_y) // 2)
            self.conn.sync()
            await asyncio.sleep(pause)
            self._motion(to_x, to_y)
        finally:  # a cancelled drag must not leave the button held down
            self.xtest.fake_input(self.conn, self.X.ButtonRelease, 1)
            self.conn.sync()

    async def scroll(self, x: int, y: int, steps_x: int, steps_y: int) -> None:
        self._motion(x, y)
        if steps_y:
            self._button(5 if steps_y > 0 else 4, abs(steps_y))
        if steps_x:
            self._button(7 if steps_x > 0 else 6, abs(steps_x))
        self.conn.sync()

    async def type(self, text: str) -> None:
        await self.typer.type(text)

    async def key(self, keys: Sequence[str]) -> None:
        codes = [self._keycode(k) for k in keys]  # an unknown key fails before anything is pressed
        for code in codes:
            self.xtest.fake_input(self.conn, self.X.KeyPress, code)
        for code in reversed(codes):
            self.xtest.fake_input(self.conn, self.X.KeyRelease, code)
        self.conn.sync()
