"""UI-TARS-1.5 (Qwen2.5-VL based): `click(point='<point>x1 y1</point>')` in resized-image pixels.

bytedance/UI-TARS README_coordinates: the model answers absolute coordinates of the smart-resized
image (`Action: click(start_box='(197,525)')`), converted as x / new_width * width; the parser
constants are MIN_PIXELS 100*28*28 and MAX_PIXELS 16384*28*28 (codes/ui_tars/action_parser.py).
The templates are COMPUTER_USE_DOUBAO, MOBILE_USE_DOUBAO and GROUNDING_DOUBAO of
bytedance/UI-TARS@582f3a7 codes/ui_tars/prompt.py, byte for byte (GROUNDING_DOUBAO's doubled quote in
`click(point='<point>x1 y1</point>'')` included: it is what the model was given).
"""

# ruff: noqa: E501  (verbatim prompt text reads better unwrapped)

from __future__ import annotations

from anyres_agent.model.families.thoughtaction import ThoughtActionFamily
from anyres_agent.model.frame import CHECKPOINT_MAX_PIXELS, QWEN_FACTOR

UITARS15_MIN_PIXELS = 100 * 28 * 28  # 78,400

COMPUTER_USE = (
    "You are a GUI agent. You are given a task and your action history, with screenshots. You need to perform the next action to complete the task.\n"
    "\n"
    "## Output Format\n"
    "```\n"
    "Thought: ...\n"
    "Action: ...\n"
    "```\n"
    "\n"
    "## Action Space\n"
    "\n"
    "click(point='<point>x1 y1</point>')\n"
    "left_double(point='<point>x1 y1</point>')\n"
    "right_single(point='<point>x1 y1</point>')\n"
    "drag(start_point='<point>x1 y1</point>', end_point='<point>x2 y2</point>')\n"
    "hotkey(key='ctrl c') # Split keys with a space and use lowercase. Also, do not use more than 3 keys in one hotkey action.\n"
    "type(content='xxx') # Use escape characters \\', \\\", and \\n in content part to ensure we can parse the content in normal python string format. If you want to submit your input, use \\n at the end of content. \n"
    "scroll(point='<point>x1 y1</point>', direction='down or up or right or left') # Show more information on the `direction` side.\n"
    "wait() #Sleep for 5s and take a screenshot to check for any changes.\n"
    "finished(content='xxx') # Use escape characters \\', \\\", and \\n in content part to ensure we can parse the content in normal python string format.\n"
    "\n"
    "\n"
    "## Note\n"
    "- Use {language} in `Thought` part.\n"
    "- Write a small plan and finally summarize your next action (with its target element) in one sentence in `Thought` part.\n"
    "\n"
    "## User Instruction\n"
    "{instruction}\n"
)
MOBILE_USE = (
    "You are a GUI agent. You are given a task and your action history, with screenshots. You need to perform the next action to complete the task. \n"
    "## Output Format\n"
    "```\n"
    "Thought: ...\n"
    "Action: ...\n"
    "```\n"
    "## Action Space\n"
    "\n"
    "click(point='<point>x1 y1</point>')\n"
    "long_press(point='<point>x1 y1</point>')\n"
    "type(content='') #If you want to submit your input, use \"\\n\" at the end of `content`.\n"
    "scroll(point='<point>x1 y1</point>', direction='down or up or right or left')\n"
    "open_app(app_name='')\n"
    "drag(start_point='<point>x1 y1</point>', end_point='<point>x2 y2</point>')\n"
    "press_home()\n"
    "press_back()\n"
    "finished(content='xxx') # Use escape characters \\', \\\", and \\n in content part to ensure we can parse the content in normal python string format.\n"
    "\n"
    "\n"
    "## Note\n"
    "- Use {language} in `Thought` part.\n"
    "- Write a small plan and finally summarize your next action (with its target element) in one sentence in `Thought` part.\n"
    "\n"
    "## User Instruction\n"
    "{instruction}\n"
)
GROUNDING = (
    "You are a GUI agent. You are given a task and your action history, with screenshots. You need to perform the next action to complete the task. \n"
    "\n"
    "## Output Format\n"
    "\n"
    "Action: ...\n"
    "\n"
    "\n"
    "## Action Space\n"
    "click(point='<point>x1 y1</point>'')\n"
    "\n"
    "## User Instruction\n"
    "{instruction}"
)

POINT = "<point>x1 y1</point>"
EXTRA_LINES = {
    "move": [f"mouse_move(point='{POINT}')"],
    "long_press": [f"long_press(point='{POINT}')"],
    "drag": ["drag(start_point='<point>x1 y1</point>', end_point='<point>x2 y2</point>')"],
    "swipe": ["swipe(start_point='<point>x1 y1</point>', end_point='<point>x2 y2</point>')"],
    "key": ["hotkey(key='ctrl c') # Split keys with a space and use lowercase."],
    "open_app": ["open_app(app_name='')"],
    "navigate": ["navigate(url='xxx') # Open the URL in the browser."],
    "home": ["press_home()"],
    "back": ["press_back()"],
    "wait": ["wait() #Sleep for 5s and take a screenshot to check for any changes."],
    "answer": ["answer(content='xxx') # Report the answer the task asks for."],
    "choose": ["choose(option='xxx') # Pick one of the offered options."],
    "call_user": [
        "call_user() # Call the user when the task is unsolvable, or when you need the user's help."
    ],
}
"""Project lines, offered only for the actions an environment opts in to (docs/models.md)."""


TEMPLATE_ACTIONS = {
    "computer": frozenset({"click", "drag", "key", "type", "scroll", "wait", "finish"}),
    "mobile": frozenset(
        {"click", "long_press", "type", "scroll", "open_app", "drag", "home", "back", "finish"}
    ),
}
"""The tools actions each official template already offers."""


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
    computer_template = COMPUTER_USE
    mobile_template = MOBILE_USE
    template_actions = TEMPLATE_ACTIONS
    extra_lines = EXTRA_LINES
    grounding_template = GROUNDING


FAMILY = UITars15()
