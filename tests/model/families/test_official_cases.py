# ruff: noqa: E501  (quoted answers read better unwrapped)
"""The cases where the project used to read an answer differently from the official parsers and
executors, each with its source. "Real" answers are quoted from where a model produced them; the
others are written in the official format to exercise one rule, and say which rule and where it is.
"""

from __future__ import annotations

import pytest
from family_helpers import dumps, frame_for

from anyres_agent.model.answer import ParseError
from anyres_agent.model.families import get_family
from anyres_agent.tools import WHEEL_CLICK_PX


def call(arguments: str, name: str = "computer_use") -> str:
    return f'<tool_call>\n{{"name": "{name}", "arguments": {arguments}}}\n</tool_call>'


# --- UI-TARS: the action is what follows the last "Action:" ---------------------------------------
# ui_tars/action_parser.py (bytedance/UI-TARS@582f3a7): `action_str = text.split("Action: ")[-1]`.

REPEATED = (  # real: UI-TARS-1.5-7B's looping answer, bytedance/UI-TARS issue #131
    "Thought: I see a search button at the top of the page, it's the magnifying glass icon in the upper right "
    "corner. To find information about Apple Pencil, I need to click this search button to open the search box.\n"
    "Action: click(start_box='(1099,64)')\n"
) * 3


def test_a_repeated_thought_and_action_is_one_click_not_three():
    parsed = get_family("uitars15").parse(REPEATED, frame_for("uitars15", (1932, 1092)))
    assert dumps(parsed.actions) == [{"type": "click", "x": 1099, "y": 64, "button": "left", "count": 1}]


def test_a_thought_that_quotes_the_previous_action_is_not_an_action():
    """Written from #131's thought with the previous step quoted in it, the way a model recalls history."""
    text = (
        "Thought: My previous action: click(start_box='(1099,64)') opened nothing, so the magnifying glass "
        "is not a button. I will scroll down to find the Apple Pencil section instead.\n"
        "Action: scroll(start_box='(960,540)', direction='down')"
    )
    parsed = get_family("uitars15").parse(text, frame_for("uitars15", (1932, 1092)))
    assert [a.type for a in parsed.actions] == ["scroll"]
    assert "previous action: click" in parsed.thought


def test_a_full_width_colon_and_a_bbox_of_four_numbers():
    """Real: doubao-1.5-ui-tars's answer in web-infra-dev/midscene issue #843 (thought shortened)."""
    text = (
        "3. 下一步逻辑：点击顶部导航栏的“任务”。  \n\nAction：click(start_box='<bbox>191 21 191 21</bbox>')"
    )
    action = get_family("uitars").parse(text, frame_for("uitars", (1000, 1000))).actions[0]
    assert (action.x, action.y) == (191, 21)


def test_no_coordinate_at_all_is_a_parse_error():
    """Real: UI-TARS-7B-DPO's `Action: click(start_box='=')`, bytedance/UI-TARS issue #78."""
    with pytest.raises(ParseError, match="got 0 numbers"):
        get_family("uitars").parse("Action: click(start_box='=')", frame_for("uitars", (1920, 1080)))


@pytest.mark.parametrize(
    "text",
    [
        "Action: scroll(start_box='[2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22",  # cut at max_tokens
        "Action: click(start_box='(100,200,300)')",
        "Action: click(point='<point>1 2 3 4 5</point>')",
    ],
)
def test_a_point_or_box_has_exactly_two_or_four_numbers(text):
    """The official executor unpacks `x1, y1, x2, y2 = eval(start_box)` after widening a 2-number point
    to 4 (parsing_response_to_pyautogui_code), so any other count fails there. The runaway answer is
    the one this project's issue 13 measured: it used to become a scroll at (6, 4)."""
    with pytest.raises(ParseError, match="must be a point"):
        get_family("uitars15").parse(text, frame_for("uitars15", (1932, 1092)))


def test_ui_tars_15_grounding_in_box_tokens():
    """Real: UI-TARS-1.5-7B answering GROUNDING_DOUBAO with box tokens, bytedance/UI-TARS issue #183."""
    box = get_family("uitars15").parse_grounding(
        "click(start_box='<|box_start|>(1327,864)<|box_end|>')", frame_for("uitars15", (1932, 1092))
    )
    assert (box.x1, box.y1, box.x2, box.y2) == (1327, 864, 1327, 864)


@pytest.mark.parametrize(
    ("start", "end", "dy"),
    [((500, 800), (500, 200), 1440), ((500, 200), (500, 800), -1440)],
)
def test_v1_mobile_scroll_takes_its_direction_from_the_two_boxes(start, end, dy):
    """README_v1's mobile template offers `scroll(start_box=..., end_box=...)`: a finger moving from
    start to end. Moving up (800 -> 200) scrolls the content down; it used to scroll down always."""
    box = "<|box_start|>({},{})<|box_end|>"
    text = f"Action: scroll(start_box='{box.format(*start)}', end_box='{box.format(*end)}')"
    (scroll,) = get_family("uitars").parse(text, frame_for("uitars", (1080, 2400))).actions
    assert (scroll.x, scroll.y, scroll.dx, scroll.dy) == (540, start[1] * 12 // 5, 0, dy)


def test_ui_tars_scroll_direction_is_five_wheel_clicks():
    """parsing_response_to_pyautogui_code: `pyautogui.scroll(-5)` for down, `pyautogui.scroll(5)` for up."""
    family = get_family("uitars15")
    frame = frame_for("uitars15", (1932, 1092))
    down = family.parse("Action: scroll(point='<point>10 10</point>', direction='down')", frame).actions[0]
    up = family.parse("Action: scroll(direction='up')", frame).actions[0]
    assert (down.dy, up.dy) == (5 * WHEEL_CLICK_PX, -5 * WHEEL_CLICK_PX)


@pytest.mark.parametrize(
    ("text", "keys"),
    [("Action: press_appselect()", ["appswitch"]), ("Action: press_enter()", ["enter"])],
)
def test_mobile_dataset_key_calls(text, keys):
    """GUI-Odyssey's action space as UI-TARS is evaluated on it: press_appselect() is KEY_APPSELECT,
    the recent-apps key (bytedance/UI-TARS issue #111 quotes the prompt; third-party eval code maps it)."""
    action = get_family("uitars15").parse(text, frame_for("uitars15", (1092, 2408))).actions[0]
    assert (action.type, action.keys) == ("key", keys)


# --- Qwen2.5-VL computer_use: clicks act where the pointer is ---------------------------------------
# QwenLM/Qwen3-VL@d08310c cookbooks/utils/agent_function_call.py (the Qwen2.5-VL cookbook's tool):
# "`left_click`: Click the left mouse button." and `coordinate` is "Required only by `action=mouse_move`
# and `action=left_click_drag`"; its call() runs `self._mouse_click(action)` with no coordinate.

Q25 = get_family("qwen25vl")


@pytest.mark.parametrize(
    ("action", "button", "count"),
    [
        ("left_click", "left", 1),
        ("right_click", "right", 1),
        ("middle_click", "middle", 1),
        ("double_click", "left", 2),
    ],
)
def test_a_click_without_coordinate_acts_at_the_cursor_the_environment_reports(action, button, count):
    frame = frame_for("qwen25vl", (1288, 728))
    parsed = Q25.parse(call(f'{{"action": "{action}"}}'), frame, cursor=(300, 400))
    assert dumps(parsed.actions) == [{"type": "click", "x": 300, "y": 400, "button": button, "count": count}]
    with pytest.raises(ParseError, match="pointer position is unknown"):
        Q25.parse(call(f'{{"action": "{action}"}}'), frame)


def test_left_click_drag_with_only_its_end_starts_at_the_cursor():
    frame = frame_for("qwen25vl", (1288, 728))
    text = call('{"action": "left_click_drag", "coordinate": [700, 500]}')
    assert dumps(Q25.parse(text, frame, cursor=(10, 20)).actions) == [
        {"type": "drag", "x": 10, "y": 20, "to_x": 700, "to_y": 500}
    ]
    with pytest.raises(ParseError, match="pointer position is unknown"):
        Q25.parse(text, frame)


def test_a_move_in_the_same_answer_wins_over_the_reported_cursor():
    frame = frame_for("qwen25vl", (1288, 728))
    text = call('{"action": "mouse_move", "coordinate": [100, 200]}') + call('{"action": "left_click"}')
    assert dumps(Q25.parse(text, frame, cursor=(5, 5)).actions) == [
        {"type": "click", "x": 100, "y": 200, "button": "left", "count": 1}
    ]


@pytest.mark.parametrize(
    ("arguments", "dx", "dy"),
    [
        ('{"action": "scroll", "pixels": -5}', 0, 5 * WHEEL_CLICK_PX),
        ('{"action": "scroll", "pixels": 3}', 0, -3 * WHEEL_CLICK_PX),
        ('{"action": "hscroll", "pixels": 4}', 4 * WHEEL_CLICK_PX, 0),
        ('{"action": "hscroll", "pixels": -2}', -2 * WHEEL_CLICK_PX, 0),
    ],
)
def test_pixels_are_wheel_clicks_and_positive_hscroll_goes_right(arguments, dx, dy):
    """OSWorld's Qwen agents hand `pixels` to pyautogui.scroll / pyautogui.hscroll (wheel clicks); on
    X11 a positive hscroll presses button 7, scroll right (pyautogui/_pyautogui_x11.py _hscroll)."""
    scroll = get_family("qwen3vl").parse(call(arguments), frame_for("qwen3vl", (1920, 1080))).actions[0]
    assert (scroll.dx, scroll.dy) == (dx, dy)


def test_mobile_use_key_clear():
    """MobileUse's `key` description lists "clear" among its examples (agent_function_call.py)."""
    text = call('{"action": "key", "text": "clear"}', "mobile_use")
    action = Q25.parse(text, frame_for("qwen25vl", (1092, 2408))).actions[0]
    assert (action.type, action.keys) == ("key", ["clear"])


# --- Qwen3-VL: the grid follows the prompt ---------------------------------------------------------


def test_qwen3_mobile_use_reads_the_999_grid():
    """Real: the answer QwenLM/Qwen3-VL@9e7b8cc cookbooks/mobile_agent.ipynb printed for its 1440x3120
    screenshot, mapped there by `rescale_coordinates`: round(x / 999 * width)."""
    text = (
        "Thought: To search for Musk in X, I need to click on the search bar at the top of the screen. This "
        "will allow me to type in the search query.\n"
        'Action: "I tapped on the search bar to begin searching for Musk."\n'
        '<tool_call>\n{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [447, 81]}}\n</tool_call>'
    )
    action = get_family("qwen3vl").parse(text, frame_for("qwen3vl", (1440, 3120))).actions[0]
    assert (action.x, action.y) == (round(447 / 999 * 1440), round(81 / 999 * 3120)) == (644, 253)
    low = call('{"action": "click", "coordinate": [500, 998]}', "mobile_use")  # where the grids part: 3 px
    action = get_family("qwen3vl").parse(low, frame_for("qwen3vl", (1440, 3120))).actions[0]
    assert action.y == round(998 / 999 * 3120) == 3117  # read on the 0-1000 grid it was 3114


def test_the_999_grid_reaches_the_last_pixel():
    """999 on the 999 grid is the far edge: 999 * 1000 / 999 must be exactly 1000, not 1000.0000000000001
    (found by the round-trip property test on a 240x4616 screen)."""
    family = get_family("qwen3vl")
    frame = frame_for("qwen3vl", (240, 4616))
    text = call('{"action": "swipe", "coordinate": [0, 0], "coordinate2": [0, 999]}', "mobile_use")
    assert family.parse(text, frame).actions[0].to_y == 4615


def test_qwen3_computer_use_reads_the_1000_grid():
    """cookbooks/computer_use.ipynb declares 1000x1000 and maps coordinate / 1000 * resized size."""
    action = (
        get_family("qwen3vl")
        .parse(call('{"action": "left_click", "coordinate": [999, 500]}'), frame_for("qwen3vl", (2000, 1000)))
        .actions[0]
    )
    assert (action.x, action.y) == (1998, 500)


# --- OS-Atlas and Qwen2-VL: a bare grounded box is a click -------------------------------------------


@pytest.mark.parametrize("family", ["qwen2vl", "osatlas"])
def test_a_grounding_answer_clicks_the_box_centre_in_a_run(family):
    """Real: OS-Atlas-Base-7B's answer in OS-Copilot/OS-Atlas README.md."""
    text = "<|object_ref_start|>language switch<|object_ref_end|><|box_start|>(576,12),(592,42)<|box_end|><|im_end|>"
    (step,) = get_family(family).parse(text, frame_for(family, (1920, 1080))).steps
    assert dumps([step.action]) == [{"type": "click", "x": 1121, "y": 29, "button": "left", "count": 1}]
    assert step.box is not None and (step.box.x1, step.box.y2) == (1106, 45)


def test_prose_with_numbers_is_not_a_box():
    with pytest.raises(ParseError):
        get_family("qwen2vl").parse("I see 2 buttons and 3 links.", frame_for("qwen2vl", (1920, 1080)))


def test_os_atlas_pro_action_format():
    """Real: the answer the OS-Atlas-Pro-7B model card prints, `actions:\\nCLICK <point>[[493,544]]</point>`."""
    family = get_family("osatlas")
    frame = frame_for("osatlas", (1000, 1000))
    assert dumps(family.parse("actions:\nCLICK <point>[[493,544]]</point><|im_end|>", frame).actions) == [
        {"type": "click", "x": 493, "y": 544, "button": "left", "count": 1}
    ]
    text = (
        "thoughts:\nThe recipe list is open; open the first one.\nactions:\nLONG_PRESS <point>[[101, 872]]</point>\n"
        "TYPE [Shanghai shopping mall]\nSCROLL [UP]\nOPEN_APP [Google Chrome]\nPRESS_BACK\nPRESS_HOME\n"
        "PRESS_RECENT\nENTER\nWAIT\nCOMPLETE"
    )  # the card's example usages, one per line
    parsed = family.parse(text, frame)
    assert parsed.thought == "The recipe list is open; open the first one."
    assert [a.type for a in parsed.actions] == [
        "long_press", "type", "scroll", "open_app", "back", "home", "key", "key", "wait", "finish",
    ]  # fmt: skip
    assert parsed.actions[2].dy < 0 and parsed.actions[6].keys == ["appswitch"]


# --- ShowUI: its own evaluation vocabulary ------------------------------------------------------------
# showlab/ShowUI@21ed7cb data/template/aitw.py (_AITW_SYSTEM); scroll geometry from SeeClick's
# action_matching.py action_2_format ('scroll down': touch y 0.8 -> lift y 0.2), which ShowUI's AITW
# evaluation adapts (main/utils_aitw.py).


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("{'action': 'TYPE', 'value': 'hello', 'position': None}", {"type": "type", "text": "hello"}),
        ("{'action': 'SELECT', 'value': 'Large', 'position': None}", {"type": "type", "text": "Large"}),
        (
            "{'action': 'SCROLL UP', 'value': None, 'position': None}",
            {"type": "scroll", "x": None, "y": None, "dx": 0, "dy": -1440},
        ),
        (
            "{'action': 'SCROLL DOWN', 'value': None, 'position': None}",
            {"type": "scroll", "x": None, "y": None, "dx": 0, "dy": 1440},
        ),
        (
            "{'action': 'SCROLL LEFT', 'value': None, 'position': None}",
            {"type": "scroll", "x": None, "y": None, "dx": -648, "dy": 0},
        ),
        (
            "{'action': 'SCROLL RIGHT', 'value': None, 'position': None}",
            {"type": "scroll", "x": None, "y": None, "dx": 648, "dy": 0},
        ),
        ("{'action': 'PRESS BACK', 'value': None, 'position': None}", {"type": "back"}),
        ("{'action': 'PRESS HOME', 'value': None, 'position': None}", {"type": "home"}),
        ("{'action': 'PRESS ENTER', 'value': None, 'position': None}", {"type": "key", "keys": ["enter"]}),
        (
            "{'action': 'STATUS TASK COMPLETE', 'value': None, 'position': None}",
            {"type": "finish", "success": True, "message": ""},
        ),
        (
            "{'action': 'STATUS TASK IMPOSSIBLE ', 'value': None, 'position': None}",
            {"type": "finish", "success": False, "message": ""},
        ),
        (
            "{'action': 'ANSWER', 'value': 'task complete', 'position': None}",
            {"type": "finish", "success": True, "message": "task complete"},
        ),
    ],
)
def test_showui_aitw_vocabulary(answer, expected):
    action = get_family("showui").parse(answer, frame_for("showui", (1080, 2400))).actions[0]
    assert action.model_dump(mode="json") == expected
