"""The Android adapter through the real adbutils client against a fake adb server on loopback."""

from __future__ import annotations

import base64
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest
from fake_adb import ADB_KEYBOARD, LATIN_IME, FakeAdbServer, FakeDevice

from anyres_agent.environments import ActionRejectedError, DeviceUnavailableError
from anyres_agent.environments.android import AndroidEnvironment, input_text_arg
from anyres_agent.tools import Back, Click, Home, Key, LongPress, Navigate, OpenApp, Scroll, Swipe, Type

Run = Callable[[Coroutine[Any, Any, Any]], Any]
SERIAL = "emulator-5554"


@pytest.fixture
def phone() -> FakeDevice:
    return FakeDevice(SERIAL)


@pytest.fixture
def adb(phone: FakeDevice) -> Iterator[FakeAdbServer]:
    server = FakeAdbServer(phone, FakeDevice("R58M123", state="offline"))
    yield server
    server.close()


@pytest.fixture
def android(adb: FakeAdbServer, run: Run) -> AndroidEnvironment:
    return run(AndroidEnvironment.connect(SERIAL, port=adb.port))


def inputs(phone: FakeDevice) -> list[list[str]]:
    return [c for c in phone.commands if c[0] in ("input", "am", "monkey")]


def test_screenshot_is_the_device_png_in_device_pixels(
    android: AndroidEnvironment, adb: FakeAdbServer, run: Run
) -> None:
    observation = run(android.observe())
    assert observation.screenshot.size == (1080, 2400)
    assert observation.screen.width == 1080 and observation.screen.height == 2400 and observation.dpr == 1
    assert observation.app == "com.android.launcher3"
    assert observation.screenshot.image.getpixel((50, 50)) == (255, 0, 0)
    assert f"host:tport:serial:{SERIAL}" in adb.requests
    assert "exec:screencap -p" in adb.requests  # raw exec-out, not the newline-mangling shell


def test_a_landscape_frame_turns_the_portrait_wm_size(
    android: AndroidEnvironment, phone: FakeDevice, run: Run
) -> None:
    phone.rotation = 1
    observation = run(android.observe())
    assert observation.screenshot.size == (2400, 1080)
    assert (observation.screen.width, observation.screen.height) == (2400, 1080)
    run(android.execute(Click(x=2300, y=1000)))  # only on screen in landscape
    assert inputs(phone)[-1] == ["input", "tap", "2300", "1000"]


def test_touch_actions_become_input_commands(
    android: AndroidEnvironment, phone: FakeDevice, run: Run
) -> None:
    run(android.execute(Click(x=100, y=200)))
    run(android.execute(Click(x=100, y=200, count=2)))
    run(android.execute(LongPress(x=300, y=400, duration=1.5)))
    run(android.execute(Swipe(x=500, y=1800, to_x=500, to_y=300, duration=0.4)))
    run(android.execute(Scroll(dy=600)))  # content down = finger up from the centre
    run(android.execute(Key(keys=["enter"])))
    run(android.execute(Key(keys=["ctrl", "a"])))
    run(android.execute(Back()))
    run(android.execute(Home()))
    run(android.execute(Navigate(url="https://example.com/a b")))
    assert inputs(phone) == [
        ["input", "tap", "100", "200"],
        ["input", "tap", "100", "200"],
        ["input", "tap", "100", "200"],
        ["input", "swipe", "300", "400", "300", "400", "1500"],
        ["input", "swipe", "500", "1800", "500", "300", "400"],
        ["input", "swipe", "540", "1200", "540", "600", "300"],
        ["input", "keyevent", "KEYCODE_ENTER"],
        ["input", "keycombination", "KEYCODE_CTRL_LEFT", "KEYCODE_A"],
        ["input", "keyevent", "KEYCODE_BACK"],
        ["input", "keyevent", "KEYCODE_HOME"],
        ["am", "start", "-a", "android.intent.action.VIEW", "-d", "https://example.com/a b"],
    ]


def test_ascii_text_is_escaped_for_the_shell_and_input_text(
    android: AndroidEnvironment, phone: FakeDevice, run: Run
) -> None:
    text = """it's a "test" & $HOME; `ls` | (x) <y> *?"""
    run(android.execute(Type(text=text + "\nline two")))
    assert phone.typed == [text, "line two"]
    assert ["input", "keyevent", "KEYCODE_ENTER"] in phone.commands
    assert input_text_arg("a b") == "a%sb"


def test_non_ascii_text_goes_through_adbkeyboard_which_is_switched_on_and_back(
    android: AndroidEnvironment, phone: FakeDevice, run: Run
) -> None:
    phone.imes.append(ADB_KEYBOARD)
    run(android.execute(Type(text="héllo 你好 100%s")))
    assert phone.typed == ["héllo 你好 100%s"]
    broadcast = next(c for c in phone.commands if c[:2] == ["am", "broadcast"])
    assert broadcast[:4] == ["am", "broadcast", "-a", "ADB_INPUT_B64"]
    assert base64.b64decode(broadcast[-1]).decode() == "héllo 你好 100%s"
    assert phone.current_ime == ADB_KEYBOARD
    run(android.close())
    assert phone.current_ime == LATIN_IME


def test_non_ascii_text_without_adbkeyboard_says_what_to_install(
    android: AndroidEnvironment, run: Run
) -> None:
    with pytest.raises(ActionRejectedError, match=r"needs the ADBKeyboard IME: install ADBKeyboard\.apk"):
        run(android.execute(Type(text="你好")))


def test_apps_open_by_name_or_package(android: AndroidEnvironment, phone: FakeDevice, run: Run) -> None:
    assert run(android.execute(OpenApp(name="Settings"))).note == "opened com.android.settings"
    assert run(android.execute(OpenApp(name="com.google.android.youtube"))).note.endswith("youtube")
    assert phone.commands[-1] == ["monkey", "-p", "com.google.android.youtube", "-c",
                                  "android.intent.category.LAUNCHER", "1"]  # fmt: skip
    assert run(android.observe()).app == "com.google.android.youtube"
    with pytest.raises(ActionRejectedError, match="no app named 'Telegram' is installed on emulator-5554"):
        run(android.execute(OpenApp(name="Telegram")))


def test_bad_input_is_refused(android: AndroidEnvironment, run: Run) -> None:
    with pytest.raises(ActionRejectedError, match="off the 1080x2400 screen"):
        run(android.execute(Click(x=1080, y=5)))
    with pytest.raises(ActionRejectedError, match="no right or middle button"):
        run(android.execute(Click(x=1, y=5, button="right")))
    with pytest.raises(ActionRejectedError, match="the phone has no 'f13' key"):
        run(android.execute(Key(keys=["f13"])))


def test_missing_offline_and_unauthorized_devices_say_what_to_do(adb: FakeAdbServer, run: Run) -> None:
    with pytest.raises(
        DeviceUnavailableError, match=r"device nope is not connected \(adb devices lists: emulator"
    ):
        AndroidEnvironment("nope", port=adb.port)
    with pytest.raises(DeviceUnavailableError, match="device R58M123 is offline: reconnect the cable"):
        AndroidEnvironment("R58M123", port=adb.port)
    adb.devices["R58M123"].state = "unauthorized"
    with pytest.raises(
        DeviceUnavailableError, match="R58M123 is unauthorized: accept the USB debugging prompt"
    ):
        AndroidEnvironment("R58M123", port=adb.port)
    assert AndroidEnvironment(port=adb.port).serial == SERIAL  # the only ready one


def test_a_device_that_vanishes_mid_run_is_reported_and_usable_again(
    android: AndroidEnvironment, adb: FakeAdbServer, phone: FakeDevice, run: Run
) -> None:
    del adb.devices[SERIAL]
    with pytest.raises(
        DeviceUnavailableError, match="device emulator-5554 vanished: adb no longer lists it"
    ) as caught:
        run(android.observe())
    assert not caught.value.restart_required
    phone.state = "unauthorized"
    adb.devices[SERIAL] = phone
    with pytest.raises(DeviceUnavailableError, match="unauthorized"):
        run(android.execute(Click(x=1, y=1)))
    phone.state = "device"
    assert run(android.observe()).screenshot.size == (1080, 2400)
