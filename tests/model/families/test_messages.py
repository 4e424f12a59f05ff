"""Every family builds a whole conversation: prompt, task, history, feedback notes, the screenshot."""

from __future__ import annotations

import pytest
from PIL import Image

from anyres_agent.model.conversation import ImagePart
from anyres_agent.model.families import FAMILY_NAMES, get_family
from anyres_agent.model.families.base import Family, HistoryStep
from anyres_agent.tools import action_from_call


def test_the_registry_knows_the_seven_families_and_names_them_on_a_typo():
    assert FAMILY_NAMES == ("qwen2vl", "qwen25vl", "uitars", "uitars15", "showui", "qwen3vl", "osatlas")
    assert get_family("Qwen2.5-VL").name == "qwen25vl"
    assert get_family("OS-Atlas").name == "osatlas"
    with pytest.raises(
        ValueError, match="known families: qwen2vl, qwen25vl, uitars, uitars15, showui, qwen3vl, osatlas"
    ):
        get_family("llava")


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_each_family_implements_the_protocol(name):
    family = get_family(name)
    for member in ("frame", "build_messages", "grounding_messages", "parse", "parse_grounding", "render"):
        assert callable(getattr(family, member)), member
    assert callable(family.render_grounding) and set(Family.__annotations__) <= set(dir(family))
    assert family.space in ("norm1000", "resized", "unit") and family.min_pixels < family.max_pixels
    frame = family.frame(screen=(1920, 1080), image=(3840, 2160))
    assert (frame.space, frame.factor) == (family.space, family.factor)


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_history_notes_and_the_current_screenshot(name):
    family = get_family(name)
    frame = family.frame(screen=(1280, 720), image=(1280, 720))
    recent, current = (Image.new("RGB", (28, 28), c) for c in ("green", "blue"))
    click = action_from_call("click", {"x": 640, "y": 360})
    history = [
        HistoryStep(thought="open the menu", actions=[click], frame=frame, note="the menu opened"),
        HistoryStep(raw=family.render([click], frame, thought="pick File"), frame=frame, screenshot=recent),
    ]
    answered = family.render([click], frame, thought="pick File")
    messages = family.build_messages(
        task="save the file",
        actions=frozenset({"click", "type", "finish"}),
        frame=frame,
        screenshot=current,
        history=history,
        notes=["your last answer had no action: answer with one action"],
    )
    text = "\n".join(m.plain_text() for m in messages)
    images = [p.image for m in messages for p in m.content if isinstance(p, ImagePart)]
    assert "save the file" in text
    assert "your last answer had no action" in text and "the menu opened" in text
    assert messages[-1].role == "user"
    if name == "osatlas":  # one user turn: the card's format holds one screenshot and a text history
        assert images == [current] and f"Step 2: {answered}" in text
        return
    assert "Step 1 (done):" in text  # dropped screenshot: text only
    assert images == [recent, current] and messages[-1].content[-1].image is current
    assert any(m.role == "assistant" and m.plain_text() == answered for m in messages)


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_grounding_prompt_carries_the_instruction_and_the_image(name):
    family = get_family(name)
    frame = family.frame(screen=(1280, 720), image=(1280, 720))
    shot = Image.new("RGB", (28, 28))
    messages = family.grounding_messages(instruction="the Save button", frame=frame, screenshot=shot)
    assert "the Save button" in messages[-1].plain_text()
    assert any(isinstance(p, ImagePart) and p.image is shot for p in messages[-1].content)


def test_text_fields_name_the_text_field_of_each_text_carrying_action():
    from anyres_agent.model.families.common import TEXT_FIELDS, action_text, text_action
    from anyres_agent.tools import action_from_call

    text = "https://example.com/Ada"  # a URL, so that navigate keeps it as it is
    for name, field in TEXT_FIELDS.items():
        action = action_from_call(name, {field: text})
        assert type(action).model_fields[field].annotation is str, (name, field)
        assert action_text(action) == text
        if name != "finish":  # finish also carries success: the families build it themselves
            assert text_action(name, text) == action
