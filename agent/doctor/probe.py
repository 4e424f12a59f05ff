"""Does the server resize images again? Asked of the server itself, without trusting a model.

Two requests with the same text differ only in their image: a small reference square, and an image at
exactly the size the client sends (the frame's smart-resized size). A Qwen-family server counts
(h / factor) * (w / factor) prompt tokens for an image of the size it really shows the model (vLLM,
SGLang and DashScope report usage.prompt_tokens), so the difference between the two counts must equal
the difference the frame predicts. When it does not, the server resized our image: its own pixel
budget won, and the model's pixel coordinates are numbers in an image of another size.
"""

from __future__ import annotations

import math
from typing import Any

from PIL import Image
from pydantic import BaseModel

from anyres_agent.model.conversation import GenerationSettings, ImagePart, Message, ModelRequest, TextPart
from anyres_agent.model.frame import Frame, image_tokens, smart_resize

PROBE_TEXT = "Reply with one word: ready."


class ProbeResult(BaseModel):
    """What the server's token counts say about the image it really showed the model."""

    sent: tuple[int, int]
    expected_tokens: int
    counted_tokens: int | None = None
    reference: tuple[int, int] = (0, 0)
    resized: bool | None = None
    seen: tuple[int, int] | None = None
    note: str = ""


def reference_side(frame: Frame, min_pixels: int, max_pixels: int) -> int:
    """A square the server leaves alone: a whole number of patches, above its min_pixels."""
    side = frame.factor * (math.ceil(math.sqrt(min_pixels) / frame.factor) + 1)
    return max(frame.factor * 2, min(side, int(math.sqrt(max_pixels)) // frame.factor * frame.factor))


def _request(image: Image.Image, frame: Frame) -> ModelRequest:
    message = Message(role="user", content=[ImagePart(image=image), TextPart(text=PROBE_TEXT)])
    return ModelRequest(messages=[message], frame=frame, settings=GenerationSettings(max_new_tokens=1))


def seen_size(sent: tuple[int, int], counted: int, factor: int) -> tuple[int, int]:
    """The size the server showed, found as the pixel budget whose smart_resize of our image gives
    `counted` tokens (token counts grow with the budget, so a bisection finds it)."""
    width, height = sent
    area = width * height

    def tokens(budget: int) -> tuple[int, tuple[int, int]]:
        if counted < image_tokens(height, width, factor):  # the server's max_pixels is below ours
            h, w = smart_resize(height, width, factor, factor * factor, budget)
        else:  # its min_pixels is above our image
            h, w = smart_resize(height, width, factor, budget, max(budget, area))
        return image_tokens(h, w, factor), (w, h)

    low, high = factor * factor, max(area, counted * factor * factor) * 4
    while low < high:
        middle = (low + high) // 2
        if tokens(middle)[0] < counted:
            low = middle + 1
        else:
            high = middle
    return tokens(low)[1]


async def probe_server(
    backend: Any, frame: Frame, screenshot: Image.Image, min_pixels: int, max_pixels: int
) -> ProbeResult:
    """Send the reference and the real-size image; compare the server's counts with the frame's."""
    sent = (frame.resized_width, frame.resized_height)
    expected = frame.image_tokens
    side = reference_side(frame, min_pixels, max_pixels)
    reference = Image.new("RGB", (side, side), (128, 128, 128))
    image = screenshot.convert("RGB").resize(sent, Image.Resampling.BICUBIC)
    small = await backend.complete(_request(reference, frame))
    full = await backend.complete(_request(image, frame))
    result = ProbeResult(sent=sent, expected_tokens=expected, reference=(side, side))
    if not small.prompt_tokens or not full.prompt_tokens:
        return result.model_copy(update={"note": "the server reports no usage.prompt_tokens; cannot tell"})
    counted = full.prompt_tokens - small.prompt_tokens + image_tokens(side, side, frame.factor)
    if counted == expected:
        return result.model_copy(update={"counted_tokens": counted, "resized": False, "seen": sent})
    seen = seen_size(sent, counted, frame.factor)
    exact = image_tokens(seen[1], seen[0], frame.factor) == counted
    return result.model_copy(
        update={
            "counted_tokens": counted,
            "resized": True,
            "seen": seen,
            "note": "" if exact else "the size is an estimate: the count matches no budget exactly",
        }
    )
