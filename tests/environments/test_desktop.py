"""The desktop adapter on a private Xvfb with a real Tk program, at 1920x1080 and at 3840x2160."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from x_display import XScreen

from anyres_agent.environments import ActionRejectedError, DeviceUnavailableError
from anyres_agent.environments.desktop import DesktopEnvironment
from anyres_agent.tools import Click, Drag, Key, Navigate, Scroll, Type

Run = Callable[[Coroutine[Any, Any, Any]], Any]


@pytest.fixture(scope="module", params=[(1920, 1080), (3840, 2160)], ids=["1080p", "4k"])
def screen(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[XScreen]:
    x_screen = XScreen(*request.param, tmp_path_factory.mktemp("xscreen"))
    yield x_screen
    x_screen.stop()


@pytest.fixture
def desktop(screen: XScreen, run: Run) -> Iterator[DesktopEnvironment]:
    env = DesktopEnvironment(display=screen.display)
    yield env
    run(env.close())


def test_observation_is_the_whole_screen_in_real_pixels(
    desktop: DesktopEnvironment, screen: XScreen, run: Run
) -> None:
    observation = run(desktop.observe())
    assert observation.screen.width == screen.width and observation.screen.height == screen.height
    assert observation.screenshot.size == (screen.width, screen.height)
    assert observation.dpr == 1.0
    image = observation.screenshot.image
    assert image.getpixel((screen.width // 2 + 100, screen.height // 2 + 100)) == (0, 255, 0)  # the Tk canvas
    assert image.getpixel((10, screen.height - 10)) == (0x20, 0x20, 0x20)  # the Tk window background


def test_a_click_lands_on_the_exact_pixel(desktop: DesktopEnvironment, screen: XScreen, run: Run) -> None:
    x, y = screen.width // 2 + 37, screen.height // 2 + 53
    before = len(screen.state().get("clicks", []))
    run(desktop.execute(Click(x=x, y=y)))
    state = screen.wait_for(lambda s: len(s["clicks"]) > before)
    assert state["clicks"][-1] == [x, y]


def test_the_pointer_position_is_reported_after_each_pointer_action(
    desktop: DesktopEnvironment, screen: XScreen, run: Run
) -> None:
    """The cursor a Qwen left_click without a coordinate acts at (see model.families.toolcall)."""
    assert run(desktop.observe()).cursor is None  # before any pointer action the adapter does not guess
    run(desktop.execute(Click(x=120, y=130)))
    assert run(desktop.observe()).cursor == (120, 130)
    run(desktop.execute(Drag(x=120, y=130, to_x=140, to_y=150)))
    assert run(desktop.observe()).cursor == (140, 150)
    run(desktop.execute(Key(keys=["shift"])))  # a key leaves the pointer where it was
    assert run(desktop.observe()).cursor == (140, 150)


def test_clicking_and_typing_change_the_program(
    desktop: DesktopEnvironment, screen: XScreen, run: Run
) -> None:
    run(desktop.execute(Click(x=300, y=120)))  # the entry; no window manager, so focus follows the pointer
    run(desktop.execute(Key(keys=["ctrl", "a"])))  # Tk: to the start of the line
    run(desktop.execute(Type(text="hello wörld!")))
    run(desktop.execute(Key(keys=["end"])))
    run(desktop.execute(Key(keys=["backspace"])))
    run(desktop.execute(Click(x=screen.width - 200, y=screen.height - 160)))  # Submit, in the far corner
    state = screen.wait_for(lambda s: s["submitted"] is not None)
    assert state["submitted"] == "hello wörld"


def test_scroll_turns_the_wheel_by_notches_of_100_px(
    desktop: DesktopEnvironment, screen: XScreen, run: Run
) -> None:
    before = screen.state()["wheel"]
    run(desktop.execute(Scroll(x=screen.width // 2 + 50, y=screen.height // 2 + 50, dy=300)))
    state = screen.wait_for(lambda s: s["wheel"] == before + 3)
    assert state["wheel"] == before + 3


def test_bad_input_is_refused_and_the_desktop_stays_usable(
    desktop: DesktopEnvironment, screen: XScreen, run: Run
) -> None:
    with pytest.raises(ActionRejectedError, match=f"off the {screen.width}x{screen.height} screen"):
        run(desktop.execute(Click(x=screen.width, y=0)))
    with pytest.raises(ActionRejectedError, match="the desktop has no 'camera' key"):
        run(desktop.execute(Key(keys=["camera"])))
    with pytest.raises(ActionRejectedError, match="the desktop cannot navigate"):
        run(desktop.execute(Navigate(url="https://example.com")))
    assert run(desktop.observe()).screenshot.size == (screen.width, screen.height)


def test_a_monitor_at_an_offset_gets_its_own_origin(screen: XScreen, run: Run) -> None:
    """Screen space starts at the chosen monitor's top-left; the adapter adds the offset."""
    left, top = screen.width // 2, screen.height // 2  # a "monitor" whose origin is the Tk canvas corner
    env = DesktopEnvironment(
        display=screen.display, monitor={"left": left, "top": top, "width": left, "height": top}
    )
    try:
        observation = run(env.observe())
        assert observation.screen.width == left and observation.screenshot.size == (left, top)
        assert observation.screenshot.image.getpixel((5, 5)) == (0, 255, 0)
        before = len(screen.state()["clicks"])
        run(env.execute(Click(x=11, y=12)))
        state = screen.wait_for(lambda s: len(s["clicks"]) > before)
        assert state["clicks"][-1] == [left + 11, top + 12]
    finally:
        run(env.close())


def test_double_click_drag_and_a_cancelled_drag_with_xtest(
    desktop: DesktopEnvironment, screen: XScreen, run: Run
) -> None:
    left, top = screen.width // 2, screen.height // 2  # the pad: 200x200 from here
    before = screen.state()
    run(desktop.execute(Click(x=left + 10, y=top + 10, count=2)))
    state = screen.wait_for(lambda s: len(s["clicks"]) >= len(before["clicks"]) + 2)
    assert state["clicks"][-2:] == [[left + 10, top + 10]] * 2

    run(desktop.execute(Drag(x=left + 20, y=top + 20, to_x=left + 150, to_y=top + 120)))
    state = screen.wait_for(lambda s: s["releases"] and s["releases"][-1] == [left + 150, top + 120])
    assert state["clicks"][-1] == [left + 20, top + 20] and state["releases"][-1] == [left + 150, top + 120]

    async def cancelled_drag() -> None:
        task = asyncio.ensure_future(desktop.input.drag(left + 30, top + 30, left + 90, top + 90, 5.0))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    released = len(screen.state()["releases"])
    run(cancelled_drag())  # the button is not left held down
    assert len(screen.wait_for(lambda s: len(s["releases"]) > released)["releases"]) == released + 1


def test_pyautogui_input_works_too(screen: XScreen, run: Run) -> None:
    env = DesktopEnvironment(display=screen.display, input_backend="pyautogui")
    try:
        x, y = screen.width // 2 + 5, screen.height // 2 + 6
        before = len(screen.state()["clicks"])
        run(env.execute(Click(x=x, y=y)))
        assert screen.wait_for(lambda s: len(s["clicks"]) > before)["clicks"][-1] == [x, y]
        with pytest.raises(ActionRejectedError, match="pyautogui cannot type '你'"):
            run(env.execute(Type(text="你")))
    finally:
        run(env.close())


PYAUTOGUI_WITH_A_DEAD_DISPLAY = """
import asyncio, os, sys
from anyres_agent.environments.desktop import DesktopEnvironment
from anyres_agent.tools import Click
env = DesktopEnvironment(display=sys.argv[1], input_backend="pyautogui")
asyncio.run(env.execute(Click(x=int(sys.argv[2]), y=int(sys.argv[3]))))
asyncio.run(env.close())
print(os.environ["DISPLAY"])
"""


def test_pyautogui_ignores_a_stale_display_in_the_environment(screen: XScreen) -> None:
    """pyautogui connects at import from DISPLAY; the adapter's own display must win, untouched."""
    x, y = screen.width // 2 + 9, screen.height // 2 + 3
    before = len(screen.state()["clicks"])
    done = subprocess.run(
        [sys.executable, "-c", PYAUTOGUI_WITH_A_DEAD_DISPLAY, screen.display, str(x), str(y)],
        env={**os.environ, "DISPLAY": ":4243"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ":4243"
    assert screen.wait_for(lambda s: len(s["clicks"]) > before)["clicks"][-1] == [x, y]


def test_xdotool_input_works_too(screen: XScreen, run: Run) -> None:
    env = DesktopEnvironment(display=screen.display, input_backend="xdotool")
    try:
        x, y = screen.width // 2 + 7, screen.height // 2 + 8
        before = len(screen.state()["clicks"])
        run(env.execute(Click(x=x, y=y)))
        assert screen.wait_for(lambda s: len(s["clicks"]) > before)["clicks"][-1] == [x, y]
    finally:
        run(env.close())


def test_no_display_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.raises(DeviceUnavailableError, match=r"no X display: set DISPLAY .*Xvfb :99.*--env browser"):
        DesktopEnvironment()
    with pytest.raises(DeviceUnavailableError, match="cannot open the X display :4242"):
        DesktopEnvironment(display=":4242")


def test_an_unknown_monitor_lists_the_real_ones(screen: XScreen, tmp_path: Path) -> None:
    with pytest.raises(
        ValueError, match=rf"no monitor 7; this display has 0: {screen.width}x{screen.height}\+0\+0"
    ):
        DesktopEnvironment(display=screen.display, monitor=7)


def test_pillow_keeps_freed_frames_unless_the_user_chose(monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    from anyres_agent.environments.desktop import keep_image_blocks

    before = Image.core.get_blocks_max()
    try:
        Image.core.set_blocks_max(0)
        monkeypatch.setenv("PILLOW_BLOCKS_MAX", "0")
        keep_image_blocks()
        assert Image.core.get_blocks_max() == 0  # the user's setting stands
        monkeypatch.delenv("PILLOW_BLOCKS_MAX")
        keep_image_blocks()
        assert Image.core.get_blocks_max() == 4
    finally:
        Image.core.set_blocks_max(before)


def test_text_is_typed_in_runs_so_remapped_characters_get_time() -> None:
    from anyres_agent.environments.desktop_input import _runs_by_keymap

    assert _runs_by_keymap("hello wörld!\n") == [("hello w", False), ("ö", True), ("rld!\n", False)]
    assert _runs_by_keymap("你好 ok") == [("你好", True), (" ok", False)]
