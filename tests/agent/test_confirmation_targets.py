"""Confirmation judges the target: what the action lands on, read from the device, decides whether a
person is asked, whatever the model's thought says; the question shows where and exactly what.

Real devices throughout: headless Chromium on loopback pages (security_site), a private Xvfb with a
Tk program, and the fake adb server that speaks the adb protocol and `uiautomator dump`'s format.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "environments"))  # x_display, fake_adb

from agent_fakes import Run, family
from fake_adb import FakeAdbServer, FakeDevice, ui_dump, ui_node
from security_site import SecuritySite, centre, steps_backend
from x_display import XScreen

from anyres_agent.agent.api import Agent
from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.guards import ConfirmationRequest, Decision
from anyres_agent.environments.android import AndroidEnvironment
from anyres_agent.environments.base import Target
from anyres_agent.environments.browser import BrowserEnvironment
from anyres_agent.environments.desktop import DesktopEnvironment
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.tools import Click, Finish, Key, Type

FAM = family("qwen25vl")


class Asked:
    """A confirmation callback that writes down each question and declines it."""

    def __init__(self) -> None:
        self.requests: list[ConfirmationRequest] = []

    def __call__(self, request: ConfirmationRequest) -> Decision:
        self.requests.append(request)
        return Decision.reject("not today")

    @property
    def reasons(self) -> list[str]:
        return [r.reason for r in self.requests]


def _silent(actions: list[Any]) -> Any:
    """A step with an empty thought: the model says nothing about what it is doing."""

    async def step(env: Any) -> tuple[list[Any], str]:
        return actions, ""

    return step


def _at(selector: str, frame: str | None = None) -> Any:
    async def step(env: BrowserEnvironment) -> tuple[list[Any], str]:
        x, y = await centre(env, selector, frame)
        return [Click(x=x, y=y)], ""

    return step


def _browser_run(arun: Run, chromium: Any, url: str, steps: list[Any]) -> tuple[Asked, Any]:
    asked = Asked()

    async def go() -> Any:
        env = await BrowserEnvironment.from_browser(chromium, url, settle_s=0.05)
        try:
            agent = Agent(env, steps_backend(env, FAM, steps), FAM, AgentConfig(), confirm=asked)
            return await agent.run("Look around the shop.")
        finally:
            await env.close()

    return asked, arun(go())


# --- the browser: the DOM under the point, the focused field ----------------------------------------


def test_pay_under_the_click_asks_even_with_an_empty_thought(
    arun: Run, chromium: Any, site: SecuritySite
) -> None:
    asked, result = _browser_run(arun, chromium, site.url("/shop"), [_at("#pay")])
    assert asked.reasons == [
        f"the click lands on button \"Pay $500\" at {site.url('/shop')} (mentions 'pay')"
    ]
    assert asked.requests[0].target == f'button "Pay $500" at {site.url("/shop")}'
    assert result.status == "success"  # declined, and the run went on to finish


def test_a_button_inside_a_closed_shadow_root_is_read_and_asks(
    arun: Run, chromium: Any, site: SecuritySite
) -> None:
    asked, _ = _browser_run(arun, chromium, site.url("/shop"), [_at("#danger")])
    assert asked.reasons == [
        f"the click lands on button \"Delete account\" at {site.url('/shop')} (mentions 'delete')"
    ]


def test_a_password_typed_key_by_key_asks(arun: Run, chromium: Any, site: SecuritySite) -> None:
    steps = [_at("#pw"), _silent([Key(keys=["h"])]), _silent([Key(keys=["ctrl", "a"])]), _at("#note"),
             _silent([Key(keys=["x"])])]  # fmt: skip
    asked, _ = _browser_run(arun, chromium, site.url("/login"), steps)
    # one question: the character into the password field; a hotkey there, or a key in a text field, pass
    assert asked.reasons == [
        f'types into a password field, key by key (field "Password" at {site.url("/login")})'
    ]


def test_a_password_field_in_a_closed_root_of_a_cross_site_frame_asks(
    arun: Run, chromium: Any, site: SecuritySite
) -> None:
    async def into_the_frame(env: BrowserEnvironment) -> tuple[list[Any], str]:
        box = await env.page.frame_locator("iframe").locator("#login").bounding_box()
        assert box is not None
        return [Click(x=round(box["x"] + 20), y=round(box["y"] + 15))], "Click the search box."

    steps = [into_the_frame, _silent([Type(text="hunter2")])]
    asked, _ = _browser_run(arun, chromium, site.url("/shop"), steps)
    assert asked.reasons == [f'types into a password field (field "Card PIN" at {site.other}/hidden-pw)']


def test_targets_are_read_through_frames_and_shadow_roots(
    arun: Run, chromium: Any, site: SecuritySite
) -> None:
    env = arun(BrowserEnvironment.from_browser(chromium, site.url("/shop")))
    try:
        pay, danger, search = (arun(centre(env, s)) for s in ("#pay", "#danger", "#plain"))
        assert arun(env.target_at(*pay)) == Target(
            description='button "Pay $500"', location=site.url("/shop")
        )
        assert arun(env.target_at(*danger)).description == 'button "Delete account"'
        assert arun(env.target_at(*search)) == Target(
            description='field "Search"', field="text", location=site.url("/shop")
        )
        assert arun(env.target_at(700, 600)).description == "html"  # the page itself: no words
    finally:
        arun(env.close())


# --- the desktop: the X11 window under the point ------------------------------------------------------

TK_WINDOWS = r"""
import sys, tkinter as tk
root = tk.Tk()
root.title("Bank: Delete account")
root.geometry("400x300+0+0")
notes = tk.Toplevel(root)
notes.title("Notes")
notes.geometry("300x200+500+0")
def ready():  # both windows on the screen: a state XScreen.wait_for sees as ready
    if not (root.winfo_viewable() and notes.winfo_viewable()):
        root.after(20, ready)
        return
    open(sys.argv[1], "w").write('{"shown": true}')
root.after(0, ready)
root.mainloop()
"""


@pytest.fixture(scope="module")
def windows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[XScreen]:
    screen = XScreen(1024, 768, tmp_path_factory.mktemp("xwindows"), True, TK_WINDOWS)
    yield screen
    screen.stop()


def test_the_desktop_reads_the_window_under_the_click_and_asks(arun: Run, windows: XScreen) -> None:
    env = DesktopEnvironment(display=windows.display, monitor=0)
    try:
        assert arun(env.target_at(100, 100)).description == 'window "Bank: Delete account"'
        assert arun(env.target_at(600, 100)).description == 'window "Notes"'
        assert arun(env.target_at(900, 700)) is None  # the bare root window: nothing named
        asked = Asked()
        backend = ScriptedBackend(
            lambda r: (
                FAM.render([Click(x=100, y=100)], r.frame, thought="")
                if len(backend.calls) == 1
                else FAM.render([Finish()], r.frame, thought="")
            )
        )
        arun(Agent(env, backend, FAM, AgentConfig(), confirm=asked).run("Tidy the desktop."))
        assert asked.reasons == [
            "the click lands on window \"Bank: Delete account\" at Tk (mentions 'delete')"
        ]
    finally:
        arun(env.close())


# --- android: the view under the point, the focused field, from uiautomator ---------------------------

BANK = ui_dump(
    ui_node((100, 200, 500, 300), text="Delete account", cls="android.widget.Button", clickable=True),
    ui_node((100, 400, 900, 500), cls="android.widget.EditText", rid="com.example.bank:id/pin", password=True,
            focused=True, index=1),
)  # fmt: skip


@pytest.fixture
def phone() -> Iterator[tuple[FakeDevice, FakeAdbServer]]:
    device = FakeDevice("emulator-5554", ui_xml=BANK)
    server = FakeAdbServer(device)
    yield device, server
    server.close()


def test_android_reads_the_view_under_the_tap_and_the_focused_password_field(
    arun: Run, phone: tuple[FakeDevice, FakeAdbServer]
) -> None:
    device, server = phone
    env = arun(AndroidEnvironment.connect("emulator-5554", port=server.port))
    assert arun(env.target_at(300, 250)) == Target(
        description='Button "Delete account"', location="com.example.bank"
    )
    assert arun(env.focused_target()) == Target(
        description='EditText "pin"', field="password", location="com.example.bank"
    )
    asked = Asked()
    answers = iter([[Click(x=300, y=250)], [Key(keys=["7"])], [Type(text="1234")], [Finish()]])
    backend = ScriptedBackend(lambda r: FAM.render(next(answers), r.frame, thought="Carry on."))
    arun(Agent(env, backend, FAM, AgentConfig(), confirm=asked).run("Check the balance."))
    assert asked.reasons == [
        "the click lands on Button \"Delete account\" at com.example.bank (mentions 'delete')",
        'types into a password field, key by key (EditText "pin" at com.example.bank)',
        'types into a password field (EditText "pin" at com.example.bank)',
    ]
    assert not [c for c in device.commands if c[:2] == ["input", "tap"]]  # declined: never tapped


# --- the terminal: no escape sequence from the model or a page reaches it ------------------------------


def test_the_terminal_prompt_shows_where_and_exactly_what_and_no_escape_sequences() -> None:
    from rich.console import Console

    from anyres_agent.agent.api import RunResult
    from anyres_agent.agent.cli.run import confirmation_text, print_result, progress_printer
    from anyres_agent.agent.loop import StepEvent

    evil = "\x1b[2J\x1b]0;pwned\x07\x1b]52;c;c2VjcmV0\x07\rok\u202e"
    request = ConfirmationRequest(
        step=3, action=Click(x=10, y=20), description="click (10, 20)", reason=f"mentions 'pay' {evil}",
        thought=f"Pay now {evil}", url=f"http://127.0.0.1:8000/checkout{evil}", target=f'button "Pay" {evil}',
    )  # fmt: skip
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, color_system=None, width=200)
    console.print(confirmation_text(request))
    progress_printer(console)(StepEvent(kind="step", step=1, message=f"click {evil}"))
    progress_printer(console)(StepEvent(kind="guard", step=1, message=evil))
    print_result(console, RunResult(status="failure", reason=f"gave up {evil}", answer=f"the answer {evil}"))
    text = out.getvalue()
    assert not any(c in text for c in "\x1b\x07\r\u202e"), repr(text)
    assert "where: http://127.0.0.1:8000/checkout" in text
    assert 'action: {"type": "click", "x": 10, "y": 20, "button": "left", "count": 1}' in text
    assert 'lands on: button "Pay"' in text and "thought: Pay now" in text
