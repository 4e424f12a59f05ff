"""The test API on a real X server (Xvfb) with a real Tk app: locate, click, type, and the cache."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from anyres_agent.agent.testing import LocateCache, ModelSetup
from anyres_agent.agent.testing.desktop import open_desktop_ui
from anyres_agent.model.answer import Box
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.model.conversation import ModelRequest
from anyres_agent.model.families import get_family

pytest_plugins = ["pytester"]

APP = """
import json, sys, tkinter as tk
out = sys.argv[1]
root = tk.Tk(); root.geometry("400x300+0+0"); root.title("notes")
entry = tk.Entry(root, font=("Helvetica", 14)); entry.place(x=40, y=40, width=300, height=32)
def save():
    open(out, "w").write(entry.get())
tk.Button(root, text="Save", command=save).place(x=40, y=100, width=120, height=40)
def ready():
    boxes = {}
    for name, widget in (("the note field", entry), ("the Save button", root.place_slaves()[0])):
        x, y = widget.winfo_rootx(), widget.winfo_rooty()
        boxes[name] = [x, y, x + widget.winfo_width(), y + widget.winfo_height()]
    print(json.dumps(boxes), flush=True)
root.after(300, ready)
root.mainloop()
"""


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    """A private Xvfb server; the X server picks a free display number and tells us through a pipe."""
    assert shutil.which("Xvfb"), "the desktop tests need Xvfb (apt-get install xvfb)"
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "800x600x24", "-nolisten", "tcp"],
        pass_fds=(write,),
    )
    number = os.read(read, 16).decode().strip()
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


def _saved_when_written(path: Path, expected: str, within_s: float = 10.0) -> str:
    """The file's text once it reads `expected`, or as it is after `within_s`: the app handles the
    click, and writes the file, in its own time after the input was sent."""
    deadline = time.monotonic() + within_s
    while True:
        text = path.read_text() if path.exists() else ""
        if text == expected or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def test_a_native_app_is_tapped_typed_into_and_cached(display: str, tmp_path: Path) -> None:
    saved = tmp_path / "saved.txt"
    app = subprocess.Popen(
        [sys.executable, "-c", APP, str(saved)], env={"DISPLAY": display}, stdout=subprocess.PIPE, text=True
    )
    try:
        assert app.stdout is not None
        boxes = {
            name: Box(x1=b[0], y1=b[1], x2=b[2], y2=b[3])
            for name, b in json.loads(app.stdout.readline()).items()
        }
        family = get_family("qwen2vl")
        asked: list[str] = []

        def model(request: ModelRequest) -> str:
            text = "\n".join(m.plain_text() for m in request.messages)
            name = next(n for n in boxes if n in text)
            asked.append(name)
            assert request.frame is not None
            return family.render_grounding(boxes[name], request.frame)

        cache = LocateCache(tmp_path / "cache.yaml")
        setup = ModelSetup(backend=ScriptedBackend(model), family=family)
        with open_desktop_ui(setup, cache=cache, display=display, record_dir=tmp_path / "record") as ui:
            ui.type("milk, eggs", into="the note field")
            ui.tap("the Save button")
            ui.type(", tea", into="the note field")  # the field now shows text: it no longer looks the same
            ui.tap("the Save button")  # the button looks the same (the pointer hovers it): from the cache
        assert _saved_when_written(saved, "milk, eggs, tea") == "milk, eggs, tea"
        assert asked == ["the note field", "the Save button", "the note field"]
        assert [s.source for s in ui.steps] == ["model", "model", "healed", "cache"]
        assert [e.page for e in cache.entries()] == ["desktop", "desktop"], "not keyed on the display number"
    finally:
        app.terminate()
        app.wait(timeout=10)


def test_the_ui_desktop_fixture_works_on_the_display_in_the_environment(
    display: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", display)
    pytester.makeconftest(
        "import pytest\nfrom model.backends import ScriptedBackend\n\n"
        "@pytest.fixture(scope='session')\ndef agent_backend():\n"
        "    return ScriptedBackend(['<|box_start|>(100,100),(200,200)<|box_end|>'])\n"
    )
    pytester.makepyfile(
        "def test_locate(ui_desktop):\n"
        "    box = ui_desktop.locate('the top-left area')\n"
        "    assert (box.x1, box.y1, box.x2, box.y2) == (80, 60, 160, 120)  # 0-1000 of an 800x600 screen\n"
    )
    # in-process: pytest-playwright's global soft-assertion scope cannot nest inside this session's
    args = ["-p", "no:playwright"] + (
        [] if _plugin_registered() else ["-p", "anyres_agent.agent.pytest_plugin"]
    )
    pytester.runpytest(*args, "--agent-model=qwen2-vl-7b").assert_outcomes(passed=1)


def _plugin_registered() -> bool:
    import importlib.metadata

    return any(
        ep.value == "anyres_agent.agent.pytest_plugin"
        for ep in importlib.metadata.entry_points(group="pytest11")
    )
