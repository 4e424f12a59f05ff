"""The calibration targets: where they sit (fractions of the screen) and how to find one in a
screenshot (a 10-pixel square of its own colour, found by exact colour, never by the DOM)."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageChops

FRACTIONS: tuple[tuple[float, float], ...] = (
    *((fx, fy) for fy in (0.1, 0.5, 0.9) for fx in (0.1, 0.5, 0.9)),
    (0.02, 0.03), (0.98, 0.03), (0.02, 0.97), (0.98, 0.97),
)  # fmt: skip
"""A 3x3 grid and the four corners: a wrong scale shows at the far edges, a wrong offset everywhere."""


def colour(index: int) -> tuple[int, int, int]:
    """Saturated reds and oranges: text anti-aliasing and the white page never make these."""
    return (255, 16 * index, 0)


@dataclass(frozen=True)
class TargetSpec:
    index: int
    fx: float
    fy: float
    rgb: tuple[int, int, int]


def target_specs() -> list[TargetSpec]:
    return [TargetSpec(i, fx, fy, colour(i)) for i, (fx, fy) in enumerate(FRACTIONS)]


def find_in_image(image: Image.Image, rgb: tuple[int, int, int]) -> tuple[float, float] | None:
    """The centre of the pixels of exactly colour `rgb`, in continuous image coordinates (pixel i
    spans [i, i + 1)); None when the colour is not on screen."""
    rgb_image = image.convert("RGB")
    difference = ImageChops.difference(rgb_image, Image.new("RGB", rgb_image.size, rgb))
    mask = _channel_sum(difference).point(lambda v: 255 if v == 0 else 0)  # a match: 255
    box = mask.getbbox()
    if box is None:
        return None
    left, top, right, bottom = box
    return (left + right) / 2, (top + bottom) / 2


def _channel_sum(image: Image.Image) -> Image.Image:
    """A one-band image that is 0 exactly where every channel of `image` is 0 (sums clip at 255)."""
    red, green, blue = image.split()
    return ImageChops.add(ImageChops.add(red, green), blue)
