"""render is parse's inverse: scripted model text reads back as the same actions, for every family.

Coordinates come back within the model's own grid: half a model step plus the final pixel rounding.
That is within 1 screen pixel whenever the model's grid is at least as fine as the screen (Qwen2.5-VL
and UI-TARS-1.5 on a DPR >= 1 capture, ShowUI, 0-1000 families on screens up to 1000 px); on a 4K
screen a 0-1000 model can only point to every 3.84th pixel, and the bound says so.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anyres_agent.model.families import FAMILY_NAMES, get_family
from anyres_agent.model.families.common import SCROLL_FRACTION
from anyres_agent.model.families.qwen3vl import MOBILE_GRID
from anyres_agent.model.families.showui import SCROLL_FRACTION as SHOWUI_SCROLL
from anyres_agent.model.families.thoughtaction import SCROLL_CLICKS
from anyres_agent.model.frame import CLASS_DEFAULT_MAX_PIXELS, Frame
from anyres_agent.tools import WHEEL_CLICK_PX, Action, action_from_call

DPRS = [1, 1.25, 1.5, 2, 3]
SAFE_TEXT = st.text(
    alphabet=st.characters(blacklist_characters="<>✿*:{}`", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=24,
)
KEYS = st.lists(
    st.sampled_from(
        ["ctrl", "alt", "shift", "meta", "enter", "tab", "a", "z", "1", "f5", "pageup", "-", "+", ",", "'"]
    ),
    min_size=1,
    max_size=3,
)
POSITIONAL = {"x", "y", "to_x", "to_y"}
LIMITED: dict[str, dict[str, Any]] = {  # what each format cannot say: those fields stay as parsed
    "uitars": {"wait": 5.0, "clicks": [("left", 1), ("left", 2), ("right", 1)]},
    "uitars15": {"wait": 5.0, "clicks": [("left", 1), ("left", 2), ("right", 1)]},
    "showui": {"finish_success": True, "clicks": [("left", 1), ("left", 2), ("right", 1)]},
    "osatlas": {
        "wait": 1.0,
        "finish_success": True,
        "clicks": [("left", 1)],
        "scroll_at_point": False,
        "cannot": {"drag", "swipe"},
    },
}


def scroll_steps(family: str, frame: Frame) -> tuple[int, int] | None:
    """(down, right) for a family whose scrolls have a fixed size, None where any wheel-click count goes."""
    if family in ("qwen25vl", "qwen3vl"):
        return None
    if family in ("uitars", "uitars15"):
        return SCROLL_CLICKS * WHEEL_CLICK_PX, SCROLL_CLICKS * WHEEL_CLICK_PX
    fraction = SHOWUI_SCROLL if family == "showui" else SCROLL_FRACTION
    return round(fraction * frame.screen_height), round(fraction * frame.screen_width)


@st.composite
def frames(draw: st.DrawFn, family: str) -> Frame:
    width = draw(st.integers(320, 7680))
    height = draw(st.integers(240, 4320))
    if draw(st.booleans()):  # phone portrait
        width, height = sorted((width, height))
    dpr = draw(st.sampled_from(DPRS))
    budget = draw(st.sampled_from([None, CLASS_DEFAULT_MAX_PIXELS]))
    return get_family(family).frame(
        screen=(width, height), image=(round(width * dpr), round(height * dpr)), max_pixels=budget
    )


@st.composite
def actions(draw: st.DrawFn, family: str, frame: Frame) -> list[Action]:
    limits = LIMITED.get(family, {})
    xs, ys = st.integers(0, frame.screen_width - 1), st.integers(0, frame.screen_height - 1)
    steps = scroll_steps(family, frame)

    def scroll() -> dict[str, Any]:
        if steps is not None:
            down, right = steps
            dx, dy = draw(st.sampled_from([(0, down), (0, -down), (right, 0), (-right, 0)]))
        else:  # wheel clicks: whole multiples of WHEEL_CLICK_PX
            dx, dy = draw(st.sampled_from([(0, 1), (1, 0)]))
            amount = draw(st.integers(-30, 30).filter(bool)) * WHEEL_CLICK_PX
            dx, dy = dx * amount, dy * amount
        at_point = limits.get("scroll_at_point", True) and draw(st.booleans())
        where = {"x": draw(xs), "y": draw(ys)} if at_point else {}
        return {"dx": dx, "dy": dy, **where}

    button, count = draw(
        st.sampled_from(limits.get("clicks", [("left", 1), ("left", 2), ("right", 1), ("left", 3)]))
    )
    builders = {
        "click": lambda: {"x": draw(xs), "y": draw(ys), "button": button, "count": count},
        "move": lambda: {"x": draw(xs), "y": draw(ys)},
        "drag": lambda: {"x": draw(xs), "y": draw(ys), "to_x": draw(xs), "to_y": draw(ys)},
        "swipe": lambda: {"x": draw(xs), "y": draw(ys), "to_x": draw(xs), "to_y": draw(ys)},
        "long_press": lambda: {"x": draw(xs), "y": draw(ys)},
        "scroll": scroll,
        "type": lambda: {"text": draw(SAFE_TEXT)},
        "key": lambda: {"keys": draw(KEYS)},
        "navigate": lambda: {"url": "https://" + draw(SAFE_TEXT).strip() + ".example"},
        "back": dict,
        "home": dict,
        "open_app": lambda: {"name": draw(SAFE_TEXT)},
        "wait": lambda: {"seconds": limits.get("wait", draw(st.sampled_from([0.5, 1.0, 2.0, 5.0, 30.0])))},
        "choose": lambda: {"option": draw(SAFE_TEXT)},
        "call_user": lambda: {"message": draw(SAFE_TEXT)},
        "answer": lambda: {"text": draw(SAFE_TEXT)},
        "finish": lambda: {
            "success": limits.get("finish_success", draw(st.booleans())),
            "message": draw(SAFE_TEXT),
        },
    }
    names = draw(
        st.lists(st.sampled_from(sorted(set(builders) - limits.get("cannot", set()))), min_size=1, max_size=4)
    )
    return [action_from_call(name, builders[name]()) for name in names]


def tolerance(frame: Frame, axis: str, action: Action | None = None) -> float:
    screen = frame.screen_width if axis == "x" else frame.screen_height
    model = frame.model_width if axis == "x" else frame.model_height
    if frame.factor == 32 and action is not None and action.type in ("swipe", "long_press"):  # 0-999 grid
        model = MOBILE_GRID
    step = 0.0 if frame.space == "unit" else 0.5 * screen / model
    return step + 0.5 + 1e-6 if frame.space != "unit" else 1.0


def assert_same(got: list[Action], want: list[Action], frame: Frame) -> None:
    assert [a.type for a in got] == [a.type for a in want]
    for g, w in zip(got, want, strict=True):
        gd, wd = g.model_dump(), w.model_dump()
        for key, value in wd.items():
            if key in POSITIONAL and value is not None:
                assert abs(gd[key] - value) <= tolerance(frame, "x" if "x" in key else "y", w), (key, g, w)
            else:
                assert gd[key] == value, (key, g, w)


def make_test(family: str):
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def test(data: st.DataObject) -> None:
        frame = data.draw(frames(family))
        script = data.draw(actions(family, frame))
        thought = data.draw(st.sampled_from(["", "I see the form.", "Next: submit"]))
        text = get_family(family).render(script, frame, thought=thought)
        parsed = get_family(family).parse(text, frame)
        assert_same(parsed.actions, script, frame)
        if family != "showui":  # ShowUI answers carry no thought
            assert parsed.thought == thought

    test.__name__ = f"test_parse_reads_back_what_render_wrote_{family}"
    return test


for _name in FAMILY_NAMES:
    globals()[f"test_parse_reads_back_what_render_wrote_{_name}"] = make_test(_name)


def test_within_one_pixel_where_the_model_grid_is_finer_than_the_screen():
    family = get_family("qwen25vl")
    frame = family.frame(screen=(1280, 720), image=(2560, 1440))  # DPR 2: resized 2548x1428
    for x in range(0, 1280, 7):
        click = action_from_call("click", {"x": x, "y": x % 720})
        back = family.parse(family.render([click], frame), frame).actions[0]
        assert abs(back.x - x) <= 1 and abs(back.y - x % 720) <= 1


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_render_grounding_round_trips(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(FAMILY_NAMES))
    family = get_family(name)
    frame = data.draw(frames(name))
    from anyres_agent.model.answer import Box

    x1, x2 = sorted(data.draw(st.lists(st.integers(0, frame.screen_width - 1), min_size=2, max_size=2)))
    y1, y2 = sorted(data.draw(st.lists(st.integers(0, frame.screen_height - 1), min_size=2, max_size=2)))
    box = Box(x1=x1, y1=y1, x2=x2, y2=y2)
    if name.startswith("uitars"):  # UI-TARS grounds a point: the box's centre
        box = Box(x1=box.center[0], y1=box.center[1], x2=box.center[0], y2=box.center[1])
    got = family.parse_grounding(family.render_grounding(box, frame), frame)
    for key in ("x1", "y1", "x2", "y2"):
        assert abs(getattr(got, key) - getattr(box, key)) <= tolerance(frame, key[0])
