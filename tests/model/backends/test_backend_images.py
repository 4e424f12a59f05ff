"""Client-side resize to the frame and data-URL encoding."""

from __future__ import annotations

import pytest
from PIL import Image

from anyres_agent.model.backends.images import decode_data_url, encode_image, prepare_screenshot, to_data_url
from anyres_agent.model.frame import Frame, FrameError


def test_prepare_resizes_to_the_frame_and_drops_alpha() -> None:
    shot = Image.new("RGBA", (3840, 2160), (0, 0, 0, 0))
    frame = Frame.build(space="resized", screen=(1920, 1080), image=(3840, 2160), max_pixels=1280 * 28 * 28)
    prepared = prepare_screenshot(shot, frame)
    assert prepared.size == (1316, 728)
    assert prepared.mode == "RGB"
    assert prepared.getpixel((0, 0)) == (255, 255, 255)  # transparent becomes white, as processors do


def test_prepare_keeps_an_image_already_at_size() -> None:
    frame = Frame.build(space="norm1000", screen=(1932, 1092))
    shot = Image.new("RGB", (1932, 1092), "white")
    assert prepare_screenshot(shot, frame) is shot


def test_prepare_refuses_a_screenshot_the_frame_was_not_built_for() -> None:
    frame = Frame.build(space="norm1000", screen=(1920, 1080))
    with pytest.raises(FrameError, match="1280x720 but the frame was built for 1920x1080"):
        prepare_screenshot(Image.new("RGB", (1280, 720)), frame)


@pytest.mark.parametrize(
    ("fmt", "mime"), [("png", "image/png"), ("jpeg", "image/jpeg"), ("webp", "image/webp")]
)
def test_data_url_round_trip(fmt: str, mime: str) -> None:
    image = Image.new("RGB", (56, 28), (200, 10, 10))
    url = to_data_url(image, fmt)  # type: ignore[arg-type]
    assert url.startswith(f"data:{mime};base64,")
    decoded = decode_data_url(url)
    assert decoded.size == (56, 28)
    if fmt == "png":
        assert decoded.convert("RGB").tobytes() == image.tobytes()  # lossless


def test_data_url_is_cached_per_image_object() -> None:
    image = Image.new("RGB", (28, 28), "white")
    assert to_data_url(image) is to_data_url(image)
    assert to_data_url(image, "jpeg") != to_data_url(image)


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="not a base64 data URL"):
        decode_data_url("https://example.com/a.png")
    with pytest.raises(ValueError, match="unknown image format"):
        encode_image(Image.new("RGB", (2, 2)), "gif")  # type: ignore[arg-type]
