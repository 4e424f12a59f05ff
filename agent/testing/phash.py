"""Perceptual hashes of a screen region, with PIL only, to tell whether an element still looks the same.

The locate cache stores where an element was and what the region around it looked like. On a rerun a
cached box is trusted only if that region still hashes close to what it was; anything else (a moved
button, a new layout, a different label in the same place) re-grounds through the model.

A hash has two parts. The context part hashes the box plus a margin at 16x16: an average hash (each
cell brighter than the mean) and a difference hash (each cell brighter than its right-hand
neighbour). It sees a moved element or a new neighbour; the average hash also tells a flat button
from flat background, where a difference hash is all zeros for both. The detail part is a
difference hash of the box itself at about 4 screen px per cell, fine enough that "Login" and
"Cancel" on two buttons of one style do not pass for each other. Both ignore a change of colour that
keeps light things light and dark things dark (a hover state, a new theme).

Rendering differs with the device pixel ratio (text is hinted differently at 2x), so the cache keys
on the DPR too: a hash is only ever compared with one taken at the same DPR.
"""

from __future__ import annotations

from PIL import Image

from anyres_agent.model.answer import Box

HASH_SIZE = 16
HASH_PREFIX = f"adhash{HASH_SIZE}:"
MIN_MARGIN = 12  # screen px around the box, so a label beside an input is part of what is compared
MIN_HALF_SIZE = 16  # a point (zero-size box) is compared over at least 32x32 screen px
MIN_SET_BITS = 16  # so that a nearly flat region (few set bits) is not called changed by one bit
CELL_PX = 4  # screen px per cell of the detail hash: a 16 px label spans four rows


def hash_region(box: Box, screen: tuple[int, int]) -> Box:
    """The screen-space region hashed for `box`: the box plus a margin, clipped to the screen."""
    width, height = box.x2 - box.x1, box.y2 - box.y1
    margin = max(MIN_MARGIN, min(width, height) // 2)
    cx, cy = (box.x1 + box.x2) / 2, (box.y1 + box.y2) / 2
    half_w = max(width / 2 + margin, MIN_HALF_SIZE)
    half_h = max(height / 2 + margin, MIN_HALF_SIZE)
    screen_w, screen_h = screen
    return Box(
        x1=max(0, round(cx - half_w)),
        y1=max(0, round(cy - half_h)),
        x2=min(screen_w, round(cx + half_w)),
        y2=min(screen_h, round(cy + half_h)),
    )


def image_hash(image: Image.Image, size: int = HASH_SIZE) -> str:
    """Average hash and difference hash of a whole image, as prefixed hex (2 * size * size bits).

    The difference hash alone cannot tell a flat button from flat background (both are all zeros);
    the average hash (pixel brighter than the mean) can, and it too ignores a change of colour
    scheme that keeps light things light and dark things dark.
    """
    grey = image.convert("L")
    square = grey.resize((size, size), Image.Resampling.BOX).tobytes()
    mean = sum(square) / len(square)
    wide = grey.resize((size + 1, size), Image.Resampling.BOX).tobytes()
    bits = 0
    for value in square:
        bits = (bits << 1) | (value > mean)
    for row in range(size):
        base = row * (size + 1)
        for col in range(size):
            bits = (bits << 1) | (wide[base + col] > wide[base + col + 1])
    return f"{HASH_PREFIX}{bits:0{2 * size * size // 4}x}"


def detail_hash(image: Image.Image, cells: tuple[int, int]) -> str:
    """Difference hash on a grid of about 4 screen px per cell: fine enough to read a label's shape."""
    cols, rows = cells
    wide = image.convert("L").resize((cols + 1, rows), Image.Resampling.BOX).tobytes()
    bits = 0
    for row in range(rows):
        base = row * (cols + 1)
        for col in range(cols):
            bits = (bits << 1) | (wide[base + col] > wide[base + col + 1])
    return f"dhash{cols}x{rows}:{bits:0{(cols * rows + 3) // 4}x}"


def _crop(image: Image.Image, box: Box, dpr: tuple[float, float]) -> Image.Image:
    dx, dy = dpr
    left, top = round(box.x1 * dx), round(box.y1 * dy)
    return image.crop((left, top, max(round(box.x2 * dx), left + 1), max(round(box.y2 * dy), top + 1)))


def region_hash(image: Image.Image, region: Box, dpr: tuple[float, float], box: Box | None = None) -> str:
    """Hash a screen-space region of a screenshot (image space = screen x DPR, thumbnailed away).

    With `box`, a detail hash of the box itself is appended, so two buttons of one style with
    different labels ("Login", "Cancel") do not pass for each other.
    """
    parts = [image_hash(_crop(image, region, dpr))]
    if box is not None:
        inner = box if box.x2 - box.x1 >= 8 and box.y2 - box.y1 >= 8 else region
        cells = (
            min(64, max(8, round((inner.x2 - inner.x1) / CELL_PX))),
            min(32, max(4, round((inner.y2 - inner.y1) / CELL_PX))),
        )
        parts.append(detail_hash(_crop(image, inner, dpr), cells))
    return ";".join(parts)


def distance(a: str, b: str) -> float:
    """How different two region hashes are, from 0 (identical) to 1 (nothing alike, or not comparable).

    Per part: the bits that differ over the bits set in either (at least MIN_SET_BITS). Counting
    against all bits would call "Login" and "Cancel" nearly equal, because a label sets only a few
    bits in a mostly flat region. The result is the worse of the two parts.
    """
    parts_a, parts_b = a.split(";"), b.split(";")
    if len(parts_a) != len(parts_b):
        return 1.0
    return max(_part_distance(x, y) for x, y in zip(parts_a, parts_b, strict=True))


def _part_distance(a: str, b: str) -> float:
    prefix_a, _, hex_a = a.partition(":")
    prefix_b, _, hex_b = b.partition(":")
    if prefix_a != prefix_b or len(hex_a) != len(hex_b) or not hex_a:
        return 1.0
    try:
        x, y = int(hex_a, 16), int(hex_b, 16)
    except ValueError:
        return 1.0
    return min(1.0, (x ^ y).bit_count() / max(MIN_SET_BITS, (x | y).bit_count()))
