"""A fake adb *server* on loopback that speaks the adb host smart-socket protocol to the real adbutils.

Requests are a 4-hex-digit length plus a command; replies are OKAY or FAIL plus a length-prefixed
message. After `host:tport:serial:X` (OKAY + 8-byte transport id) the same socket carries one
`shell:`/`exec:` service whose raw output ends when the socket closes. Each fake device serves a
PNG for `screencap -p`, a view hierarchy for `uiautomator dump /dev/tty` (`ui_xml`, in the dump's own
format), and records every `input`/`am`/`monkey`/`cmd`/`ime` command it receives, as argv lists parsed
like a shell would. Devices can be made offline, unauthorized or vanish.
"""

from __future__ import annotations

import base64
import functools
import io
import shlex
import socket
import socketserver
import threading
from dataclasses import dataclass, field

from PIL import Image

ADB_KEYBOARD = "com.android.adbkeyboard/.AdbIME"
# What `uiautomator dump` writes, attribute for attribute, and the line it ends with ("hierchary" is
# its own spelling): AccessibilityNodeInfoDumper.java and DumpCommand.java in AOSP's
# platform/frameworks/testing (uiautomator/); `adb exec-out uiautomator dump /dev/tty` prints both.
UI_NODE = (
    '<node index="{index}" text="{text}" resource-id="{rid}" class="{cls}" package="{package}" '
    'content-desc="{desc}" checkable="false" checked="false" clickable="{clickable}" enabled="true" '
    'focusable="{focusable}" focused="{focused}" scrollable="false" long-clickable="false" '
    'password="{password}" selected="false" bounds="[{x1},{y1}][{x2},{y2}]"'
)
DUMP_TRAILER = "UI hierchary dumped to: /dev/tty\n"


def ui_node(
    bounds: tuple[int, int, int, int],
    *,
    text: str = "",
    cls: str = "android.widget.TextView",
    package: str = "com.example.bank",
    desc: str = "",
    rid: str = "",
    clickable: bool = False,
    focused: bool = False,
    password: bool = False,
    index: int = 0,
    children: str = "",
) -> str:
    """One node of a uiautomator dump (bool attributes as the dumper writes them)."""
    x1, y1, x2, y2 = bounds
    head = UI_NODE.format(
        index=index, text=text, rid=rid, cls=cls, package=package, desc=desc,
        clickable=str(clickable).lower(), focusable=str(clickable or focused).lower(),
        focused=str(focused).lower(), password=str(password).lower(), x1=x1, y1=y1, x2=x2, y2=y2,
    )  # fmt: skip
    return f"{head}>{children}</node>" if children else f"{head} />"


def ui_dump(*nodes: str, size: tuple[int, int] = (1080, 2400)) -> str:
    """A whole dump: the root FrameLayout holding `nodes`."""
    root = ui_node((0, 0, *size), cls="android.widget.FrameLayout", children="".join(nodes))
    head = "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"
    return f'{head}<hierarchy rotation="0">{root}</hierarchy>'


LATIN_IME = "com.android.inputmethod.latin/.LatinIME"


@functools.cache
def _frame(size: tuple[int, int]) -> bytes:
    """A dark screen with a red square at the top-left of the current orientation."""
    image = Image.new("RGB", size, (30, 30, 30))
    image.paste((255, 0, 0), (0, 0, 100, 100))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


@dataclass
class FakeDevice:
    serial: str
    state: str = "device"  # or "offline", "unauthorized"
    natural_size: tuple[int, int] = (1080, 2400)
    override_size: tuple[int, int] | None = None
    rotation: int = 0  # 0..3; 1 and 3 are landscape
    packages: list[str] = field(
        default_factory=lambda: ["com.android.settings", "com.android.chrome", "com.google.android.youtube"]
    )
    imes: list[str] = field(default_factory=lambda: [LATIN_IME])
    current_ime: str = LATIN_IME
    focus: str = "com.android.launcher3/.Launcher"
    commands: list[list[str]] = field(default_factory=list)
    typed: list[str] = field(default_factory=list)
    screencaps: int = 0
    ui_xml: str = field(default_factory=ui_dump)

    def size(self) -> tuple[int, int]:
        width, height = self.override_size or self.natural_size
        return (height, width) if self.rotation % 2 else (width, height)

    def png(self) -> bytes:
        return _frame(self.size())

    def run(self, command: str) -> bytes:
        """What the device's shell prints for one command line."""
        argv = shlex.split(command)
        head = argv[:2]
        if argv[:2] == ["screencap", "-p"]:
            self.screencaps += 1
            return self.png()
        if argv[:3] == ["uiautomator", "dump", "/dev/tty"]:
            return (self.ui_xml + DUMP_TRAILER).encode()
        if head == ["wm", "size"]:
            width, height = self.natural_size
            text = f"Physical size: {width}x{height}\n"
            if self.override_size:
                text += f"Override size: {self.override_size[0]}x{self.override_size[1]}\n"
            return text.encode()
        if head == ["dumpsys", "display"]:
            return f"  mCurrentOrientation={self.rotation}\n  orientation={self.rotation}\n".encode()
        if head == ["dumpsys", "window"]:
            return f"  mCurrentFocus=Window{{4f2a u0 {self.focus}}}\n".encode()
        if argv[:3] == ["pm", "list", "packages"]:
            return "".join(f"package:{p}\n" for p in self.packages).encode()
        if argv[:3] == ["ime", "list", "-s"]:
            return "".join(f"{i}\n" for i in self.imes).encode()
        if argv[:4] == ["settings", "get", "secure", "default_input_method"]:
            return f"{self.current_ime}\n".encode()
        self.commands.append(argv)
        if argv[:2] == ["ime", "set"]:
            if argv[2] not in self.imes:
                return f"Unknown input method {argv[2]} cannot be selected for user #0\n".encode()
            self.current_ime = argv[2]
            return f"Input method {argv[2]} selected for user #0\n".encode()
        if argv[:2] == ["ime", "enable"]:
            return f"Input method {argv[2]}: already enabled for user #0\n".encode()
        if argv[:2] == ["input", "text"]:
            self.typed.append(argv[2].replace("%s", " "))
            return b""
        if argv[:3] == ["am", "broadcast", "-a"] and argv[3] == "ADB_INPUT_B64":
            if self.current_ime == ADB_KEYBOARD:
                self.typed.append(base64.b64decode(argv[argv.index("--es") + 2]).decode())
            return b"Broadcasting: Intent { act=ADB_INPUT_B64 (has extras) }\nBroadcast completed: result=0\n"
        if argv[:1] == ["monkey"]:
            package = argv[argv.index("-p") + 1]
            if package not in self.packages:
                return b"  bash arg: -p\n** No activities found to run, monkey aborted.\n"
            self.focus = f"{package}/.Main"
            return b"Events injected: 1\n## Network stats: elapsed time=10ms\n"
        return b""


class FakeAdbServer:
    """A threaded TCP server on 127.0.0.1; `devices` maps serial to device (delete one: it vanishes)."""

    def __init__(self, *devices: FakeDevice) -> None:
        self.devices: dict[str, FakeDevice] = {d.serial: d for d in devices}
        self.requests: list[str] = []
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                outer._serve(self.request)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port: int = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @staticmethod
    def _okay(sock: socket.socket, message: str | None = None) -> None:
        data = b"OKAY"
        if message is not None:
            payload = message.encode()
            data += f"{len(payload):04x}".encode() + payload
        sock.sendall(data)

    @staticmethod
    def _fail(sock: socket.socket, message: str) -> None:
        payload = message.encode()
        sock.sendall(b"FAIL" + f"{len(payload):04x}".encode() + payload)

    @staticmethod
    def _read_request(sock: socket.socket) -> str | None:
        def read(n: int) -> bytes:
            data = b""
            while len(data) < n:
                chunk = sock.recv(n - len(data))
                if not chunk:
                    return b""
                data += chunk
            return data

        header = read(4)
        if not header:
            return None
        return read(int(header, 16)).decode()

    def _device_for(self, sock: socket.socket, serial: str) -> FakeDevice | None:
        device = self.devices.get(serial)
        if device is None:
            self._fail(sock, f"device '{serial}' not found")
        elif device.state == "offline":
            self._fail(sock, "device offline")
        elif device.state == "unauthorized":
            self._fail(
                sock,
                "device unauthorized.\nThis adb server's $ADB_VENDOR_KEYS is not set\n"
                "Try 'adb kill-server' if that seems wrong.\n"
                "Otherwise check for a confirmation dialog on your device.",
            )
        else:
            return device
        return None

    def _serve(self, sock: socket.socket) -> None:
        device: FakeDevice | None = None
        while True:
            request = self._read_request(sock)
            if request is None:
                return
            self.requests.append(request)
            if request == "host:version":
                self._okay(sock, "0029")
            elif request in ("host:devices", "host:devices-l"):
                lines = [
                    f"{d.serial}\t{d.state}" if request == "host:devices" else
                    f"{d.serial:<22} {d.state} product:sdk model:Pixel_7 device:emu64 transport_id:{i + 1}"
                    for i, d in enumerate(self.devices.values())
                ]  # fmt: skip
                self._okay(sock, "".join(line + "\n" for line in lines))
            elif request.startswith("host:tport:serial:") or request.startswith("host:transport:"):
                device = self._device_for(sock, request.rsplit(":", 1)[1])
                if device is None:
                    return
                sock.sendall(b"OKAY" + (b"\x01" + b"\0" * 7 if "tport" in request else b""))
            elif request.startswith("host-serial:"):
                _, serial, command = request.split(":", 2)
                found = self._device_for(sock, serial)
                if found is None:
                    return
                replies = {"get-state": found.state, "get-serialno": found.serial, "features": "cmd,stat_v2"}
                self._okay(sock, replies.get(command, ""))
                return
            elif request.startswith(("shell:", "exec:")) and device is not None:
                if device.serial not in self.devices:  # vanished while connected
                    return
                sock.sendall(b"OKAY" + device.run(request.split(":", 1)[1]))
                return
            else:
                self._fail(sock, f"unknown host service {request!r}")
                return
