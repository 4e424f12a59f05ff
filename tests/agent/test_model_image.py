"""What the model is sent: the captured PNG itself when no change is needed, else padded or resampled."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from anyres_agent.agent.model_image import model_image
from anyres_agent.environments.png import PngEncoder
from anyres_agent.environments.screenshot import Screenshot
from anyres_agent.model.backends.images import decode_data_url, to_data_url
from anyres_agent.model.frame import Frame, FrameError


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _page(size: tuple[int, int]) -> Image.Image:
    image = Image.new("RGB", size, (240, 240, 240))
    image.paste((200, 30, 30), (size[0] - 40, size[1] - 20, size[0], size[1]))  # a mark in the far corner
    return image


def test_an_on_grid_capture_goes_to_the_model_as_captured() -> None:
    captured = _png(_page((1288, 728)))
    frame = Frame.build(space="resized", screen=(1288, 728), fit="pad")
    image = model_image(Screenshot.from_png(captured), frame, PngEncoder())
    assert frame.unchanged and image.png() is captured
    assert to_data_url(image).endswith(base64.b64encode(captured).decode("ascii"))


def test_an_off_grid_capture_is_padded_not_resampled() -> None:
    page = _page((1280, 720))
    frame = Frame.build(space="resized", screen=(1280, 720), fit="pad")
    image = model_image(Screenshot.from_png(_png(page)), frame, PngEncoder())
    sent = decode_data_url(to_data_url(image)).convert("RGB")
    assert sent.size == (1288, 728)
    assert sent.crop((0, 0, 1280, 720)).tobytes() == page.tobytes()  # every captured pixel, unscaled
    assert sent.getpixel((1284, 724)) == (0, 0, 0)
    assert image.load().tobytes() == sent.tobytes()  # a local model gets the same pixels


def test_raw_desktop_pixels_are_padded_by_the_incremental_encoder() -> None:
    page = _page((1920, 1080))
    bgrx = page.tobytes("raw", "BGRX")
    frame = Frame.build(space="norm1000", screen=(1920, 1080), fit="pad")
    encoder = PngEncoder()
    sent = decode_data_url(
        to_data_url(model_image(Screenshot.from_pixels(bgrx, (1920, 1080), "BGRX"), frame, encoder))
    )
    assert sent.size == (1932, 1092) and sent.crop((0, 0, 1920, 1080)).tobytes() == page.tobytes()
    assert encoder.bands_compressed > 0


def test_over_budget_captures_are_still_resampled_and_encoded_by_the_runs_encoder() -> None:
    frame = Frame.build(space="resized", screen=(3840, 2160), max_pixels=1280 * 28 * 28, fit="pad")
    encoder = PngEncoder()
    image = model_image(Screenshot.from_image(_page((3840, 2160))), frame, encoder)
    sent = decode_data_url(to_data_url(image)).convert("RGB")
    assert sent.size == (1316, 728) and encoder.bands_compressed > 0
    assert sent.tobytes() == image.load().tobytes()  # the PNG holds exactly the resampled pixels


def test_a_frame_for_another_size_is_refused() -> None:
    frame = Frame.build(space="resized", screen=(1920, 1080), fit="pad")
    with pytest.raises(FrameError, match="1280x720 but the frame was built for 1920x1080"):
        model_image(Screenshot.from_image(_page((1280, 720))), frame, PngEncoder())
