"""Finding a browser the way a user expects, launching it, and attaching to a running one over CDP."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from local_site import Site

from anyres_agent.environments import DeviceUnavailableError
from anyres_agent.environments import browser_launch as launch
from anyres_agent.environments.browser import BrowserEnvironment
from anyres_agent.tools import Click, Navigate

Run = Callable[[Coroutine[Any, Any, Any]], Any]


def test_the_browser_is_found_explicit_then_playwrights_then_the_systems(tmp_path: Path) -> None:
    ours, system = tmp_path / "playwright-chrome", tmp_path / "chromium"
    ours.touch()
    system.touch()
    assert launch.find_browser(str(ours), system) == launch.BrowserChoice(str(system), "explicit")
    assert launch.find_browser(str(ours), candidates=(str(system),)) == launch.BrowserChoice(
        None, "playwright"
    )
    missing = str(tmp_path / "not-installed")
    assert launch.find_browser(missing, candidates=(str(system),)) == launch.BrowserChoice(
        str(system), "system"
    )
    with pytest.raises(
        DeviceUnavailableError, match=r"no Chromium found.*playwright install chromium.*executable_path"
    ):
        launch.find_browser(missing, candidates=())
    with pytest.raises(DeviceUnavailableError, match=r"no browser at executable_path=.*does not exist"):
        launch.find_browser(str(ours), tmp_path / "typo")


def test_no_sandbox_only_as_root_and_always_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launch, "_is_root", lambda: False)
    assert "--no-sandbox" not in launch.launch_args()
    monkeypatch.setattr(launch, "_is_root", lambda: True)
    args = launch.launch_args()
    assert args[0] == "--no-sandbox"
    assert {"--disable-background-networking", "--disable-component-update", "--disable-quic"} <= set(args)


def test_launch_owns_its_browser_and_closes_it(run: Run, site: Site) -> None:
    env = run(BrowserEnvironment.launch(url=site.url("/corner.html"), viewport=(800, 600), dpr=2))
    assert env.browser_choice is not None and env.browser_choice.source in {"playwright", "system"}
    browser = env._owned[1]
    observation = run(env.observe())
    assert observation.screenshot.size == (1600, 1200) and observation.url == site.url("/corner.html")
    run(env.close())
    assert browser is not None and not browser.is_connected()


def test_attach_to_a_running_browser_over_cdp(run: Run, site: Site, tmp_path: Path) -> None:
    choice = launch.find_browser(None)  # the system browser: Playwright's own has no CLI wrapper here
    profile = tmp_path / "profile"
    chromium = subprocess.Popen(
        [choice.executable_path or "chromium", "--headless=new", "--remote-debugging-port=0",
         f"--user-data-dir={profile}", *launch.launch_args(), "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 20
        while not (port_file.exists() and port_file.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        env = run(BrowserEnvironment.launch(cdp_url=f"http://127.0.0.1:{port}", viewport=(800, 600)))
        try:
            run(env.execute(Navigate(url=site.url("/corner.html"))))
            run(env.execute(Click(x=40, y=25)))
            assert run(env.page.evaluate("window.clicks")) == ["near"]
            assert run(env.observe()).screen.width == 800
        finally:
            run(env.close())
        assert chromium.poll() is None  # attaching never kills the user's browser
    finally:
        chromium.terminate()
        chromium.wait(timeout=10)


def test_an_unreachable_cdp_endpoint_says_how_to_start_one(run: Run) -> None:
    with pytest.raises(
        DeviceUnavailableError, match=r"cannot attach to a browser over CDP at http://127\.0\.0\.1:9"
    ):
        run(BrowserEnvironment.launch(cdp_url="http://127.0.0.1:9", timeout_s=3))
