"""A private Xvfb screen and a small real Tk program on it, for the desktop tests and the benchmark.

Xvfb picks a free display number itself (-displayfd), so parallel test runs never collide. The Tk
program writes what happened to it (clicks with root coordinates, wheel notches, submitted text) to a
JSON file, which is how the tests see that input really arrived.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

TK_APP = r"""
import json, os, sys, tkinter as tk
path, width, height = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
state = {"clicks": [], "releases": [], "wheel": 0, "submitted": None}
def save():
    with open(path + ".tmp", "w") as f:
        json.dump(state, f)
    os.replace(path + ".tmp", path)
root = tk.Tk()
root.geometry(f"{width}x{height}+0+0")
root.configure(bg="#202020")
entry = tk.Entry(root)
entry.place(x=100, y=100, width=400, height=40)
def submit():
    state["submitted"] = entry.get()
    save()
tk.Button(root, text="Submit", command=submit).place(x=width - 300, y=height - 200, width=200, height=80)
pad = tk.Canvas(root, bg="#00ff00", highlightthickness=0)
pad.place(x=width // 2, y=height // 2, width=200, height=200)
def clicked(event):
    state["clicks"].append([event.x_root, event.y_root])
    save()
def wheel(event, step):
    state["wheel"] += step
    save()
def released(event):
    state["releases"].append([event.x_root, event.y_root])
    save()
pad.bind("<Button-1>", clicked)
pad.bind("<ButtonRelease-1>", released)
pad.bind("<Button-4>", lambda e: wheel(e, -1))
pad.bind("<Button-5>", lambda e: wheel(e, 1))
root.after(200, save)
root.mainloop()
"""


class XScreen:
    """An Xvfb server of a given size with the Tk program running on it."""

    def __init__(
        self, width: int, height: int, state_dir: Path, app: bool = True, program: str = TK_APP, *args: str
    ) -> None:
        """Start Xvfb and, with `app`, `program` (argv: state file, width, height, *args) on it."""
        self.width, self.height = width, height
        read_fd, write_fd = os.pipe()
        # -noreset: Xvfb otherwise resets when its last client leaves, and a client connecting meanwhile
        # is refused ("connection lost"): a test that closes the desktop and opens it again hit that
        command = ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24"]
        self.xvfb = subprocess.Popen(
            [*command, "-nolisten", "tcp", "-noreset"],
            pass_fds=(write_fd,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        if not number:
            self.xvfb.kill()
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"
        self.state_path = state_dir / f"tk-state-{number}.json"
        self.app: subprocess.Popen[bytes] | None = None
        if app:
            self.app = subprocess.Popen(
                [sys.executable, "-c", program, str(self.state_path), str(width), str(height), *args],
                env={**os.environ, "DISPLAY": self.display},
            )
            self.wait_for(lambda s: True)

    def state(self) -> dict[str, Any]:
        try:
            return json.loads(self.state_path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def wait_for(self, condition: Any, timeout_s: float = 10.0) -> dict[str, Any]:
        """Poll the Tk program's state until `condition(state)` holds; return the last state seen."""
        deadline = time.monotonic() + timeout_s
        state = self.state()
        while time.monotonic() < deadline:
            state = self.state()
            if state and condition(state):
                return state
            time.sleep(0.02)
        return state

    def stop(self) -> None:
        for process in (self.app, self.xvfb):
            if process is not None:
                process.terminate()
                process.wait(timeout=10)
