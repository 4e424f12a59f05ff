"""Coordinate frames: image space <-> model space <-> screen space, per axis.

Three spaces meet here (see DESIGN.md): the screen, where actions land; the image, the screenshot as
captured (DPR x screen on HiDPI); and the model's own space, which depends on the family: 0-1000 of the
whole image (Qwen2-VL, UI-TARS v1, Qwen3-VL), absolute pixels of the smart-resized image (Qwen2.5-VL,
UI-TARS-1.5) or 0-1 fractions (ShowUI). Every conversion goes through one `Frame`, so a click lands
where the model meant whatever the screen size, DPR and server-side resize.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

QWEN_FACTOR = 28
QWEN3_FACTOR = 32
CHECKPOINT_MIN_PIXELS = 56 * 56  # 3,136: every Qwen2-VL / Qwen2.5-VL preprocessor_config.json
CHECKPOINT_MAX_PIXELS = 16384 * 28 * 28  # 12,845,056
QWEN3_MIN_PIXELS = 64 * 32 * 32  # 65,536: Qwen3-VL preprocessor_config.json
QWEN3_MAX_PIXELS = 16384 * 32 * 32  # 16,777,216
CLASS_DEFAULT_MAX_PIXELS = 1280 * 28 * 28  # 1,003,520: transformers' bare Qwen2VLImageProcessor
MAX_RATIO = 200

CoordinateSpace = Literal["norm1000", "resized", "unit"]
"""norm1000: 0-1000 of the whole image; resized: pixels of the smart-resized image; unit: 0-1."""


class FrameError(ValueError):
    """An image the model family cannot take (too thin, empty) or a bad pixel budget."""


def smart_resize(
    height: int,
    width: int,
    factor: int = QWEN_FACTOR,
    min_pixels: int = CHECKPOINT_MIN_PIXELS,
    max_pixels: int = CHECKPOINT_MAX_PIXELS,
) -> tuple[int, int]:
    """The (height, width) the Qwen image processor resizes an image to.

    Same arithmetic as transformers' `smart_resize` (5.x): each side to the nearest multiple of
    `factor` (Python's round, halves to even); scaled down (floor) when over max_pixels, up (ceil)
    when under min_pixels.
    """
    if height <= 0 or width <= 0:
        raise FrameError(f"image size must be positive, got {width}x{height}")
    if min_pixels <= 0 or max_pixels < min_pixels:
        raise FrameError(f"need 0 < min_pixels <= max_pixels, got {min_pixels} and {max_pixels}")
    if max(height, width) / min(height, width) > MAX_RATIO:
        raise FrameError(
            f"absolute aspect ratio must be smaller than {MAX_RATIO}, got "
            f"{max(height, width) / min(height, width):.1f} for {width}x{height}"
        )
    h_bar = round(height / factor) * factor
    w_bar = round(width / factor) * factor
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return max(h_bar, factor), max(w_bar, factor)


def image_tokens(resized_height: int, resized_width: int, factor: int = QWEN_FACTOR) -> int:
    """LLM image tokens for an image already at its smart-resized size ((h/f) * (w/f))."""
    return (resized_height // factor) * (resized_width // factor)


@dataclass(frozen=True)
class Frame:
    """How one screenshot maps between the model's numbers and the screen.

    `image_*` is the screenshot as captured, `screen_*` the screen space actions land in, and
    `resized_*` the size the model really sees after smart_resize (what the client must send, and
    what a server must not change).
    """

    space: CoordinateSpace
    screen_width: int
    screen_height: int
    image_width: int
    image_height: int
    resized_width: int
    resized_height: int
    factor: int = QWEN_FACTOR

    @classmethod
    def build(
        cls,
        *,
        space: CoordinateSpace,
        screen: tuple[int, int],
        image: tuple[int, int] | None = None,
        factor: int = QWEN_FACTOR,
        min_pixels: int = CHECKPOINT_MIN_PIXELS,
        max_pixels: int = CHECKPOINT_MAX_PIXELS,
    ) -> Frame:
        """A frame for a screenshot of size `image` (W, H) shown on a `screen` (W, H)."""
        screen_w, screen_h = screen
        image_w, image_h = image or screen
        if min(screen_w, screen_h, image_w, image_h) <= 0:
            raise FrameError(
                f"sizes must be positive: screen {screen_w}x{screen_h}, image {image_w}x{image_h}"
            )
        resized_h, resized_w = smart_resize(image_h, image_w, factor, min_pixels, max_pixels)
        return cls(space, screen_w, screen_h, image_w, image_h, resized_w, resized_h, factor)

    # --- sizes -----------------------------------------------------------------------------
    @property
    def dpr_x(self) -> float:
        return self.image_width / self.screen_width

    @property
    def dpr_y(self) -> float:
        return self.image_height / self.screen_height

    @property
    def model_width(self) -> float:
        """The x extent of model space: 1000, the resized width, or 1."""
        return {"norm1000": 1000.0, "resized": float(self.resized_width), "unit": 1.0}[self.space]

    @property
    def model_height(self) -> float:
        return {"norm1000": 1000.0, "resized": float(self.resized_height), "unit": 1.0}[self.space]

    @property
    def image_tokens(self) -> int:
        return image_tokens(self.resized_height, self.resized_width, self.factor)

    # --- conversions -----------------------------------------------------------------------
    def model_to_screen(self, x: float, y: float) -> tuple[float, float]:
        return x / self.model_width * self.screen_width, y / self.model_height * self.screen_height

    def screen_to_model(self, x: float, y: float) -> tuple[float, float]:
        return x / self.screen_width * self.model_width, y / self.screen_height * self.model_height

    def image_to_screen(self, x: float, y: float) -> tuple[float, float]:
        return x / self.dpr_x, y / self.dpr_y

    def screen_to_image(self, x: float, y: float) -> tuple[float, float]:
        return x * self.dpr_x, y * self.dpr_y

    def model_to_image(self, x: float, y: float) -> tuple[float, float]:
        return self.screen_to_image(*self.model_to_screen(x, y))

    def image_to_model(self, x: float, y: float) -> tuple[float, float]:
        return self.screen_to_model(*self.image_to_screen(x, y))

    def in_model_space(self, x: float, y: float) -> bool:
        return 0 <= x <= self.model_width and 0 <= y <= self.model_height

    def describe(self) -> str:
        return (
            f"screen {self.screen_width}x{self.screen_height}, image {self.image_width}x{self.image_height} "
            f"(DPR {self.dpr_x:g}), model sees {self.resized_width}x{self.resized_height} "
            f"({self.image_tokens} tokens), coordinates {self.space}"
        )
