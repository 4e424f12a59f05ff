"""A screenshot as captured, decoded or encoded only when someone needs it.

Adapters get pixels in different forms (Playwright and adb give PNG bytes, mss gives raw BGRA), and
the consumers want different forms too (the model wants a PIL image, the trajectory wants PNG). A
`Screenshot` keeps whichever form it was given and converts lazily, once, so capture stays as cheap
as the raw library call.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable

from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG header, without decoding the pixels."""
    if len(data) < 24 or data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("not a PNG image (bad signature or missing IHDR chunk)")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


class Screenshot:
    """Pixels in image space (physical pixels), with lazy PIL decoding and PNG encoding."""

    __slots__ = ("_image", "_loader", "_png", "height", "width")

    def __init__(
        self,
        *,
        image: Image.Image | None = None,
        png: bytes | None = None,
        size: tuple[int, int] | None = None,
        loader: Callable[[], Image.Image] | None = None,
    ) -> None:
        if image is None and png is None and loader is None:
            raise ValueError("a Screenshot needs an image, PNG bytes or a loader")
        self._image = image
        self._png = png
        self._loader = loader
        if image is not None:
            self.width, self.height = image.size
        elif png is not None:
            self.width, self.height = png_size(png)
        elif size is not None:
            self.width, self.height = size
        else:
            raise ValueError("a Screenshot built from a loader needs its size")

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
            if self._loader is not None:
                image = self._loader()
            else:
                assert self._png is not None
                image = Image.open(io.BytesIO(self._png))
                image.load()
            self._image = image if image.mode == "RGB" else image.convert("RGB")
        return self._image

    @property
    def png(self) -> bytes:
        """The pixels as PNG bytes (encoded on first use, fast compression)."""
        if self._png is None:
            buffer = io.BytesIO()
            self.image.save(buffer, format="PNG", compress_level=1)
            self._png = buffer.getvalue()
        return self._png

    def __repr__(self) -> str:
        return f"Screenshot({self.width}x{self.height})"
