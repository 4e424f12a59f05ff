"""Frames: our smart_resize is transformers' smart_resize, and every space maps back to the same pixel."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize as hf_smart_resize

from anyres_agent.model.frame import (
    CHECKPOINT_MAX_PIXELS,
    CHECKPOINT_MIN_PIXELS,
    CLASS_DEFAULT_MAX_PIXELS,
    Frame,
    FrameError,
    smart_resize,
)

BUDGETS = [
    (CHECKPOINT_MIN_PIXELS, CHECKPOINT_MAX_PIXELS),  # Qwen2-VL / Qwen2.5-VL checkpoints
    (CHECKPOINT_MIN_PIXELS, CLASS_DEFAULT_MAX_PIXELS),  # transformers' bare class
    (100 * 28 * 28, 16384 * 28 * 28),  # UI-TARS-1.5
    (256 * 28 * 28, 1344 * 28 * 28),  # ShowUI
    (65_536, 16_777_216),  # Qwen3-VL (factor 32)
    (4 * 28 * 28, 2700 * 28 * 28),
]


@settings(max_examples=1500, deadline=None)
@given(
    height=st.integers(1, 9000),
    width=st.integers(1, 9000),
    factor=st.sampled_from([28, 32]),
    budget=st.sampled_from(BUDGETS),
)
def test_smart_resize_is_transformers_smart_resize(
    height: int, width: int, factor: int, budget: tuple[int, int]
):
    min_pixels, max_pixels = budget
    if max(height, width) / min(height, width) > 200:
        with pytest.raises(FrameError, match="aspect ratio"):
            smart_resize(height, width, factor, min_pixels, max_pixels)
        with pytest.raises(ValueError):
            hf_smart_resize(height, width, factor, min_pixels, max_pixels)
        return
    assert smart_resize(height, width, factor, min_pixels, max_pixels) == hf_smart_resize(
        height, width, factor, min_pixels, max_pixels
    )


@pytest.mark.parametrize(
    ("size", "max_pixels", "resized", "tokens"),
    [  # research/qwen2vl.md tables 1.5(a) and 1.5(b), computed with the real code
        ((1280, 720), CHECKPOINT_MAX_PIXELS, (1288, 728), 1196),
        ((1920, 1080), CHECKPOINT_MAX_PIXELS, (1932, 1092), 2691),
        ((2560, 1440), CHECKPOINT_MAX_PIXELS, (2548, 1428), 4641),
        ((3840, 2160), CHECKPOINT_MAX_PIXELS, (3836, 2156), 10549),
        ((1080, 2400), CHECKPOINT_MAX_PIXELS, (1092, 2408), 3354),
        ((1920, 1080), CLASS_DEFAULT_MAX_PIXELS, (1316, 728), 1222),
        ((3840, 2160), CLASS_DEFAULT_MAX_PIXELS, (1316, 728), 1222),
        ((1080, 2400), CLASS_DEFAULT_MAX_PIXELS, (672, 1484), 1272),
    ],
)
def test_published_sizes(size, max_pixels, resized, tokens):
    frame = Frame.build(space="resized", screen=size, max_pixels=max_pixels)
    assert (frame.resized_width, frame.resized_height) == resized
    assert frame.image_tokens == tokens


SCREENS = st.tuples(st.integers(320, 7680), st.integers(240, 4320))
PHONES = st.sampled_from([(360, 800), (390, 844), (412, 915), (1080, 2400), (1440, 3200), (720, 1280)])


@settings(max_examples=600, deadline=None)
@given(
    screen=st.one_of(SCREENS, PHONES),
    dpr=st.sampled_from([1, 1.25, 1.5, 2, 3]),
    space=st.sampled_from(["norm1000", "resized", "unit"]),
    max_pixels=st.sampled_from([CHECKPOINT_MAX_PIXELS, CLASS_DEFAULT_MAX_PIXELS]),
    data=st.data(),
)
def test_every_space_maps_back_to_the_same_screen_pixel(screen, dpr, space, max_pixels, data):
    width, height = screen
    frame = Frame.build(
        space=space, screen=screen, image=(round(width * dpr), round(height * dpr)), max_pixels=max_pixels
    )
    x = data.draw(st.integers(0, width - 1))
    y = data.draw(st.integers(0, height - 1))
    mx, my = frame.image_to_model(*frame.screen_to_image(x, y))
    assert frame.in_model_space(mx, my)
    back = frame.model_to_screen(mx, my)
    assert abs(back[0] - x) < 1 and abs(back[1] - y) < 1
    assert (round(back[0]), round(back[1])) == (x, y)
    ix, iy = frame.model_to_image(mx, my)
    assert abs(ix / frame.dpr_x - x) < 1 and abs(iy / frame.dpr_y - y) < 1


def test_dpr_is_measured_per_axis_from_the_sizes():
    frame = Frame.build(space="resized", screen=(1280, 720), image=(2560, 1440))
    assert (frame.dpr_x, frame.dpr_y) == (2.0, 2.0)
    assert frame.screen_to_image(100, 50) == (200.0, 100.0)
    # the model saw the 2x capture resized to 2548x1428: its pixel 1274 is the screen's centre column
    assert frame.model_to_screen(1274, 714) == (640.0, 360.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"screen": (0, 10)}, "positive"),
        ({"screen": (10, 10), "image": (10, -1)}, "positive"),
        ({"screen": (10000, 10)}, "aspect ratio"),
        ({"screen": (100, 100), "min_pixels": 10, "max_pixels": 5}, "min_pixels"),
    ],
)
def test_bad_sizes_are_frame_errors(kwargs, message):
    with pytest.raises(FrameError, match=message):
        Frame.build(space="norm1000", **kwargs)
