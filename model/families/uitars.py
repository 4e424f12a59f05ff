"""UI-TARS v1 (Qwen2-VL based): `Action: click(start_box='<|box_start|>(x1,y1)<|box_end|>')`, 0-1000.

README_v1 (bytedance/UI-TARS): "divide each component by 1000" and multiply by the screen size; the
training example answers `Action: click(start_box='<|box_start|>(495,30)<|box_end|>')`. The pixel
budget only decides the image tokens (coordinates are relative), so the Qwen2-VL checkpoint defaults
apply: min_pixels 3,136, max_pixels 12,845,056.
"""

from __future__ import annotations

from anyres_agent.model.families.thoughtaction import ThoughtActionFamily
from anyres_agent.model.frame import CHECKPOINT_MAX_PIXELS, CHECKPOINT_MIN_PIXELS, QWEN_FACTOR

BOX = "<|box_start|>(x1,y1)<|box_end|>"
LINES = {
    "click": [
        f"click(start_box='{BOX}')",
        f"left_double(start_box='{BOX}')",
        f"right_single(start_box='{BOX}')",
    ],
    "move": [f"mouse_move(start_box='{BOX}')"],
    "drag": [f"drag(start_box='{BOX}', end_box='<|box_start|>(x3,y3)<|box_end|>')"],
    "swipe": [f"swipe(start_box='{BOX}', end_box='<|box_start|>(x3,y3)<|box_end|>')"],
    "long_press": [f"long_press(start_box='{BOX}', time='')"],
    "key": ["hotkey(key='')"],
    "type": ["type(content='') #If you want to submit your input, use \"\\n\" at the end of `content`."],
    "scroll": [f"scroll(start_box='{BOX}', direction='down or up or right or left')"],
    "open_app": ["open_app(app_name='')"],
    "navigate": ["navigate(url='')"],
    "home": ["press_home()"],
    "back": ["press_back()"],
    "wait": ["wait() #Sleep for 5s and take a screenshot to check for any changes."],
    "answer": ["answer(content='')"],
    "choose": ["choose(option='')"],
    "finish": ["finished()"],
    "call_user": [
        "call_user() # Submit the task and call the user when the task is unsolvable, or when you need "
        "the user's help."
    ],
}


class UITars(ThoughtActionFamily):
    name = "uitars"
    space = "norm1000"
    factor = QWEN_FACTOR
    min_pixels = CHECKPOINT_MIN_PIXELS
    max_pixels = CHECKPOINT_MAX_PIXELS
    format_hint = "answer with Thought: ... then Action: click(start_box='<|box_start|>(x1,y1)<|box_end|>')"
    start_key = "start_box"
    end_key = "end_box"
    point_format = "<|box_start|>({x},{y})<|box_end|>"
    lines = LINES


FAMILY = UITars()
