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


@pytest.mark.parametrize(
    ("size", "max_pixels", "canvas", "padded"),
    [
        ((1288, 728), CHECKPOINT_MAX_PIXELS, (1288, 728), False),  # on the grid: sent as captured
        ((1280, 720), CHECKPOINT_MAX_PIXELS, (1288, 728), True),
        ((1920, 1080), CHECKPOINT_MAX_PIXELS, (1932, 1092), True),
        ((2560, 1440), CHECKPOINT_MAX_PIXELS, (2576, 1456), True),  # smart_resize would shrink to 2548x1428
        ((1366, 768), CHECKPOINT_MAX_PIXELS, (1372, 784), True),
        ((1920, 1080), CLASS_DEFAULT_MAX_PIXELS, (1316, 728), False),  # over budget: resampled as before
        ((3840, 2160), CLASS_DEFAULT_MAX_PIXELS, (1316, 728), False),
    ],
)
def test_padding_keeps_the_screenshot_unscaled_when_the_budget_allows(size, max_pixels, canvas, padded):
    frame = Frame.build(space="resized", screen=size, max_pixels=max_pixels, fit="pad")
    assert (frame.resized_width, frame.resized_height) == canvas
    assert frame.padded is padded
    if padded:  # the screenshot at 1:1 in the top-left; a server leaves the canvas as it is
        assert (frame.content_width, frame.content_height) == size
        assert smart_resize(canvas[1], canvas[0], 28, CHECKPOINT_MIN_PIXELS, max_pixels) == canvas[::-1]
    assert frame.unchanged is (size == canvas)


def test_a_point_on_the_padding_is_off_the_screenshot():
    frame = Frame.build(space="norm1000", screen=(1920, 1080), fit="pad")  # canvas 1932x1092
    assert frame.in_model_space(*frame.screen_to_model(1919.4, 1079.4))
    assert not frame.in_model_space(999, 500)  # x 999/1000 of 1932 px = pixel 1930: padding
    assert frame.model_to_screen(*frame.screen_to_model(960, 540)) == (960, 540)


SCREENS = st.tuples(st.integers(320, 7680), st.integers(240, 4320))
PHONES = st.sampled_from([(360, 800), (390, 844), (412, 915), (1080, 2400), (1440, 3200), (720, 1280)])


@settings(max_examples=600, deadline=None)
@given(
    screen=st.one_of(SCREENS, PHONES),
    dpr=st.sampled_from([1, 1.25, 1.5, 2, 3]),
    space=st.sampled_from(["norm1000", "resized", "unit"]),
    max_pixels=st.sampled_from([CHECKPOINT_MAX_PIXELS, CLASS_DEFAULT_MAX_PIXELS]),
    fit=st.sampled_from(["pad", "resize"]),
    data=st.data(),
)
def test_every_space_maps_back_to_the_same_screen_pixel(screen, dpr, space, max_pixels, fit, data):
    width, height = screen
    frame = Frame.build(
        space=space,
        screen=screen,
        image=(round(width * dpr), round(height * dpr)),
        max_pixels=max_pixels,
        fit=fit,
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
    # padded instead: the capture unscaled on a 2576x1456 canvas, so its pixel 1280 is that column
    padded = Frame.build(space="resized", screen=(1280, 720), image=(2560, 1440), fit="pad")
    assert (padded.resized_width, padded.resized_height) == (2576, 1456)
    assert padded.model_to_screen(1280, 720) == (640.0, 360.0)


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


@settings(max_examples=800, deadline=None)
@given(
    height=st.integers(1, 5000),
    width=st.integers(1, 5000),
    factor=st.sampled_from([28, 32]),
    budget=st.sampled_from(BUDGETS),
)
def test_a_padded_canvas_is_what_the_server_processor_keeps(height, width, factor, budget):
    """The canvas must pass transformers' smart_resize unchanged, or the server would rescale it and
    the model's numbers would be read in the wrong frame; and the screenshot must fit on it."""
    min_pixels, max_pixels = budget
    if max(height, width) / min(height, width) > 200:
        return
    frame = Frame.build(
        space="resized",
        screen=(width, height),
        factor=factor,
        min_pixels=min_pixels,
        max_pixels=max_pixels,
        fit="pad",
    )
    canvas = (frame.resized_height, frame.resized_width)
    assert hf_smart_resize(*canvas, factor, min_pixels, max_pixels) == canvas
    if frame.padded:
        assert frame.content_width == width and frame.content_height == height
        assert width <= canvas[1] < width + factor and height <= canvas[0] < height + factor
