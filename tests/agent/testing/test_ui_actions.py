"""Which screen-space actions each test step sends, and how unreadable model answers are handled.

A fake environment (a drawn screenshot, a list of received actions) keeps these checks fast; the
real browser runs in test_ui_browser.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from anyres_agent.agent.secrets import SecretError, SecretStore
from anyres_agent.agent.testing import UI, JudgeAnswerError, LocateError, LoopThread, ModelSetup
from anyres_agent.agent.testing.session import AsyncUI
from anyres_agent.environments import ActionRejectedError, ExecutionResult, Observation, Screenshot, Size
from anyres_agent.model.answer import Box
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.model.conversation import ModelRequest
from anyres_agent.model.families import get_family
from anyres_agent.tools import Action, Click, Scroll, Type

BOXES = {"the card": Box(x1=40, y1=40, x2=140, y2=100), "the bin": Box(x1=300, y1=200, x2=380, y2=280)}


class FakeScreen:
    """A 400x300 screen at DPR 2 that records what it is asked to do."""

    name = "fake"

    def __init__(self) -> None:
        self.actions: list[Action] = []
        image = Image.new("RGB", (800, 600), "white")
        draw = ImageDraw.Draw(image)
        for box in BOXES.values():
            draw.rectangle((box.x1 * 2, box.y1 * 2, box.x2 * 2, box.y2 * 2), fill="#334155")
        self.image = image

    async def observe(self) -> Observation:
        return Observation(screenshot=Screenshot.from_image(self.image), screen=Size(width=400, height=300))

    async def execute(self, action: Action) -> ExecutionResult:
        self.actions.append(action)
        return ExecutionResult()

    def supported_actions(self) -> frozenset[str]:
        return frozenset({"click", "drag", "long_press", "key", "type", "scroll"})

    async def close(self) -> None:
        return None


def grounding_or(answers: list[str]) -> ScriptedBackend:
    """Grounding from BOXES in the family's format; other requests take the next scripted answer."""
    family = get_family("qwen25vl")

    def answer(request: ModelRequest) -> str:
        text = "\n".join(m.plain_text() for m in request.messages)
        for description, box in BOXES.items():
            if text.endswith(description) and request.frame is not None:
                return family.render_grounding(box, request.frame)
        return answers.pop(0)

    return ScriptedBackend(answer)


@pytest.fixture
def screen_ui() -> Iterator[tuple[UI, FakeScreen, list[str]]]:
    screen, answers = FakeScreen(), []
    setup = ModelSetup(backend=grounding_or(answers), family=get_family("qwen25vl"))
    runner = LoopThread()
    ui = UI(AsyncUI(screen, setup), runner, owns_runner=True)
    yield ui, screen, answers
    ui.close()


def test_each_step_sends_its_action_at_the_box_centre(screen_ui: tuple[UI, FakeScreen, list[str]]) -> None:
    ui, screen, _ = screen_ui
    ui.double_tap("the card")
    ui.long_press("the card", duration=0.2)
    ui.drag("the card", "the bin")
    ui.type("hello", into="the card", clear=True)
    ui.key("ctrl+s")
    ui.scroll(direction="up", distance=120)
    assert [a.describe() for a in screen.actions] == [
        "click(x=90, y=70, button='left', count=2)",
        "long_press(x=90, y=70, duration=0.2)",
        "drag(x=90, y=70, to_x=340, to_y=240)",
        "click(x=90, y=70, button='left', count=1)",
        "key(keys=['ctrl', 'a'])",
        "key(keys=['backspace'])",
        "type(text='hello')",
        "key(keys=['ctrl', 's'])",
        "scroll(x=None, y=None, dx=0, dy=-120)",
    ]
    assert [s.kind for s in ui.steps] == ["double_tap", "long_press", "drag", "type", "key", "scroll"]


def test_an_unreadable_judge_answer_is_retried_once_then_reported(
    screen_ui: tuple[UI, FakeScreen, list[str]],
) -> None:
    ui, _, answers = screen_ui
    answers += ["I think so", '{"result": true, "reason": "a dark card is shown"}']
    assert ui.assert_that("a card is shown") == "a dark card is shown"
    answers += ["no idea", "still no idea"]
    with pytest.raises(JudgeAnswerError, match="the model answered: 'still no idea'"):
        ui.query("how many cards?", int)


def test_a_point_answer_is_a_zero_size_box_that_is_still_clicked() -> None:
    family = get_family("uitars15")
    screen = FakeScreen()
    frame = family.frame(screen=(400, 300), image=(800, 600))
    backend = ScriptedBackend([family.render_grounding(Box(x1=90, y1=70, x2=90, y2=70), frame)])
    runner = LoopThread()
    with UI(AsyncUI(screen, ModelSetup(backend=backend, family=family)), runner, owns_runner=True) as ui:
        target = ui.tap("the card")
    assert (target.x1, target.y1) == (target.x2, target.y2) == target.center
    assert abs(target.center[0] - 90) <= 1 and abs(target.center[1] - 70) <= 1
    assert screen.actions[0].type == "click"


def test_a_model_that_cannot_ground_fails_with_its_answer_and_the_screenshot() -> None:
    runner = LoopThread()
    setup = ModelSetup(
        backend=ScriptedBackend(["nothing here", "still nothing"]), family=get_family("qwen2vl")
    )
    with (
        UI(AsyncUI(FakeScreen(), setup), runner, owns_runner=True) as ui,
        pytest.raises(LocateError) as caught,
    ):
        ui.tap("the unicorn")
    assert caught.value.raw == "still nothing"
    assert caught.value.screenshot is not None and caught.value.screenshot.endswith(".png")
    with Image.open(caught.value.screenshot) as shot:
        assert shot.size == (800, 600)


def test_a_secret_is_typed_but_never_recorded(tmp_path: Path) -> None:
    screen = FakeScreen()
    setup = ModelSetup(backend=grounding_or([]), family=get_family("qwen25vl"))
    # Not digits alone: a bare "4711" turns up inside recorded timestamps and image bytes by chance.
    session = AsyncUI(screen, setup, record_dir=tmp_path, secrets=SecretStore({"PIN": "pin-4711"}))
    with UI(session, LoopThread(), owns_runner=True) as ui:
        ui.type("{{secret:PIN}}", into="the card")
        report = ui.write_report().read_text()
    assert screen.actions[-1] == Type(text="pin-4711")
    recorded = " ".join(p.read_text() for p in tmp_path.rglob("*.json")) + report
    assert "{{secret:PIN}}" in recorded and "pin-4711" not in recorded


def test_a_missing_secret_is_named_before_anything_is_clicked(tmp_path: Path) -> None:
    screen = FakeScreen()
    setup = ModelSetup(backend=grounding_or([]), family=get_family("qwen25vl"))
    session = AsyncUI(screen, setup, record_dir=tmp_path, secrets=SecretStore({}))
    with (
        UI(session, LoopThread(), owns_runner=True) as ui,
        pytest.raises(SecretError, match="ANYRES_SECRET_PIN"),
    ):
        ui.type("{{secret:PIN}}", into="the card")
    assert screen.actions == []


class RefusingScreen(FakeScreen):
    """A device whose error quotes the text it was asked to type, as real adapters' errors do."""

    async def execute(self, action: Action) -> ExecutionResult:
        if isinstance(action, Type):
            raise ActionRejectedError(f"cannot type {action.text!r} here")
        return await super().execute(action)


def test_a_device_error_quoting_a_secret_reaches_the_test_masked(tmp_path: Path) -> None:
    setup = ModelSetup(backend=grounding_or([]), family=get_family("qwen25vl"))
    session = AsyncUI(RefusingScreen(), setup, record_dir=tmp_path, secrets=SecretStore({"PIN": "4711-9"}))
    with UI(session, LoopThread(), owns_runner=True) as ui, pytest.raises(ActionRejectedError) as caught:
        ui.type("{{secret:PIN}}", into="the card")
    assert str(caught.value) == "cannot type '{{secret:PIN}}' here"
    recorded = " ".join(p.read_text() for p in tmp_path.rglob("*.json"))
    assert "4711-9" not in recorded


def test_an_unknown_scroll_direction_is_refused_by_name(screen_ui: tuple[UI, FakeScreen, list[str]]) -> None:
    ui, screen, _ = screen_ui
    with pytest.raises(ValueError, match="unknown scroll direction 'sideways'"):
        ui.scroll(direction="sideways")
    ui.scroll(direction="up", distance=250)
    assert screen.actions[-1] == Scroll(dx=0, dy=-250)


def test_a_box_off_the_screenshot_is_fed_back_not_clamped_to_the_edge() -> None:
    """(1500, 40) is off a 0-1000 screenshot: clamping it would tap the right edge, a wrong element."""
    setup = ModelSetup(
        backend=ScriptedBackend(["<|box_start|>(1500,40)<|box_end|>", "<|box_start|>(225,233)<|box_end|>"]),
        family=get_family("qwen2vl"),
    )
    screen = FakeScreen()
    with UI(AsyncUI(screen, setup), LoopThread(), owns_runner=True) as ui:
        ui.tap("the card")
    request = setup.backend.calls[-1]  # type: ignore[attr-defined]
    assert "off the screenshot" in request.messages[-1].plain_text()
    assert screen.actions == [Click(x=90, y=70)]
