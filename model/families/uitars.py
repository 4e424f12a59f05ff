"""UI-TARS v1 (Qwen2-VL based): `Action: click(start_box='<|box_start|>(x1,y1)<|box_end|>')`, 0-1000.

README_v1 (bytedance/UI-TARS): "divide each component by 1000" and multiply by the screen size; the
training example answers `Action: click(start_box='<|box_start|>(495,30)<|box_end|>')`. The pixel
budget only decides the image tokens (coordinates are relative), so the Qwen2-VL checkpoint defaults
apply: min_pixels 3,136, max_pixels 12,845,056.

The templates are README_v1.md's "Prompt template for computer" / "for mobile" (bytedance/UI-TARS@582f3a7)
byte for byte. They are raw strings in the README, so they hold a literal backslash-n in the Output
Format block, and the computer one asks for thoughts in Chinese; the README sends `prompt +
instruction`. Grounding is README_v1's "Output only the coordinate of one point" prompt, image first.
"""

# ruff: noqa: E501  (verbatim prompt text reads better unwrapped)

from __future__ import annotations

from anyres_agent.model.families.thoughtaction import ThoughtActionFamily
from anyres_agent.model.frame import CHECKPOINT_MAX_PIXELS, CHECKPOINT_MIN_PIXELS, QWEN_FACTOR

COMPUTER_USE = (
    "You are a GUI agent. You are given a task and your action history, with screenshots. You need to perform the next action to complete the task. \n"
    "\n"
    "## Output Format\n"
    "```\\nThought: ...\n"
    "Action: ...\\n```\n"
    "\n"
    "## Action Space\n"
    "\n"
    "click(start_box='<|box_start|>(x1,y1)<|box_end|>')\n"
    "left_double(start_box='<|box_start|>(x1,y1)<|box_end|>')\n"
    "right_single(start_box='<|box_start|>(x1,y1)<|box_end|>')\n"
    "drag(start_box='<|box_start|>(x1,y1)<|box_end|>', end_box='<|box_start|>(x3,y3)<|box_end|>')\n"
    "hotkey(key='')\n"
    "type(content='') #If you want to submit your input, use \\\"\\\n"
    '\\" at the end of `content`.\n'
    "scroll(start_box='<|box_start|>(x1,y1)<|box_end|>', direction='down or up or right or left')\n"
    "wait() #Sleep for 5s and take a screenshot to check for any changes.\n"
    "finished()\n"
    "call_user() # Submit the task and call the user when the task is unsolvable, or when you need the user's help.\n"
    "\n"
    "\n"
    "## Note\n"
    "- Use Chinese in `Thought` part.\n"
    "- Summarize your next action (with its target element) in one sentence in `Thought` part.\n"
    "\n"
    "## User Instruction\n"
) + "{instruction}"
MOBILE_USE = (
    "You are a GUI agent. You are given a task and your action history, with screenshots. You need to perform the next action to complete the task. \n"
    "\n"
    "## Output Format\n"
    "```\\nThought: ...\n"
    "Action: ...\\n```\n"
    "\n"
    "## Action Space\n"
    "click(start_box='<|box_start|>(x1,y1)<|box_end|>')\n"
    "long_press(start_box='<|box_start|>(x1,y1)<|box_end|>', time='')\n"
    "type(content='')\n"
    "scroll(start_box='<|box_start|>(x1,y1)<|box_end|>', end_box='<|box_start|>(x3,y3)<|box_end|>')\n"
    "press_home()\n"
    "press_back()\n"
    "finished(content='') # Submit the task regardless of whether it succeeds or fails.\n"
    "\n"
    "## Note\n"
    "- Use English in `Thought` part.\n"
    "\n"
    "- Write a small plan and finally summarize your next action (with its target element) in one sentence in `Thought` part.\n"
    "\n"
    "## User Instruction\n"
) + "{instruction}"
GROUNDING = (
    "Output only the coordinate of one point in your response. What element matches the following task: "
) + "{instruction}"

BOX = "<|box_start|>(x1,y1)<|box_end|>"
EXTRA_LINES = {
    "move": [f"mouse_move(start_box='{BOX}')"],
    "long_press": [f"long_press(start_box='{BOX}', time='')"],
    "drag": [f"drag(start_box='{BOX}', end_box='<|box_start|>(x3,y3)<|box_end|>')"],
    "swipe": [f"swipe(start_box='{BOX}', end_box='<|box_start|>(x3,y3)<|box_end|>')"],
    "key": ["hotkey(key='')"],
    "open_app": ["open_app(app_name='')"],
    "navigate": ["navigate(url='') # Open the URL in the browser."],
    "home": ["press_home()"],
    "back": ["press_back()"],
    "wait": ["wait() #Sleep for 5s and take a screenshot to check for any changes."],
    "answer": ["answer(content='') # Report the answer the task asks for."],
    "choose": ["choose(option='') # Pick one of the offered options."],
    "call_user": [
        "call_user() # Submit the task and call the user when the task is unsolvable, or when you need the user's help."
    ],
}
"""Project lines, offered only for the actions an environment opts in to (docs/models.md)."""


TEMPLATE_ACTIONS = {
    "computer": frozenset({"click", "drag", "key", "type", "scroll", "wait", "finish", "call_user"}),
    "mobile": frozenset({"click", "long_press", "type", "scroll", "home", "back", "finish"}),
}
"""The tools actions each official template already offers."""


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
    computer_template = COMPUTER_USE
    mobile_template = MOBILE_USE
    template_actions = TEMPLATE_ACTIONS
    extra_lines = EXTRA_LINES
    grounding_template = GROUNDING
    grounding_image_first = True


FAMILY = UITars()
