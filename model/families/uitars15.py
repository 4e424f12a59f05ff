"""UI-TARS-1.5 (Qwen2.5-VL based): `click(point='<point>x1 y1</point>')` in resized-image pixels.

bytedance/UI-TARS README_coordinates: the model answers absolute coordinates of the smart-resized
image (`Action: click(start_box='(197,525)')`), converted as x / new_width * width; the parser
constants are MIN_PIXELS 100*28*28 and MAX_PIXELS 16384*28*28 (codes/ui_tars/action_parser.py).
The prompts are COMPUTER_USE_DOUBAO / MOBILE_USE_DOUBAO / GROUNDING_DOUBAO (codes/ui_tars/prompt.py).
"""

# ruff: noqa: E501  (verbatim prompt and answer text reads better unwrapped)

from __future__ import annotations

from anyres_agent.model.families.thoughtaction import ThoughtActionFamily
from anyres_agent.model.frame import CHECKPOINT_MAX_PIXELS, QWEN_FACTOR

UITARS15_MIN_PIXELS = 100 * 28 * 28  # 78,400
POINT = "<point>x1 y1</point>"
ESCAPES = "Use escape characters \\\\', \\\\\", and \\\\n in content part to ensure we can parse the content in normal python string format."
LINES = {
    "click": [
        f"click(point='{POINT}')",
        f"left_double(point='{POINT}')",
        f"right_single(point='{POINT}')",
    ],
    "move": [f"mouse_move(point='{POINT}')"],
    "long_press": [f"long_press(point='{POINT}')"],
    "drag": [f"drag(start_point='{POINT}', end_point='<point>x2 y2</point>')"],
    "swipe": [f"swipe(start_point='{POINT}', end_point='<point>x2 y2</point>')"],
    "key": [
        "hotkey(key='ctrl c') # Split keys with a space and use lowercase. Also, do not use more than 3 keys "
        "in one hotkey action."
    ],
    "type": [
        f"type(content='xxx') # {ESCAPES} If you want to submit your input, use \\\\n at the end of content. "
    ],
    "scroll": [
        f"scroll(point='{POINT}', direction='down or up or right or left') # Show more information on the "
        "`direction` side."
    ],
    "open_app": ["open_app(app_name='')"],
    "navigate": ["navigate(url='xxx')"],
    "home": ["press_home()"],
    "back": ["press_back()"],
    "wait": ["wait() #Sleep for 5s and take a screenshot to check for any changes."],
    "answer": [f"answer(content='xxx') # {ESCAPES}"],
    "choose": ["choose(option='xxx')"],
    "call_user": [
        "call_user() # Call the user when the task is unsolvable, or when you need the user's help."
    ],
    "finish": [f"finished(content='xxx') # {ESCAPES}"],
}


class UITars15(ThoughtActionFamily):
    name = "uitars15"
    space = "resized"
    factor = QWEN_FACTOR
    min_pixels = UITARS15_MIN_PIXELS
    max_pixels = CHECKPOINT_MAX_PIXELS
    format_hint = "answer with Thought: ... then Action: click(point='<point>x1 y1</point>')"
    start_key = "point"
    drag_start_key = "start_point"
    end_key = "end_point"
    point_format = "<point>{x} {y}</point>"
    lines = LINES


FAMILY = UITars15()
