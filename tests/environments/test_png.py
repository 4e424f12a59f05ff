"""The incremental PNG encoder: ordinary PNGs that Pillow decodes to the exact pixels, frame after frame."""

from __future__ import annotations

import io
import random
import zlib
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from anyres_agent.environments import png as png_module
from anyres_agent.environments.png import PngEncoder, adler32_combine, encode_png
from anyres_agent.environments.screenshot import Screenshot


@pytest.fixture(autouse=True, scope="module", params=["isal", "zlib"])
def deflate(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every test runs with ISA-L's deflate (what the desktop and gym extras install) and with zlib
    (a core-only install): both must give PNGs that decode to the exact pixels."""
    from isal import isal_zlib

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(png_module, "DEFLATE", isal_zlib if request.param == "isal" else zlib)
        yield request.param


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG" and image.mode == "RGB"
    return image


def bgrx_frame(width: int, height: int, seed: int) -> bytearray:
    rng = random.Random(seed)
    return bytearray(rng.randbytes(width * height * 4))


def as_rgb(bgrx: bytes | bytearray, size: tuple[int, int]) -> bytes:
    return Image.frombytes("RGB", size, bytes(bgrx), "raw", "BGRX").tobytes()


@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=3000), cut=st.integers(min_value=0, max_value=3000))
def test_adler32_combine_matches_zlib(data: bytes, cut: int) -> None:
    first, second = data[:cut], data[cut:]
    assert adler32_combine(zlib.adler32(first), zlib.adler32(second), len(second)) == zlib.adler32(data)


@settings(max_examples=30, deadline=None)
@given(
    width=st.integers(min_value=1, max_value=40),
    height=st.integers(min_value=1, max_value=40),
    band_rows=st.integers(min_value=1, max_value=17),
    seed=st.integers(min_value=0, max_value=1000),
)
def test_any_size_and_banding_decodes_to_the_same_pixels(
    width: int, height: int, band_rows: int, seed: int
) -> None:
    pixels = bgrx_frame(width, height, seed)
    png = PngEncoder(band_rows=band_rows).encode(pixels, (width, height), "BGRX")
    assert decode(png).tobytes() == as_rgb(pixels, (width, height))


def test_a_small_change_recompresses_only_its_bands_and_the_result_is_exact() -> None:
    size = (320, 200)
    encoder = PngEncoder(band_rows=16)
    first = bgrx_frame(*size, seed=1)
    assert decode(encoder.encode(first, size, "BGRX")).tobytes() == as_rgb(first, size)
    assert encoder.bands_compressed == 13  # ceil(200 / 16)

    second = bytearray(first)
    for y in range(40, 50):  # rows 40-49: all inside band 2 (rows 32-47) and band 3 (48-63)
        second[(y * 320 + 100) * 4 : (y * 320 + 120) * 4] = b"\x00\xff\x00\x00" * 20
    png = encoder.encode(second, size, "BGRX")
    assert encoder.bands_compressed == 13 + 2 and encoder.bands_reused == 11
    assert decode(png).tobytes() == as_rgb(second, size)
    assert decode(png).getpixel((105, 45)) == (0, 255, 0)

    encoder.encode(bytearray(second), size, "BGRX")  # the same screen again
    assert encoder.bands_compressed == 15 and encoder.bands_reused == 24


def test_a_new_size_or_layout_starts_over() -> None:
    encoder = PngEncoder()
    encoder.encode(bgrx_frame(64, 64, 1), (64, 64), "BGRX")
    rgb = bytes(random.Random(2).randbytes(64 * 32 * 3))
    assert decode(encoder.encode(rgb, (64, 32), "RGB")).tobytes() == rgb
    assert decode(encoder.encode(rgb[: 32 * 64 * 3], (32, 64), "RGB")).size == (32, 64)


def test_a_screen_compresses_like_pillow_does() -> None:
    """Flat UI colours: the None filter with fast deflate stays as small as Pillow's adaptive PNG."""
    image = Image.new("RGB", (800, 600), (240, 240, 240))
    image.paste((30, 90, 200), (100, 100, 300, 140))
    ours = encode_png(image.tobytes(), image.size, "RGB")
    theirs = io.BytesIO()
    image.save(theirs, format="PNG", compress_level=1)
    assert len(ours) <= 2 * len(theirs.getvalue())
    assert decode(ours).tobytes() == image.tobytes()


def test_wrong_input_says_what_was_expected() -> None:
    with pytest.raises(
        ValueError, match=r"100 bytes of pixels do not make a 10x10 RGB image \(300 bytes expected\)"
    ):
        encode_png(b"\x00" * 100, (10, 10), "RGB")
    with pytest.raises(ValueError, match="unknown pixel layout 'YUV'"):
        encode_png(b"", (1, 1), "YUV")  # type: ignore[arg-type]


def test_a_screenshot_from_raw_pixels_decodes_and_encodes_lazily() -> None:
    pixels = bgrx_frame(30, 20, seed=3)
    shot = Screenshot.from_pixels(pixels, (30, 20), "BGRX")
    assert shot.size == (30, 20)
    assert shot.image.tobytes() == as_rgb(pixels, (30, 20))
    encoder = PngEncoder()
    assert decode(shot.to_png(encoder)).tobytes() == as_rgb(pixels, (30, 20))
    assert shot.png is shot.to_png()  # encoded once
    with pytest.raises(ValueError, match="do not make 30x21"):
        Screenshot.from_pixels(pixels, (30, 21), "BGRX")


@pytest.mark.parametrize(
    ("size", "canvas"), [((1920, 1080), (1932, 1092)), ((1280, 720), (1288, 728)), ((5, 3), (28, 28))]
)
def test_a_padded_frame_is_the_frame_unscaled_on_a_black_canvas(
    size: tuple[int, int], canvas: tuple[int, int]
) -> None:
    encoder = PngEncoder()
    for seed in (1, 2):  # a second, different frame goes through the band reuse path too
        pixels = bgrx_frame(*size, seed)
        png = encoder.encode(pixels, size, "BGRX", canvas)
        expected = Image.new("RGB", canvas, (0, 0, 0))
        expected.paste(Image.frombytes("RGB", size, as_rgb(pixels, size)), (0, 0))
        assert decode(png).tobytes() == expected.tobytes()
    assert decode(encode_png(pixels, size, "BGRX", canvas)).tobytes() == expected.tobytes()  # one-shot too


def test_only_changed_rows_recompress_on_a_canvas_too() -> None:
    encoder = PngEncoder(band_rows=16)
    size, canvas = (1920, 1080), (1932, 1092)
    frame = bgrx_frame(*size, 3)
    encoder.encode(frame, size, "BGRX", canvas)
    changed = bytearray(frame)
    changed[500 * 1920 * 4 : 500 * 1920 * 4 + 40] = bytes(40)  # a few pixels of row 500
    before = encoder.bands_compressed
    png = encoder.encode(changed, size, "BGRX", canvas)
    assert encoder.bands_compressed - before == 1
    assert decode(png).crop((0, 0, *size)).tobytes() == as_rgb(changed, size)


def test_a_canvas_smaller_than_the_frame_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot hold"):
        PngEncoder().encode(bgrx_frame(30, 30, 1), (30, 30), "BGRX", (28, 56))


def test_rgb_png_is_the_captured_bytes_when_they_need_no_change() -> None:
    image = Image.new("RGB", (56, 28), (10, 200, 30))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    captured = buffer.getvalue()
    shot = Screenshot.from_png(captured)
    assert shot.rgb_png() is captured  # no decode, no encode
    padded = decode(shot.rgb_png((84, 56)))
    assert padded.size == (84, 56) and padded.crop((0, 0, 56, 28)).tobytes() == image.tobytes()
    assert padded.getpixel((60, 40)) == (0, 0, 0)
    rgba = io.BytesIO()
    image.convert("RGBA").save(rgba, format="PNG")
    reencoded = Screenshot.from_png(rgba.getvalue()).rgb_png()  # alpha: re-encoded as 8-bit RGB
    assert reencoded != rgba.getvalue() and decode(reencoded).tobytes() == image.tobytes()


@pytest.mark.parametrize("level", [0, 1, 3, 9])
def test_every_level_gives_the_exact_pixels(level: int) -> None:
    """zlib's levels 0-9 are accepted with either deflate (ISA-L has 0-3 and takes 9 as 3)."""
    pixels = bgrx_frame(64, 40, seed=level)
    png = PngEncoder(level=level).encode(pixels, (64, 40), "BGRX")
    assert decode(png).tobytes() == as_rgb(pixels, (64, 40))
