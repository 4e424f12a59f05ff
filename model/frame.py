"""Coordinate frames: image space <-> model space <-> screen space, per axis.

Three spaces meet here (see DESIGN.md): the screen, where actions land; the image, the screenshot as
captured (DPR x screen on HiDPI); and the model's own space, which depends on the family: 0-1000 of the
whole image (Qwen2-VL, UI-TARS v1, Qwen3-VL), absolute pixels of the smart-resized image (Qwen2.5-VL,
UI-TARS-1.5) or 0-1 fractions (ShowUI). Every conversion goes through one `Frame`, so a click lands
where the model meant whatever the screen size, DPR and server-side resize.

How the screenshot becomes the model's image (`fit`): "resize" resamples it to the smart_resize size,
as the model's own processor would; "pad" (what the agent uses, AgentConfig.image_fit) places it
unscaled at the top-left of a canvas rounded *up* to the factor's grid whenever that canvas is within
the pixel budget, and resamples only when the budget forces a scale. Either way a screenshot already
on the grid within the budget needs nothing at all, so its captured bytes can go to the model as they
are. A padded model image is still "the whole image"
for every family's numbers (0-1000, resized pixels, 0-1 all span the canvas); `content_*` says which
part of it is the screenshot, and every conversion goes through that.
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

Fit = Literal["pad", "resize"]
"""pad: unscaled screenshot on a grid-sized canvas when the budget allows; resize: always resample."""


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


def padded_size(
    height: int,
    width: int,
    factor: int = QWEN_FACTOR,
    min_pixels: int = CHECKPOINT_MIN_PIXELS,
    max_pixels: int = CHECKPOINT_MAX_PIXELS,
) -> tuple[int, int] | None:
    """(height, width) rounded up to the grid, when smart_resize leaves that size unchanged (on the
    grid, within the budget, a valid aspect ratio); None when only a resample fits the budget."""
    smart_resize(height, width, factor, min_pixels, max_pixels)  # the same errors for bad sizes
    h_bar, w_bar = -(-height // factor) * factor, -(-width // factor) * factor
    if smart_resize(h_bar, w_bar, factor, min_pixels, max_pixels) != (h_bar, w_bar):
        return None
    return h_bar, w_bar


def image_tokens(resized_height: int, resized_width: int, factor: int = QWEN_FACTOR) -> int:
    """LLM image tokens for an image already at its smart-resized size ((h/f) * (w/f))."""
    return (resized_height // factor) * (resized_width // factor)


@dataclass(frozen=True)
class Frame:
    """How one screenshot maps between the model's numbers and the screen.

    `image_*` is the screenshot as captured, `screen_*` the screen space actions land in, and
    `resized_*` the size of the image the model really sees (what the client must send, and what a
    server must not change). `content_*` is the part of that image the screenshot covers, from its
    top-left corner: all of it when the screenshot was resampled, the screenshot's own size when it
    was padded (0 means all of it, so frames stored before padding existed read back unchanged).
    """

    space: CoordinateSpace
    screen_width: int
    screen_height: int
    image_width: int
    image_height: int
    resized_width: int
    resized_height: int
    factor: int = QWEN_FACTOR
    content_width: int = 0
    content_height: int = 0

    def __post_init__(self) -> None:
        if not self.content_width:
            object.__setattr__(self, "content_width", self.resized_width)
        if not self.content_height:
            object.__setattr__(self, "content_height", self.resized_height)

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
        fit: Fit = "resize",
    ) -> Frame:
        """A frame for a screenshot of size `image` (W, H) shown on a `screen` (W, H)."""
        screen_w, screen_h = screen
        image_w, image_h = image or screen
        if min(screen_w, screen_h, image_w, image_h) <= 0:
            raise FrameError(
                f"sizes must be positive: screen {screen_w}x{screen_h}, image {image_w}x{image_h}"
            )
        if fit not in ("pad", "resize"):
            raise FrameError(f"fit must be 'pad' or 'resize', got {fit!r}")
        padded = padded_size(image_h, image_w, factor, min_pixels, max_pixels) if fit == "pad" else None
        if padded is not None:
            canvas_h, canvas_w = padded
            return cls(
                space, screen_w, screen_h, image_w, image_h, canvas_w, canvas_h, factor, image_w, image_h
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
    def padded(self) -> bool:
        """The screenshot sits unscaled on a larger canvas (it was not resampled)."""
        return (self.content_width, self.content_height) != (self.resized_width, self.resized_height)

    @property
    def unchanged(self) -> bool:
        """The model sees the screenshot exactly as captured: no resample, no padding."""
        return (self.resized_width, self.resized_height) == (
            self.image_width,
            self.image_height,
        ) and not self.padded

    @property
    def model_width(self) -> float:
        """The x extent of model space: 1000, the resized width, or 1 (the whole model image)."""
        return {"norm1000": 1000.0, "resized": float(self.resized_width), "unit": 1.0}[self.space]

    @property
    def model_height(self) -> float:
        return {"norm1000": 1000.0, "resized": float(self.resized_height), "unit": 1.0}[self.space]

    @property
    def content_model_width(self) -> float:
        """Where the screenshot ends in model space along x (model_width unless padded)."""
        return self.model_width * self.content_width / self.resized_width

    @property
    def content_model_height(self) -> float:
        return self.model_height * self.content_height / self.resized_height

    @property
    def image_tokens(self) -> int:
        return image_tokens(self.resized_height, self.resized_width, self.factor)

    # --- conversions -----------------------------------------------------------------------
    # The model image spans model space; its first content_* pixels are the screenshot, which
    # spans the screen. Padding only changes that share (resized / content), never the origin.
    def model_to_screen(self, x: float, y: float) -> tuple[float, float]:
        # one product of integers and one division: an integer pixel comes back exactly
        return (
            x * (self.resized_width * self.screen_width) / (self.model_width * self.content_width),
            y * (self.resized_height * self.screen_height) / (self.model_height * self.content_height),
        )

    def screen_to_model(self, x: float, y: float) -> tuple[float, float]:
        return (
            x * (self.content_width * self.model_width) / (self.screen_width * self.resized_width),
            y * (self.content_height * self.model_height) / (self.screen_height * self.resized_height),
        )

    def image_to_screen(self, x: float, y: float) -> tuple[float, float]:
        return x / self.dpr_x, y / self.dpr_y

    def screen_to_image(self, x: float, y: float) -> tuple[float, float]:
        return x * self.dpr_x, y * self.dpr_y

    def model_to_image(self, x: float, y: float) -> tuple[float, float]:
        return self.screen_to_image(*self.model_to_screen(x, y))

    def image_to_model(self, x: float, y: float) -> tuple[float, float]:
        return self.screen_to_model(*self.image_to_screen(x, y))

    def in_model_space(self, x: float, y: float) -> bool:
        """On the screenshot part of the model image (a point on the padding is off the screen)."""
        return 0 <= x <= self.content_model_width and 0 <= y <= self.content_model_height

    def describe(self) -> str:
        seen = f"{self.resized_width}x{self.resized_height}"
        if self.padded:
            content = f"{self.content_width}x{self.content_height}"
            seen += f" (padded: the screenshot sits unscaled in its top-left {content})"
        return (
            f"screen {self.screen_width}x{self.screen_height}, image {self.image_width}x{self.image_height} "
            f"(DPR {self.dpr_x:g}), model sees {seen} ({self.image_tokens} tokens), coordinates {self.space}"
        )
