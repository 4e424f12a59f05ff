"""Screenshots on their way to a model: resize to the frame, encode, wrap as data URLs.

The client resizes every screenshot to the frame's smart-resized size itself, so the size the model
sees is known before the request leaves (a server that gets an image already at a valid size within
its budget does not change it). Encoding is the other half of request preparation; see
tests/benchmarks/bench_request_prep.py for the measurements behind the PNG default.
"""

from __future__ import annotations

import base64
import binascii
import io
import threading
import weakref
from typing import Any, Literal

from PIL import Image

from anyres_agent.model.conversation import ImageLike, LazyImage, pixels
from anyres_agent.model.frame import Frame, FrameError
from anyres_agent.model.frame import image_tokens as resized_image_tokens

ImageFormat = Literal["png", "jpeg", "webp"]
MIME = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
DEFAULT_FORMAT: ImageFormat = "png"
"""Lossless: UI text stays legible, and the benchmark shows encode time is small next to inference."""

PNG_COMPRESS_LEVEL = 1
"""zlib level 1: several times faster than Pillow's default 6 for a few percent more bytes on screenshots."""

PAD_COLOR = (0, 0, 0)
"""Padding is black, the colour environments.png pads with: plainly not part of any screen."""

RESAMPLE = Image.Resampling.BICUBIC
"""The filter the Qwen image processors use, so a client-side resize matches a server-side one."""


def prepare_screenshot(image: Image.Image, frame: Frame) -> Image.Image:
    """The screenshot exactly as the model must see it: RGB, at the frame's resized size.

    Raises FrameError when the image is not the one the frame was built for, because a frame built
    for another size would map every coordinate wrongly.
    """
    if image.size != (frame.image_width, frame.image_height):
        raise FrameError(
            f"screenshot is {image.width}x{image.height} but the frame was built for "
            f"{frame.image_width}x{frame.image_height}; build the frame from this screenshot"
        )
    rgb = to_rgb(image)
    target = (frame.resized_width, frame.resized_height)
    if rgb.size == target:
        return rgb
    if frame.padded:  # unscaled at the top-left of the grid-sized canvas, the rest black
        canvas = Image.new("RGB", target, PAD_COLOR)
        canvas.paste(rgb, (0, 0))
        return canvas
    return rgb.resize(target, RESAMPLE)


def to_rgb(image: Image.Image) -> Image.Image:
    """RGB without transparency (alpha composited on white), what every Qwen processor converts to."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def encode_image(image: Image.Image, fmt: ImageFormat = DEFAULT_FORMAT, *, quality: int = 90) -> bytes:
    """The image as PNG (lossless), JPEG or lossy WebP bytes; `quality` applies to the lossy two."""
    buffer = io.BytesIO()
    rgb = to_rgb(image)
    if fmt == "png":
        rgb.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    elif fmt == "jpeg":
        rgb.save(buffer, format="JPEG", quality=quality, subsampling=0 if quality >= 90 else 2)
    elif fmt == "webp":
        rgb.save(buffer, format="WEBP", quality=quality, method=4)
    else:
        raise ValueError(f"unknown image format {fmt!r}; use one of {sorted(MIME)}")
    return buffer.getvalue()


_cache_lock = threading.Lock()
_cache: dict[int, tuple[weakref.ref[Any], str, str]] = {}


def to_data_url(image: ImageLike, fmt: ImageFormat = DEFAULT_FORMAT, *, quality: int = 90) -> str:
    """A `data:` URL for the image, cached per image object while it lives.

    A PNG that the image already has (a screenshot sent as captured, or padded by an incremental
    encoder) is used as it is. History screenshots are sent again on every step; caching their
    encoding keeps the prepare time of step N at one encode instead of N.
    """
    key = id(image)
    tag = f"{fmt}:{quality}"
    with _cache_lock:
        hit = _cache.get(key)
        if hit and hit[0]() is image and hit[1] == tag:
            return hit[2]
    if fmt == "png" and isinstance(image, LazyImage) and image.has_png:
        data = image.png()
    else:
        data = encode_image(pixels(image), fmt, quality=quality)
    url = f"data:{MIME[fmt]};base64,{base64.b64encode(data).decode('ascii')}"

    def forget(_ref: weakref.ReferenceType[Any], key: int = key) -> None:
        _forget(key)

    with _cache_lock:
        _cache[key] = (weakref.ref(image, forget), tag, url)
    return url


def _forget(key: int) -> None:
    with _cache_lock:
        _cache.pop(key, None)


def decode_data_url(url: str) -> Image.Image:
    """The image inside a base64 `data:` URL (tests and servers use it to check what was sent)."""
    head, sep, payload = url.partition(",")
    if not sep or not head.startswith("data:") or not head.endswith(";base64"):
        raise ValueError(f"not a base64 data URL: {url[:40]!r}")
    try:
        raw = base64.b64decode(payload, validate=True)
    except binascii.Error as error:
        raise ValueError(f"bad base64 in data URL: {error}") from error
    image = Image.open(io.BytesIO(raw))
    image.load()
    return image


def image_tokens(image: Image.Image | LazyImage, factor: int) -> int:
    """LLM tokens for an image already at its smart-resized size: (w/factor) * (h/factor)."""
    return resized_image_tokens(image.height, image.width, factor)
