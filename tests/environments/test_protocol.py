"""The observation measures DPR from pixels; off-screen actions are refused with a clear message."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from anyres_agent.environments import (
    ActionRejectedError,
    Observation,
    Screenshot,
    Size,
    check_on_screen,
    png_size,
)
from anyres_agent.tools import Click, Drag, Type


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_dpr_is_measured_from_the_image_not_reported() -> None:
    observation = Observation(
        screenshot=Screenshot.from_png(_png(2560, 1440)), screen=Size(width=1280, height=720)
    )
    assert observation.dpr == 2.0
    assert observation.dpr_y == 2.0


def test_screenshot_reads_png_size_without_decoding_and_decodes_lazily() -> None:
    shot = Screenshot.from_png(_png(300, 200))
    assert shot.size == (300, 200)
    assert shot._image is None  # nothing decoded yet
    assert shot.image.size == (300, 200)
    assert shot.image.mode == "RGB"


def test_screenshot_encodes_png_once() -> None:
    shot = Screenshot.from_image(Image.new("RGB", (64, 32), "red"))
    data = shot.png
    assert png_size(data) == (64, 32)
    assert shot.png is data


def test_png_size_rejects_other_bytes() -> None:
    with pytest.raises(ValueError, match="not a PNG"):
        png_size(b"GIF89a" + b"\0" * 30)


def test_off_screen_actions_are_rejected_with_the_valid_range() -> None:
    screen = Size(width=1280, height=720)
    check_on_screen(Click(x=1279, y=719), screen)
    check_on_screen(Type(text="no position"), screen)
    with pytest.raises(
        ActionRejectedError, match=r"click at \(1280, 10\) is off the 1280x720 screen.*0 to 1279"
    ):
        check_on_screen(Click(x=1280, y=10), screen)
    with pytest.raises(ActionRejectedError, match="drag"):
        check_on_screen(Drag(x=1, y=1, to_x=5, to_y=900), screen)
