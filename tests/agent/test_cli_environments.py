"""`agent run --env ...`: the device flags become the adapter's options; bad ones are one-line usage errors.

Each device is real or speaks its real protocol: a private Xvfb, a fake adb *server* for the real
adbutils client, a real Gymnasium env.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "environments"))  # x_display, fake_adb

from agent_fakes import Run
from fake_adb import FakeAdbServer, FakeDevice
from x_display import XScreen

from anyres_agent.agent.cli import UsageError, build_parser, main
from anyres_agent.agent.cli.run import open_environment, settings_from_args
from anyres_agent.agent.config import Settings
from anyres_agent.environments.android import AndroidEnvironment
from anyres_agent.environments.desktop import DesktopEnvironment
from anyres_agent.environments.gym_env import GymEnvironment


def _settings(*flags: str) -> Settings:
    """The settings `agent run --task ... <flags>` would run with."""
    return settings_from_args(build_parser().parse_args(["run", "--task", "look around", *flags]))


def _open(arun: Run, *flags: str) -> Any:
    return arun(open_environment(_settings(*flags), None))


@pytest.fixture(scope="module")
def screen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[XScreen]:
    x_screen = XScreen(800, 600, tmp_path_factory.mktemp("xscreen"), app=False)
    yield x_screen
    x_screen.stop()


def test_desktop_flags_pick_the_display_and_monitor(arun: Run, screen: XScreen) -> None:
    env = _open(arun, "--env", "desktop", "--display", screen.display, "--monitor", "1")
    try:
        assert isinstance(env, DesktopEnvironment) and env.display == screen.display
        assert arun(env.observe()).screenshot.size == (800, 600)
    finally:
        arun(env.close())
    with pytest.raises(UsageError, match=r"^cannot open the desktop environment: no monitor 3; this display"):
        _open(arun, "--env", "desktop", "--display", screen.display, "--monitor", "3")


def test_android_flags_pick_the_adb_server_and_device(arun: Run) -> None:
    server = FakeAdbServer(FakeDevice("emulator-5554"), FakeDevice("R58M123", natural_size=(720, 1600)))
    try:
        port = str(server.port)
        env = _open(
            arun, "--env", "android", "--serial", "R58M123", "--adb-host", "127.0.0.1", "--adb-port", port
        )
        assert isinstance(env, AndroidEnvironment) and env.serial == "R58M123"
        assert arun(env.observe()).screenshot.size == (720, 1600)
        arun(env.close())
        with pytest.raises(UsageError, match="more than one Android device is ready"):
            _open(arun, "--env", "android", "--adb-port", port)  # two phones and no --serial
    finally:
        server.close()


def test_gym_flag_makes_the_env_with_rgb_frames(arun: Run) -> None:
    env = _open(arun, "--env", "gym", "--gym-env", "FrozenLake-v1")
    try:
        assert isinstance(env, GymEnvironment) and env.options == ["LEFT", "DOWN", "RIGHT", "UP"]
        assert arun(env.observe()).screenshot.size == (256, 256)
    finally:
        arun(env.close())
    with pytest.raises(UsageError, match="cannot open the gym environment: Environment `NoSuchGame` doesn't"):
        _open(arun, "--env", "gym", "--gym-env", "NoSuchGame-v0")


def test_device_settings_come_from_the_config_file_and_environment_too(
    arun: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "agent.toml").write_text('[run]\nenv = "gym"\ngym_env = "Taxi-v3"\nmonitor = 2\n')
    monkeypatch.setenv("ANYRES_GYM_ENV", "CliffWalking-v1")
    settings = _settings("--config", str(tmp_path / "agent.toml"))
    assert (settings.run.env, settings.run.gym_env, settings.run.monitor) == ("gym", "CliffWalking-v1", 2)
    env = arun(open_environment(settings, None))
    try:
        assert env.options == ["UP", "RIGHT", "DOWN", "LEFT"]  # CliffWalking's moves, not Taxi's
    finally:
        arun(env.close())


@pytest.mark.parametrize(
    ("flags", "environ", "error"),
    [
        (["--env", "gym"], {}, "--env gym needs --gym-env ID"),
        (["--env", "desktop", "--url", "demo"], {}, "--url is a browser start page; the desktop environment"),
        (
            ["--env", "desktop", "--monitor", "-1"],
            {},
            "invalid settings: monitor: Input should be greater than or equal to 0",
        ),
        (
            ["--env", "android", "--adb-port", "70000"],
            {},
            "invalid settings: adb_port: Input should be less than or equal",
        ),
        (
            [],
            {"ANYRES_ENV": "tv"},
            "invalid settings: env: Input should be 'browser', 'desktop', 'android' or 'gym'",
        ),
    ],
)
def test_bad_device_settings_are_one_line_usage_errors_before_any_model_loads(
    flags: list[str],
    environ: dict[str, str],
    error: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert main(["run", "--task", "look around", "--model", "no/such-model", *flags]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("agent run: ") and error in lines[0], lines


def test_the_help_documents_each_devices_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for flag in (
        "--display",
        "--monitor N",
        "--serial",
        "--adb-host HOST",
        "--adb-port PORT",
        "--gym-env ID",
    ):
        assert flag in text
    assert "desktop: monitor N" in text and "gym: a Gymnasium env id" in text


def test_run_takes_a_server_profile_and_extra_actions() -> None:
    parsed = _settings("--server", "ollama", "--extra-action", "navigate", "--extra-action", "back")
    assert parsed.run.server == "ollama" and parsed.agent.extra_actions == ["navigate", "back"]
