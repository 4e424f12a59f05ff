"""A screenshot as captured, decoded or encoded only when someone needs it.

Adapters get pixels in different forms (Playwright and adb give PNG bytes, mss gives raw BGRX, gym
gives RGB arrays), and the consumers want different forms too (the model wants a PIL image, the
trajectory wants PNG). A `Screenshot` keeps whichever form it was given and converts lazily, once, so
capture stays as cheap as the raw library call.
"""

from __future__ import annotations

import io
import struct

from PIL import Image

from anyres_agent.environments.png import BYTES_PER_PIXEL, PNG_SIGNATURE, PixelLayout, PngEncoder, encode_png


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG header, without decoding the pixels."""
    if len(data) < 24 or data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("not a PNG image (bad signature or missing IHDR chunk)")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


class Screenshot:
    """Pixels in image space (physical pixels), with lazy PIL decoding and PNG encoding."""

    __slots__ = ("_image", "_layout", "_pixels", "_png", "height", "width")

    def __init__(
        self,
        *,
        image: Image.Image | None = None,
        png: bytes | None = None,
        pixels: bytes | bytearray | None = None,
        layout: PixelLayout = "RGB",
        size: tuple[int, int] | None = None,
    ) -> None:
        if image is None and png is None and pixels is None:
            raise ValueError("a Screenshot needs an image, PNG bytes or raw pixels")
        self._image = image
        self._png = png
        self._pixels, self._layout = pixels, layout
        if image is not None:
            self.width, self.height = image.size
        elif png is not None:
            self.width, self.height = png_size(png)
        elif size is not None:
            self.width, self.height = size
        else:
            raise ValueError("a Screenshot built from raw pixels needs their size")
        if pixels is not None and len(pixels) != self.width * self.height * BYTES_PER_PIXEL[layout]:
            raise ValueError(f"{len(pixels)} bytes of {layout} pixels do not make {self.width}x{self.height}")

    @classmethod
    def from_pixels(cls, pixels: bytes | bytearray, size: tuple[int, int], layout: PixelLayout) -> Screenshot:
        """Raw rows of pixels as a capture library gives them (mss: BGRX; arrays: RGB)."""
        return cls(pixels=pixels, size=size, layout=layout)

    @classmethod
    def from_png(cls, data: bytes) -> Screenshot:
        return cls(png=data)

    @classmethod
    def from_image(cls, image: Image.Image) -> Screenshot:
        return cls(image=image)

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @property
    def image(self) -> Image.Image:
        """The pixels as an RGB PIL image (decoded on first use)."""
        if self._image is None:
            if self._pixels is not None:
                image = Image.frombuffer("RGB", self.size, self._pixels, "raw", self._layout, 0, 1)
            else:
                assert self._png is not None
                image = Image.open(io.BytesIO(self._png))
                image.load()
            self._image = image if image.mode == "RGB" else image.convert("RGB")
        return self._image

    @property
    def png(self) -> bytes:
        """The pixels as PNG bytes (encoded on first use, fast compression)."""
        return self.to_png()

    def to_png(self, encoder: PngEncoder | None = None) -> bytes:
        """PNG bytes; PNG as captured is kept as it is, raw pixels go through `encoder` if given.

        A long-lived encoder (the trajectory's) recompresses only the rows that changed since the
        frame it encoded before.
        """
        if self._png is None:
            encode = encoder.encode if encoder is not None else encode_png
            if self._pixels is not None:
                self._png = encode(self._pixels, self.size, self._layout)
            else:
                self._png = encode(self.image.tobytes(), self.size, "RGB")
        return self._png

    def rgb_png(self, canvas: tuple[int, int] | None = None, encoder: PngEncoder | None = None) -> bytes:
        """PNG bytes that decode to exactly `image` (8-bit RGB), unscaled on `canvas` (W, H) if given,
        the rest black: what a model is sent. The captured bytes themselves when they already are that
        (no decode, no encode); otherwise `encoder` recompresses only what changed since its last frame.
        """
        canvas = canvas or self.size
        if canvas == self.size:
            if self._png is not None and _is_rgb8(self._png):
                return self._png
            if self._png is None:
                return self.to_png(encoder)
        encode = encoder.encode if encoder is not None else encode_png
        if self._pixels is not None:
            return encode(self._pixels, self.size, self._layout, canvas)
        return encode(self.image.tobytes(), self.size, "RGB", canvas)

    def __repr__(self) -> str:
        return f"Screenshot({self.width}x{self.height})"


def _is_rgb8(png: bytes) -> bool:
    """Bit depth 8, colour type 2 (truecolour, no alpha), no interlace, per the PNG IHDR layout."""
    return png[24:26] == b"\x08\x02" and png[28] == 0
