"""Lossless PNG encoding of raw screen pixels that recompresses only what changed since the last frame.

An agent records a screenshot every step, and a full-HD frame costs ~20 ms of CPU to compress, several
times the cost of capturing it. Successive screens of a GUI mostly repeat, so the encoder splits a
frame into bands of rows and compresses each band as an independent raw-deflate segment (a fresh
compressor, ended with a sync flush, so nothing refers back across bands). A band whose pixels equal
the previous frame's keeps its compressed segment; the zlib stream's Adler-32 is combined from the
per-band checksums. The output is an ordinary PNG (8-bit RGB, filter None), decodable by anything.

Deflate is Intel's ISA-L (the `isal` package, installed with the desktop and gym extras) when present,
else zlib: on a text-dense 1080p screen ISA-L encodes in 6.5 ms what takes zlib 35 ms and Pillow's PNG
71 ms, for about 13% more bytes than Pillow's (tests/benchmarks/bench_request_prep.py prints all three).

One `PngEncoder` is meant for one stream of frames on one thread at a time; `encode_png` is the
stateless one-shot form.
"""

from __future__ import annotations

import struct
import threading
import zlib
from dataclasses import dataclass
from types import ModuleType
from typing import Literal

from PIL import Image

DEFLATE: ModuleType = zlib
"""The deflate implementation (zlib's API: compressobj, adler32, crc32): ISA-L's when installed."""
try:
    from isal import isal_zlib

    DEFLATE = isal_zlib
except ImportError:  # a core-only install: zlib does the same job, slower
    pass

PixelLayout = Literal["RGB", "BGRX", "RGBX"]
"""How raw pixels are laid out: 3 bytes per pixel, or 4 with the fourth ignored (mss gives BGRX)."""

BYTES_PER_PIXEL: dict[str, int] = {"RGB": 3, "BGRX": 4, "RGBX": 4}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ADLER_BASE = 65521
_ZLIB_HEADER = b"\x78\x01"  # deflate, 32 KiB window, fastest-compression hint
_FINAL_EMPTY_BLOCK = b"\x03\x00"  # a final, empty fixed-Huffman block: ends the deflate stream


def adler32_combine(first: int, second: int, second_length: int) -> int:
    """The Adler-32 of A+B from adler(A), adler(B) and len(B) (zlib's adler32_combine)."""
    rem = second_length % _ADLER_BASE
    sum1 = first & 0xFFFF
    sum2 = (rem * sum1) % _ADLER_BASE
    sum1 = (sum1 + (second & 0xFFFF) + _ADLER_BASE - 1) % _ADLER_BASE
    sum2 = (sum2 + (first >> 16) + (second >> 16) + _ADLER_BASE - rem) % _ADLER_BASE
    return sum1 | (sum2 << 16)


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = DEFLATE.crc32(data, DEFLATE.crc32(kind))
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


@dataclass(frozen=True, slots=True)
class _Band:
    segment: bytes  # raw deflate, byte-aligned, not final
    adler: int  # Adler-32 of the band's filtered rows
    length: int  # bytes of filtered rows


class PngEncoder:
    """Encodes a stream of same-layout frames, reusing the compressed bands that did not change.

    With a `canvas` larger than the frame, the PNG is that size: the frame unscaled at its top-left,
    the rest black. That is how a screenshot becomes a model image on the factor's grid without a
    resample, and the padding costs only the bytes it adds (its rows are compressed once).
    `level` is zlib's 0-9; ISA-L has 0-3 (0 is its fastest, not stored), and higher levels use 3.
    """

    def __init__(self, band_rows: int = 16, level: int = 1) -> None:
        if band_rows < 1 or not 0 <= level <= 9:
            raise ValueError(f"band_rows must be >= 1 and level 0-9, got {band_rows} and {level}")
        self.band_rows, self.level = band_rows, level
        self._deflate = DEFLATE  # chosen once, with the level it takes (ISA-L has 0-3)
        self._deflate_level = level if DEFLATE is zlib else min(level, DEFLATE.ISAL_BEST_COMPRESSION)
        self._lock = threading.Lock()
        self._key: tuple[int, int, str, int, int] | None = None
        self._previous: bytes | bytearray | None = None
        self._bands: list[_Band] = []
        self._padding: list[_Band] = []  # the canvas rows below the frame, the same every time
        self.bands_compressed = 0  # counters, for benchmarks and tests
        self.bands_reused = 0

    def encode(
        self,
        pixels: bytes | bytearray,
        size: tuple[int, int],
        layout: PixelLayout,
        canvas: tuple[int, int] | None = None,
    ) -> bytes:
        """PNG bytes of `pixels` (rows top to bottom, no padding), on `canvas` (W, H) if given.
        Keeps a reference to `pixels`."""
        width, height = size
        if layout not in BYTES_PER_PIXEL:
            raise ValueError(f"unknown pixel layout {layout!r}; use one of {', '.join(BYTES_PER_PIXEL)}")
        stride = width * BYTES_PER_PIXEL[layout]
        if width < 1 or height < 1 or len(pixels) != stride * height:
            raise ValueError(
                f"{len(pixels)} bytes of pixels do not make a {width}x{height} {layout} image "
                f"({stride * height} bytes expected)"
            )
        canvas_w, canvas_h = canvas or size
        if canvas_w < width or canvas_h < height:
            raise ValueError(f"a {canvas_w}x{canvas_h} canvas cannot hold a {width}x{height} frame")
        pad = bytes(3 * (canvas_w - width))
        with self._lock:
            if self._key != (width, height, layout, canvas_w, canvas_h):
                self._key, self._previous, self._bands = (width, height, layout, canvas_w, canvas_h), None, []
                pad_rows = [
                    min(self.band_rows, canvas_h - top) for top in range(height, canvas_h, self.band_rows)
                ]
                self._padding = [
                    self._compress_rgb(bytes(3 * canvas_w * n), canvas_w, n, b"") for n in pad_rows
                ]
            # startswith(view, start) is a memcmp in place: slicing both frames would copy 16 MB
            previous = memoryview(self._previous) if self._previous is not None else None
            for index, top in enumerate(range(0, height, self.band_rows)):
                rows = min(self.band_rows, height - top)
                start, end = top * stride, (top + rows) * stride
                if previous is not None and pixels.startswith(previous[start:end], start):
                    self.bands_reused += 1
                    continue
                band = self._compress(pixels[start:end], width, rows, layout, pad)
                if index < len(self._bands):
                    self._bands[index] = band
                else:
                    self._bands.append(band)
                self.bands_compressed += 1
            self._previous = pixels
            bands = self._bands + self._padding
            adler = 1  # the Adler-32 of nothing
            for band in bands:
                adler = adler32_combine(adler, band.adler, band.length)
            stream = b"".join(
                [_ZLIB_HEADER, *(b.segment for b in bands), _FINAL_EMPTY_BLOCK, struct.pack(">I", adler)]
            )
        header = struct.pack(">IIBBBBB", canvas_w, canvas_h, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
        return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", stream) + _chunk(b"IEND", b"")

    def _compress(
        self, band: bytes | bytearray, width: int, rows: int, layout: PixelLayout, pad: bytes
    ) -> _Band:
        if layout == "RGB":
            rgb = bytes(band)
        else:  # Pillow's unpacker drops the fourth byte and reorders, in C
            rgb = Image.frombuffer("RGB", (width, rows), band, "raw", layout, 0, 1).tobytes()
        return self._compress_rgb(rgb, width, rows, pad)

    def _compress_rgb(self, rgb: bytes, width: int, rows: int, pad: bytes) -> _Band:
        line = width * 3
        filtered = b"".join(b"\x00" + rgb[y * line : (y + 1) * line] + pad for y in range(rows))
        deflate = self._deflate
        compressor = deflate.compressobj(self._deflate_level, deflate.DEFLATED, -15)
        segment = compressor.compress(filtered) + compressor.flush(deflate.Z_SYNC_FLUSH)
        return _Band(segment, deflate.adler32(filtered), len(filtered))


def encode_png(
    pixels: bytes | bytearray,
    size: tuple[int, int],
    layout: PixelLayout,
    canvas: tuple[int, int] | None = None,
) -> bytes:
    """One frame to PNG (on `canvas` if given), with nothing remembered."""
    return PngEncoder(band_rows=64).encode(pixels, size, layout, canvas)
