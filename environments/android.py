"""The Android adapter: a phone or emulator through adb (adbutils), in device pixels.

Screenshots come from `exec-out screencap -p` (raw PNG, no shell newline mangling; its header gives
the size without decoding). `wm size` reports the natural (portrait) size whatever the rotation, so
screen space is that size turned to match the screenshot: a landscape frame means a landscape screen.
ASCII text goes through `input text`; anything else through the ADBKeyboard IME's base64 broadcast,
which the user installs once (see the README). A missing, offline, unauthorized or vanished device
raises DeviceUnavailableError saying what to do. What an action lands on (for the risk guard) comes
from `uiautomator dump`: the view under the point, the focused field and whether it is a password.
"""

from __future__ import annotations

import asyncio
import base64
import re
import shlex
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar

from anyres_agent.environments.android_maps import KEYCODES, KNOWN_APPS
from anyres_agent.environments.base import (
    ActionRejectedError,
    DeviceUnavailableError,
    ExecutionResult,
    Observation,
    Size,
    Target,
    check_on_screen,
)
from anyres_agent.environments.screenshot import Screenshot, png_size
from anyres_agent.tools import Action, swipe_end_for_scroll

T = TypeVar("T")
ADB_KEYBOARD = "com.android.adbkeyboard/.AdbIME"
SUPPORTED = frozenset({"click", "long_press", "swipe", "drag", "scroll", "type", "key", "back", "home",
                       "open_app", "navigate", "wait"})  # fmt: skip
TextInput = Literal["auto", "adb_keyboard", "input_text"]
BOUNDS = re.compile(r"\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]")


def input_text_arg(text: str) -> str:
    """`input text` takes one shell word; spaces must be written %s. Quote the rest for the shell."""
    return shlex.quote(text.replace(" ", "%s"))


def needs_ime(text: str) -> bool:
    """`input text` only carries printable ASCII (and cannot write a literal '%s')."""
    return "%s" in text or any(not (32 <= ord(c) < 127) for c in text if c not in "\n\t")


def ui_nodes(dump: str) -> list[tuple[tuple[int, int, int, int], dict[str, str]]]:
    """(bounds, attributes) of every node of a `uiautomator dump` (its trailing status line dropped)."""
    start, end = dump.find("<hierarchy"), dump.rfind("</hierarchy>")
    if start < 0 or end < 0:
        return []
    root = ElementTree.fromstring(dump[start : end + len("</hierarchy>")])
    nodes = []
    for node in root.iter("node"):
        found = BOUNDS.fullmatch(node.get("bounds", ""))
        if found:
            x1, y1, x2, y2 = (int(v) for v in found.groups())
            nodes.append(((x1, y1, x2, y2), dict(node.attrib)))
    return nodes


def node_target(attrs: dict[str, str]) -> Target:
    """A view as the risk guard reads it: class, words, password or not, and its app."""
    words = attrs.get("text") or attrs.get("content-desc") or attrs.get("resource-id", "").rsplit("/", 1)[-1]
    kind = attrs.get("class", "view").rsplit(".", 1)[-1]
    editable = "EditText" in kind
    field = "password" if attrs.get("password") == "true" else ("text" if editable else None)
    return Target(
        description=f'{kind} "{words}"' if words else kind, field=field, location=attrs.get("package") or None
    )


def keycode(key: str) -> str:
    if key not in KEYCODES:
        raise ActionRejectedError(
            f"the phone has no {key!r} key; keys it can press: {', '.join(sorted(KEYCODES))}"
        )
    return "KEYCODE_" + KEYCODES[key]


class AndroidEnvironment:
    """One device, by serial (or the only one connected), through an adb server (host:port)."""

    name = "android"

    def __init__(
        self,
        serial: str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 5037,
        text_input: TextInput = "auto",
        app_names: Mapping[str, str] | None = None,
        timeout_s: float = 20.0,
        track_app: bool = True,
    ) -> None:
        import adbutils

        self.client = adbutils.AdbClient(host=host, port=port, socket_timeout=timeout_s)
        self.timeout_s = timeout_s
        self.text_input: TextInput = text_input
        self.app_names = {k.lower(): v for k, v in (app_names or {}).items()}
        self.track_app = track_app
        self.serial = self._adb(lambda: self._pick_serial(serial))
        self.device = self.client.device(self.serial)
        self._natural = self._adb(self._wm_size)
        size = self._adb(lambda: self.device.window_size())  # rotation from `dumpsys display`
        self.screen = Size(width=size.width, height=size.height)
        self._packages: list[str] | None = None
        self._previous_ime: str | None = None

    @classmethod
    async def connect(cls, serial: str | None = None, **options: Any) -> AndroidEnvironment:
        """Construct without blocking the event loop (connecting makes a few adb round trips)."""
        return await asyncio.to_thread(cls, serial, **options)

    async def __aenter__(self) -> AndroidEnvironment:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Give the user back the keyboard they had before ADBKeyboard was switched on."""
        if self._previous_ime is not None:
            previous, self._previous_ime = self._previous_ime, None
            await asyncio.to_thread(self._adb, lambda: self._shell(f"ime set {shlex.quote(previous)}"))

    # ---- adb plumbing -------------------------------------------------------------------------

    def _pick_serial(self, serial: str | None) -> str:
        infos = self.client.list()
        listed = ", ".join(f"{i.serial} ({i.state})" for i in infos) or "nothing"
        if serial is None:
            ready = [i.serial for i in infos if i.state == "device"]
            if len(ready) != 1:
                raise DeviceUnavailableError(
                    f"{'no' if not ready else 'more than one'} Android device is ready (adb devices lists: "
                    f"{listed}); pass the serial of the one to use"
                )
            return ready[0]
        states = {i.serial: i.state for i in infos}
        if serial not in states:
            raise DeviceUnavailableError(
                f"device {serial} is not connected (adb devices lists: {listed}); plug it in, or "
                "`adb connect HOST:PORT` for a networked device"
            )
        self._check_state(serial, states[serial])
        return serial

    @staticmethod
    def _check_state(serial: str, state: str) -> None:
        if state == "unauthorized":
            raise DeviceUnavailableError(
                f"device {serial} is unauthorized: accept the USB debugging prompt on the phone, then retry"
            )
        if state != "device":
            raise DeviceUnavailableError(
                f"device {serial} is {state}: reconnect the cable or run `adb reconnect`, then retry"
            )

    def _adb(self, call: Callable[[], T]) -> T:
        """Run adb calls, turning adbutils' errors into ones that say what happened to the device."""
        import adbutils

        try:
            return call()
        except (adbutils.AdbError, OSError) as error:
            raise self._explain(error) from None

    def _explain(self, error: Exception) -> DeviceUnavailableError:
        where = f"{self.client.host}:{self.client.port}"
        if isinstance(error, ConnectionError) or "connect to adb server" in str(error):
            return DeviceUnavailableError(
                f"cannot reach the adb server at {where}: {error}; run `adb start-server`"
            )
        serial = getattr(self, "serial", "the device")
        try:
            states = {i.serial: i.state for i in self.client.list()}
        except Exception:
            return DeviceUnavailableError(f"adb failed talking to {serial}: {error}")
        if serial not in states:
            listed = ", ".join(f"{s} ({st})" for s, st in states.items()) or "nothing"
            return DeviceUnavailableError(
                f"device {serial} vanished: adb no longer lists it (it lists: {listed}); "
                "reconnect it and retry"
            )
        try:
            self._check_state(serial, states[serial])
        except DeviceUnavailableError as explained:
            return explained
        return DeviceUnavailableError(f"adb failed on {serial}: {error}")

    def _shell(self, command: str) -> str:
        return self.device.shell(command, timeout=self.timeout_s)

    def _exec_out(self, command: str) -> bytes:
        connection = self.device.open_transport(timeout=self.timeout_s)
        try:
            connection.send_command("exec:" + command)
            connection.check_okay()
            return connection.read_until_close(encoding=None)
        finally:
            connection.close()

    async def _run(self, command: str) -> str:
        return await asyncio.to_thread(self._adb, lambda: self._shell(command))

    def _wm_size(self) -> tuple[int, int]:
        output = self._shell("wm size")
        found = re.search(r"Override size: (\d+)x(\d+)", output) or re.search(
            r"Physical size: (\d+)x(\d+)", output
        )
        if not found:
            raise DeviceUnavailableError(f"unexpected `wm size` output from {self.serial}: {output!r}")
        return int(found[1]), int(found[2])

    def _current_app(self) -> str | None:
        output = self._shell("dumpsys window | grep -E 'mCurrentFocus|mFocusedApp'")
        found = re.search(r"mCurrentFocus=Window\{\S+ \S+ ([^/\s}]+)", output)
        return found[1] if found else None

    async def _ui(self) -> list[tuple[tuple[int, int, int, int], dict[str, str]]]:
        dump = await asyncio.to_thread(self._adb, lambda: self._exec_out("uiautomator dump /dev/tty"))
        return ui_nodes(dump.decode("utf-8", "replace"))

    async def target_at(self, x: int, y: int) -> Target | None:
        """The smallest view under (x, y) in the current window (`uiautomator dump`); None when the
        dump fails (a secure window, a busy UI thread). Never raises: a hint for the risk guard."""
        try:
            under = [(b, a) for b, a in await self._ui() if b[0] <= x < b[2] and b[1] <= y < b[3]]
        except Exception:
            return None
        if not under:
            return None
        _, attrs = min(under, key=lambda n: (n[0][2] - n[0][0]) * (n[0][3] - n[0][1]))
        return node_target(attrs)

    async def focused_target(self) -> Target | None:
        """The focused view (and whether it is a password field); None when unknown."""
        try:
            focused = [a for _, a in await self._ui() if a.get("focused") == "true"]
        except Exception:
            return None
        return node_target(focused[-1]) if focused else None

    # ---- the protocol -------------------------------------------------------------------------

    def supported_actions(self) -> frozenset[str]:
        return SUPPORTED

    def screen_for(self, image_size: tuple[int, int]) -> Size:
        """Screen space for a frame: the natural size, turned to the frame's orientation."""
        width, height = self._natural
        if (image_size[0] > image_size[1]) != (width > height):
            width, height = height, width
        return Size(width=width, height=height)

    async def observe(self) -> Observation:
        capture = asyncio.to_thread(self._adb, lambda: self._exec_out("screencap -p"))
        if self.track_app:
            app_query = asyncio.to_thread(self._adb, self._current_app)
            png, app = await asyncio.gather(capture, app_query)
        else:
            png, app = await capture, None
        try:
            size = png_size(png)
        except ValueError:
            raise DeviceUnavailableError(
                f"`screencap -p` on {self.serial} returned {len(png)} bytes that are not a PNG "
                "(is the screen locked by a secure window, or the device still booting?)"
            ) from None
        screen = self.screen_for(size)
        if size != (screen.width, screen.height):  # `wm size` may have been overridden since: ask again
            self._natural = await asyncio.to_thread(self._adb, self._wm_size)
            screen = self.screen_for(size)
        self.screen = screen
        return Observation(screenshot=Screenshot.from_png(png), screen=screen, app=app)

    async def execute(self, action: Action) -> ExecutionResult:
        if action.type not in SUPPORTED:
            raise ActionRejectedError(
                f"the phone cannot {action.type}; it supports {', '.join(sorted(SUPPORTED))}"
            )
        if action.positional:
            check_on_screen(action, self.screen)
        note = ""
        match action.type:
            case "click":
                if action.button != "left":
                    raise ActionRejectedError(
                        "a phone has no right or middle button: use long_press for a menu"
                    )
                for _ in range(action.count):
                    await self._run(f"input tap {action.x} {action.y}")
            case "long_press":
                ms = int(action.duration * 1000)
                await self._run(f"input swipe {action.x} {action.y} {action.x} {action.y} {ms}")
            case "swipe":
                ms = max(int(action.duration * 1000), 1)
                await self._run(f"input swipe {action.x} {action.y} {action.to_x} {action.to_y} {ms}")
            case "drag":
                await self._run(f"input draganddrop {action.x} {action.y} {action.to_x} {action.to_y} 1000")
            case "scroll":
                await self._scroll(action.x, action.y, action.dx, action.dy)
            case "type":
                await self._type(action.text)
            case "key":
                codes = [keycode(k) for k in action.keys]
                verb = "keyevent" if len(codes) == 1 else "keycombination"
                await self._run(f"input {verb} {' '.join(codes)}")
            case "back":
                await self._run("input keyevent KEYCODE_BACK")
            case "home":
                await self._run("input keyevent KEYCODE_HOME")
            case "navigate":
                await self._run(f"am start -a android.intent.action.VIEW -d {shlex.quote(action.url)}")
            case "open_app":
                note = await self._open_app(action.name)
            case "wait":
                await asyncio.sleep(action.seconds)
        return ExecutionResult(ok=True, note=note)

    async def _scroll(self, x: int | None, y: int | None, dx: int, dy: int) -> None:
        """Content scrolls down when the finger moves up: swipe against the scroll direction."""
        width, height = self.screen.width, self.screen.height
        x = width // 2 if x is None else x
        y = height // 2 if y is None else y
        to_x, to_y = swipe_end_for_scroll(x, y, dx, dy, (width, height))
        await self._run(f"input swipe {x} {y} {to_x} {to_y} 300")

    async def _type(self, text: str) -> None:
        if self.text_input == "adb_keyboard" or (self.text_input == "auto" and needs_ime(text)):
            await asyncio.to_thread(self._adb, self._use_adb_keyboard)
            encoded = base64.b64encode(text.encode()).decode()
            await self._run(f"am broadcast -a ADB_INPUT_B64 --es msg {encoded}")
            return
        if needs_ime(text):
            raise ActionRejectedError(
                f"`input text` cannot type {text!r} (only printable ASCII); "
                "use text_input='auto' with ADBKeyboard"
            )
        for i, line in enumerate(text.split("\n")):
            if i:
                await self._run("input keyevent KEYCODE_ENTER")
            for j, part in enumerate(line.split("\t")):
                if j:
                    await self._run("input keyevent KEYCODE_TAB")
                if part:
                    await self._run(f"input text {input_text_arg(part)}")

    def _use_adb_keyboard(self) -> None:
        """Enable and select the ADBKeyboard IME, remembering the user's keyboard for close()."""
        if ADB_KEYBOARD not in self._shell("ime list -s").split():
            if "package:com.android.adbkeyboard" not in self._shell(
                "pm list packages com.android.adbkeyboard"
            ):
                raise ActionRejectedError(
                    f"typing non-ASCII text on {self.serial} needs the ADBKeyboard IME: install "
                    "ADBKeyboard.apk (github.com/senzhk/ADBKeyBoard) with `adb install ADBKeyboard.apk` "
                    "and retry; ASCII text needs nothing"
                )
            self._shell(f"ime enable {ADB_KEYBOARD}")
        current = self._shell("settings get secure default_input_method").strip()
        if current != ADB_KEYBOARD:
            self._shell(f"ime set {ADB_KEYBOARD}")
            if self._previous_ime is None:
                self._previous_ime = current

    def _installed(self, refresh: bool = False) -> list[str]:
        if self._packages is None or refresh:
            output = self._shell("pm list packages")
            self._packages = [line.removeprefix("package:").strip() for line in output.splitlines() if line]
        return self._packages

    def resolve_app(self, name: str) -> str:
        """A package for an app name: the user's map, a package id, known names, then a search."""
        packages = self._adb(lambda: self._installed(refresh=True))
        key = name.strip().lower()
        if key in self.app_names:
            return self.app_names[key]
        if name.strip() in packages:
            return name.strip()
        for candidate in KNOWN_APPS.get(key, ()):
            if candidate in packages:
                return candidate
        compact = re.sub(r"[^a-z0-9]", "", key)
        last = [p for p in packages if p.rsplit(".", 1)[-1].lower() == compact]
        found = last or [p for p in packages if compact and compact in p.rsplit(".", 1)[-1].lower()]
        if len(found) == 1:
            return found[0]
        if found:
            raise ActionRejectedError(
                f"the app name {name!r} is ambiguous: {', '.join(found[:8])}; give the package"
            )
        raise ActionRejectedError(
            f"no app named {name!r} is installed on {self.serial}; give its package id, or map it with "
            "app_names={'Name': 'com.example.app'}"
        )

    async def _open_app(self, name: str) -> str:
        package = await asyncio.to_thread(self.resolve_app, name)
        output = await self._run(f"monkey -p {shlex.quote(package)} -c android.intent.category.LAUNCHER 1")
        if "No activities found" in output or "monkey aborted" in output:
            raise ActionRejectedError(f"{package} has no launcher activity to open")
        return f"opened {package}"
