"""The test API on real headless Chromium, with a scripted model that answers from the live page."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from PIL import Image
from pydantic import BaseModel
from ui_harness import MakeUI, Opened
from ui_site import CLASSIC_CSS, REDESIGN_CSS, LoginSite, banner_says

from anyres_agent.agent.testing import LocateCache, LocateError, UIAssertionError

HELLO_ADA = "the welcome banner says Hello Ada"
TYPED_AND_CLICKED = "[user.value, pass.value, events]"
RECT = (
    "s => { const r = document.querySelector(s).getBoundingClientRect();"
    " return [r.x, r.y, r.right, r.bottom] }"
)


def sign_in(opened: Opened) -> None:
    """The flow under test, written the way a user writes it."""
    ui = opened.ui
    ui.type("ada", into="the user name field")
    ui.type("secret", into="the password field")
    ui.tap("the Login button")
    ui.assert_that(HELLO_ADA)


def dom_box(opened: Opened, selector: str) -> tuple[int, int, int, int]:
    rect = opened.ui.call(lambda env: env.page.evaluate(RECT, selector))  # type: ignore[attr-defined]
    return tuple(round(v) for v in rect)  # type: ignore[return-value]


@pytest.mark.parametrize(("family", "dpr"), [("qwen2vl", 1.0), ("qwen25vl", 2.0)])
def test_login_flow_passes_and_each_locate_is_one_model_call(
    make_ui: MakeUI, family: str, dpr: float
) -> None:
    opened = make_ui(family=family, dpr=dpr, statements={HELLO_ADA: banner_says("Hello Ada")})
    ui = opened.ui
    user = ui.type("ada", into="the user name field")
    ui.type("secret", into="the password field")
    login = ui.tap("the Login button")
    reason = ui.assert_that(HELLO_ADA)

    assert reason == 'the banner reads "Hello Ada"'
    assert opened.page(TYPED_AND_CLICKED) == ["ada", "secret", ["user", "pass", "login"]]
    assert user is not None and (user.x1, user.y1, user.x2, user.y2) == dom_box(opened, "#user")
    assert (login.x1, login.y1, login.x2, login.y2) == dom_box(opened, "#login")
    assert login.source == "model" and not login.cached
    assert len(opened.backend.calls) == 4  # three groundings, one judgement: no planning calls
    assert [s.kind for s in ui.steps] == ["type", "type", "tap", "assert"]


def _run_cached(make_ui: MakeUI, cache_path: Path) -> Opened:
    opened = make_ui(cache=LocateCache(cache_path), statements={HELLO_ADA: banner_says("Hello Ada")})
    sign_in(opened)
    assert opened.page(TYPED_AND_CLICKED) == ["ada", "secret", ["user", "pass", "login"]]
    return opened


def _cached_boxes(cache_path: Path) -> dict[str, list[int]]:
    return {e["instruction"]: e["box"] for e in yaml.safe_load(cache_path.read_text())["entries"]}


def test_reruns_hit_the_cache_and_a_redesign_is_detected_and_healed(
    make_ui: MakeUI, site: LoginSite, tmp_path: Path
) -> None:
    cache_path = tmp_path / "locate-cache.yaml"
    everything = ["the user name field", "the password field", "the Login button"]

    cold = _run_cached(make_ui, cache_path)
    assert cold.oracle.grounded == everything
    assert [s.source for s in cold.ui.steps[:3]] == ["model"] * 3
    first_file = cache_path.read_text()

    warm = _run_cached(make_ui, cache_path)
    assert warm.oracle.grounded == [], "a rerun of an unchanged page asks the model nothing to locate"
    assert [s.source for s in warm.ui.steps[:3]] == ["cache"] * 3
    assert warm.oracle.judged == [HELLO_ADA], "assertions are never cached"
    assert cache_path.read_text() == first_file, "an unchanged page leaves the committed file byte-identical"

    site.style = REDESIGN_CSS  # same labels; new layout, sizes and colours
    try:
        healed = _run_cached(make_ui, cache_path)  # the clicks still land on the right elements
        assert healed.oracle.grounded == everything
        assert [s.source for s in healed.ui.steps[:3]] == ["healed"] * 3
        boxes = _cached_boxes(cache_path)
        assert boxes["the Login button"] == list(dom_box(healed, "#login"))
        assert boxes["the user name field"] == list(dom_box(healed, "#user"))
        assert cache_path.read_text() != first_file

        settled = _run_cached(make_ui, cache_path)
        assert settled.oracle.grounded == [], "after healing, the new layout is cached"
    finally:
        site.style = CLASSIC_CSS


SWAPPED_CSS = (
    CLASSIC_CSS + "\n.buttons{flex-direction:row-reverse;justify-content:flex-end}#cancel{background:#2563eb}"
)


def test_two_buttons_of_one_style_swapping_places_are_told_apart_by_their_labels(
    make_ui: MakeUI, site: LoginSite, tmp_path: Path
) -> None:
    cache_path = tmp_path / "locate-cache.yaml"
    site.style = CLASSIC_CSS + "\n#cancel{background:#2563eb}"  # both buttons blue: only the label differs
    try:
        first = make_ui(cache=LocateCache(cache_path))
        first.ui.type("ada", into="the user name field")
        first.ui.tap("the Login button")
        site.style = SWAPPED_CSS  # Login now stands exactly where Cancel stood, and the reverse
        second = make_ui(cache=LocateCache(cache_path))
        field = second.ui.type("ada", into="the user name field")
        login = second.ui.tap("the Login button")
    finally:
        site.style = CLASSIC_CSS
    assert field is not None and field.source == "cache", "the field did not move: still a cache hit"
    assert login.source == "healed", f"the old Login place now shows Cancel (hash distance {login.distance})"
    assert second.oracle.grounded == ["the Login button"]
    assert second.page("events") == ["user", "login"]


def test_a_false_assertion_fails_with_what_the_model_saw_and_the_screenshot(make_ui: MakeUI) -> None:
    wrong = "the welcome banner says Hello Bob"
    opened = make_ui(statements={HELLO_ADA: banner_says("Hello Ada"), wrong: banner_says("Hello Bob")})
    sign_in(opened)
    with pytest.raises(AssertionError) as caught:
        opened.ui.assert_that(wrong)

    message = str(caught.value)
    assert message.startswith("UI assertion failed: 'the welcome banner says Hello Bob'")
    assert 'the model saw: the banner reads "Hello Ada"' in message
    assert isinstance(caught.value, UIAssertionError) and caught.value.screenshot
    assert f"screenshot: {caught.value.screenshot}" in message
    with Image.open(caught.value.screenshot) as shot:
        assert shot.size == (800, 600)
    report = opened.ui.write_report().read_text()
    assert "FALSE: the banner reads &quot;Hello Ada&quot;" in report


class Inbox(BaseModel):
    count: int
    newest: str


def test_query_returns_typed_values_read_from_the_page(make_ui: MakeUI) -> None:
    items = "[...document.querySelectorAll('#inbox li')].map(li => li.textContent)"
    opened = make_ui(
        statements={HELLO_ADA: banner_says("Hello Ada")},
        questions={
            "how many messages are in the inbox?": "document.querySelectorAll('#inbox li').length",
            "what are the subjects in the inbox?": items,
            "summarise the inbox": f"({{count: {items}.length, newest: {items}[0]}})",
        },
    )
    sign_in(opened)
    ui = opened.ui
    assert ui.query("how many messages are in the inbox?", int) == 3
    subjects = ui.query("what are the subjects in the inbox?", list[str])
    assert subjects == ["Invoice from ACME", "Lunch on Friday?", "Your parcel is on its way"]
    assert ui.query("summarise the inbox", Inbox) == Inbox(count=3, newest="Invoice from ACME")
    assert opened.oracle.judged[-3:] == [
        "how many messages are in the inbox?",
        "what are the subjects in the inbox?",
        "summarise the inbox",
    ]


def test_wait_until_polls_the_judge_and_times_out_with_the_last_reason(make_ui: MakeUI) -> None:
    opened = make_ui(
        "/login.html?delay=700",
        statements={HELLO_ADA: banner_says("Hello Ada"), "the banner says Goodbye": banner_says("Goodbye")},
    )
    ui = opened.ui
    ui.type("ada", into="the user name field")
    ui.type("secret", into="the password field")
    start = time.monotonic()  # before the tap: the page's 700 ms timer starts inside it
    ui.tap("the Login button")
    assert ui.wait_until(HELLO_ADA, timeout=10, interval=0.1) == 'the banner reads "Hello Ada"'
    assert time.monotonic() - start > 0.6, "the banner appears only after the page's delay"
    with pytest.raises(AssertionError, match=r"waited 0\.3 s for 'the banner says Goodbye'.*\n.*Hello Ada"):
        ui.wait_until("the banner says Goodbye", timeout=0.3, interval=0.1)


def test_scroll_until_an_element_is_visible_then_tap_it(make_ui: MakeUI) -> None:
    visible = (
        "(() => { const r = document.getElementById('footer').getBoundingClientRect();"
        " const seen = r.top >= 0 && r.bottom <= innerHeight;"
        " return {result: seen, reason: seen ? 'the Contact us link is shown' : 'only terms text'} })()"
    )
    opened = make_ui("/long.html", statements={"the footer link is visible on the screen": visible})
    found = opened.ui.scroll(until="the footer link", distance=600)
    assert found is not None and found.source == "model"
    assert opened.page("scrollY") > 1500
    opened.ui.tap("the footer link")
    assert opened.page("window.footerClicked") is True


def test_an_element_the_model_cannot_find_fails_the_test_with_its_answer(make_ui: MakeUI) -> None:
    opened = make_ui()
    with pytest.raises(
        LocateError, match=r"could not locate 'the Register button'.*I do not see that element"
    ):
        opened.ui.tap("the Register button")
    assert len(opened.backend.calls) == 2, "one retry with the parse error fed back, then a clear failure"
    assert opened.page("events") == []
