"""The official Qwen agent tools, as data: what the Qwen2.5-VL and Qwen3-VL cookbooks declare.

Quoted from QwenLM/Qwen3-VL (formerly QwenLM/Qwen2.5-VL) `cookbooks/utils/agent_function_call.py`:
the Qwen2.5-VL-era version at commit d08310c (2025-01-28: left_click etc. take no coordinate) and
the Qwen3-VL-era version at commit 0dcc180 (2025-09-24: clicks at a coordinate, triple_click, hscroll,
answer); MobileUse is the same in both. QWEN3_MOBILE_USE is the tool inside the fixed system prompt of
`cookbooks/mobile_agent.ipynb` at commit 9e7b8cc (2025-10-20), which declares a 999x999 screen, and
QWEN3_MOBILE_RESPONSE_FORMAT is the text that prompt ends with. Each description keeps {width}x{height}
where the cookbook writes the declared screen size.
"""

# ruff: noqa: E501  (verbatim prompt text reads better unwrapped)

from __future__ import annotations

from typing import Any

QWEN25_COMPUTER_DESCRIPTION = (
    "Use a mouse and keyboard to interact with a computer, and take screenshots.\n"
    "* This is an interface to a desktop GUI. You do not have access to a terminal or applications menu. You must click on desktop icons to start applications.\n"
    "* Some applications may take time to start or process actions, so you may need to wait and take successive screenshots to see the results of your actions. E.g. if you click on Firefox and a window doesn't open, try wait and taking another screenshot.\n"
    "* The screen's resolution is {width}x{height}.\n"
    "* Whenever you intend to move the cursor to click on an element like an icon, you should consult a screenshot to determine the coordinates of the element before moving the cursor.\n"
    "* If you tried clicking on a program or link but it failed to load, even after waiting, try adjusting your cursor position so that the tip of the cursor visually falls on the element that you want to click.\n"
    "* Make sure to click any buttons, links, icons, etc with the cursor tip in the center of the element. Don't click boxes on their edges unless asked."
)
QWEN25_COMPUTER_PARAMETERS: dict[str, Any] = {
    "properties": {
        "action": {
            "description": "The action to perform. The available actions are:\n"
            "* `key`: Performs key down presses on the arguments "
            "passed in order, then performs key releases in reverse "
            "order.\n"
            "* `type`: Type a string of text on the keyboard.\n"
            "* `mouse_move`: Move the cursor to a specified (x, y) "
            "pixel coordinate on the screen.\n"
            "* `left_click`: Click the left mouse button.\n"
            "* `left_click_drag`: Click and drag the cursor to a "
            "specified (x, y) pixel coordinate on the screen.\n"
            "* `right_click`: Click the right mouse button.\n"
            "* `middle_click`: Click the middle mouse button.\n"
            "* `double_click`: Double-click the left mouse button.\n"
            "* `scroll`: Performs a scroll of the mouse scroll "
            "wheel.\n"
            "* `wait`: Wait specified seconds for the change to "
            "happen.\n"
            "* `terminate`: Terminate the current task and report "
            "its completion status.",
            "enum": [
                "key",
                "type",
                "mouse_move",
                "left_click",
                "left_click_drag",
                "right_click",
                "middle_click",
                "double_click",
                "scroll",
                "wait",
                "terminate",
            ],
            "type": "string",
        },
        "keys": {"description": "Required only by `action=key`.", "type": "array"},
        "text": {"description": "Required only by `action=type`.", "type": "string"},
        "coordinate": {
            "description": "(x, y): The x (pixels from the left edge) and y "
            "(pixels from the top edge) coordinates to move the "
            "mouse to. Required only by `action=mouse_move` and "
            "`action=left_click_drag`.",
            "type": "array",
        },
        "pixels": {
            "description": "The amount of scrolling to perform. Positive values "
            "scroll up, negative values scroll down. Required only "
            "by `action=scroll`.",
            "type": "number",
        },
        "time": {"description": "The seconds to wait. Required only by `action=wait`.", "type": "number"},
        "status": {
            "description": "The status of the task. Required only by `action=terminate`.",
            "type": "string",
            "enum": ["success", "failure"],
        },
    },
    "required": ["action"],
    "type": "object",
}

MOBILE_DESCRIPTION = (
    "Use a touchscreen to interact with a mobile device, and take screenshots.\n"
    "* This is an interface to a mobile device with touchscreen. You can perform actions like clicking, typing, swiping, etc.\n"
    "* Some applications may take time to start or process actions, so you may need to wait and take successive screenshots to see the results of your actions.\n"
    "* The screen's resolution is {width}x{height}.\n"
    "* Make sure to click any buttons, links, icons, etc with the cursor tip in the center of the element. Don't click boxes on their edges unless asked."
)
MOBILE_PARAMETERS: dict[str, Any] = {
    "properties": {
        "action": {
            "description": "The action to perform. The available actions are:\n"
            "* `key`: Perform a key event on the mobile device.\n"
            "    - This supports adb's `keyevent` syntax.\n"
            '    - Examples: "volume_up", "volume_down", "power", '
            '"camera", "clear".\n'
            "* `click`: Click the point on the screen with "
            "coordinate (x, y).\n"
            "* `long_press`: Press the point on the screen with "
            "coordinate (x, y) for specified seconds.\n"
            "* `swipe`: Swipe from the starting point with "
            "coordinate (x, y) to the end point with coordinates2 "
            "(x2, y2).\n"
            "* `type`: Input the specified text into the activated "
            "input box.\n"
            "* `system_button`: Press the system button.\n"
            "* `open`: Open an app on the device.\n"
            "* `wait`: Wait specified seconds for the change to "
            "happen.\n"
            "* `terminate`: Terminate the current task and report "
            "its completion status.",
            "enum": [
                "key",
                "click",
                "long_press",
                "swipe",
                "type",
                "system_button",
                "open",
                "wait",
                "terminate",
            ],
            "type": "string",
        },
        "coordinate": {
            "description": "(x, y): The x (pixels from the left edge) and y "
            "(pixels from the top edge) coordinates to move the "
            "mouse to. Required only by `action=click`, "
            "`action=long_press`, and `action=swipe`.",
            "type": "array",
        },
        "coordinate2": {
            "description": "(x, y): The x (pixels from the left edge) and y "
            "(pixels from the top edge) coordinates to move the "
            "mouse to. Required only by `action=swipe`.",
            "type": "array",
        },
        "text": {
            "description": "Required only by `action=key`, `action=type`, and `action=open`.",
            "type": "string",
        },
        "time": {
            "description": "The seconds to wait. Required only by `action=long_press` and `action=wait`.",
            "type": "number",
        },
        "button": {
            "description": "Back means returning to the previous interface, Home "
            "means returning to the desktop, Menu means opening the "
            "application background menu, and Enter means pressing "
            "the enter. Required only by `action=system_button`",
            "enum": ["Back", "Home", "Menu", "Enter"],
            "type": "string",
        },
        "status": {
            "description": "The status of the task. Required only by `action=terminate`.",
            "type": "string",
            "enum": ["success", "failure"],
        },
    },
    "required": ["action"],
    "type": "object",
}

QWEN3_COMPUTER_DESCRIPTION = (
    "Use a mouse and keyboard to interact with a computer, and take screenshots.\n"
    "* This is an interface to a desktop GUI. You do not have access to a terminal or applications menu. You must click on desktop icons to start applications.\n"
    "* Some applications may take time to start or process actions, so you may need to wait and take successive screenshots to see the results of your actions. E.g. if you click on Firefox and a window doesn't open, try wait and taking another screenshot.\n"
    "* The screen's resolution is {width}x{height}.\n"
    "* Whenever you intend to move the cursor to click on an element like an icon, you should consult a screenshot to determine the coordinates of the element before moving the cursor.\n"
    "* If you tried clicking on a program or link but it failed to load, even after waiting, try adjusting your cursor position so that the tip of the cursor visually falls on the element that you want to click.\n"
    "* Make sure to click any buttons, links, icons, etc with the cursor tip in the center of the element. Don't click boxes on their edges."
)
QWEN3_COMPUTER_PARAMETERS: dict[str, Any] = {
    "properties": {
        "action": {
            "description": "The action to perform. The available actions are:\n"
            "* `key`: Performs key down presses on the arguments "
            "passed in order, then performs key releases in reverse "
            "order.\n"
            "* `type`: Type a string of text on the keyboard.\n"
            "* `mouse_move`: Move the cursor to a specified (x, y) "
            "pixel coordinate on the screen.\n"
            "* `left_click`: Click the left mouse button at a "
            "specified (x, y) pixel coordinate on the screen.\n"
            "* `left_click_drag`: Click and drag the cursor to a "
            "specified (x, y) pixel coordinate on the screen.\n"
            "* `right_click`: Click the right mouse button at a "
            "specified (x, y) pixel coordinate on the screen.\n"
            "* `middle_click`: Click the middle mouse button at a "
            "specified (x, y) pixel coordinate on the screen.\n"
            "* `double_click`: Double-click the left mouse button at "
            "a specified (x, y) pixel coordinate on the screen.\n"
            "* `triple_click`: Triple-click the left mouse button at "
            "a specified (x, y) pixel coordinate on the screen "
            "(simulated as double-click since it's the closest "
            "action).\n"
            "* `scroll`: Performs a scroll of the mouse scroll "
            "wheel.\n"
            "* `hscroll`: Performs a horizontal scroll (mapped to "
            "regular scroll).\n"
            "* `wait`: Wait specified seconds for the change to "
            "happen.\n"
            "* `terminate`: Terminate the current task and report "
            "its completion status.\n"
            "* `answer`: Answer a question.",
            "enum": [
                "key",
                "type",
                "mouse_move",
                "left_click",
                "left_click_drag",
                "right_click",
                "middle_click",
                "double_click",
                "triple_click",
                "scroll",
                "hscroll",
                "wait",
                "terminate",
                "answer",
            ],
            "type": "string",
        },
        "keys": {"description": "Required only by `action=key`.", "type": "array"},
        "text": {"description": "Required only by `action=type` and `action=answer`.", "type": "string"},
        "coordinate": {
            "description": "(x, y): The x (pixels from the left edge) and y "
            "(pixels from the top edge) coordinates to move the "
            "mouse to.",
            "type": "array",
        },
        "pixels": {
            "description": "The amount of scrolling to perform. Positive values "
            "scroll up, negative values scroll down. Required only "
            "by `action=scroll` and `action=hscroll`.",
            "type": "number",
        },
        "time": {"description": "The seconds to wait. Required only by `action=wait`.", "type": "number"},
        "status": {
            "description": "The status of the task. Required only by `action=terminate`.",
            "type": "string",
            "enum": ["success", "failure"],
        },
    },
    "required": ["action"],
    "type": "object",
}

QWEN3_MOBILE_DESCRIPTION = (
    "Use a touchscreen to interact with a mobile device, and take screenshots.\n"
    "* This is an interface to a mobile device with touchscreen. You can perform actions like clicking, typing, swiping, etc.\n"
    "* Some applications may take time to start or process actions, so you may need to wait and take successive screenshots to see the results of your actions.\n"
    "* The screen's resolution is {width}x{height}.\n"
    "* Make sure to click any buttons, links, icons, etc with the cursor tip in the center of the element. Don't click boxes on their edges unless asked."
)
QWEN3_MOBILE_PARAMETERS: dict[str, Any] = {
    "properties": {
        "action": {
            "description": "The action to perform. The available actions are:\n"
            "* `click`: Click the point on the screen with "
            "coordinate (x, y).\n"
            "* `long_press`: Press the point on the screen with "
            "coordinate (x, y) for specified seconds.\n"
            "* `swipe`: Swipe from the starting point with "
            "coordinate (x, y) to the end point with coordinates2 "
            "(x2, y2).\n"
            "* `type`: Input the specified text into the activated "
            "input box.\n"
            "* `answer`: Output the answer.\n"
            "* `system_button`: Press the system button.\n"
            "* `wait`: Wait specified seconds for the change to "
            "happen.\n"
            "* `terminate`: Terminate the current task and report "
            "its completion status.",
            "enum": ["click", "long_press", "swipe", "type", "answer", "system_button", "wait", "terminate"],
            "type": "string",
        },
        "coordinate": {
            "description": "(x, y): The x (pixels from the left edge) and y "
            "(pixels from the top edge) coordinates to move the "
            "mouse to. Required only by `action=click`, "
            "`action=long_press`, and `action=swipe`.",
            "type": "array",
        },
        "coordinate2": {
            "description": "(x, y): The x (pixels from the left edge) and y "
            "(pixels from the top edge) coordinates to move the "
            "mouse to. Required only by `action=swipe`.",
            "type": "array",
        },
        "text": {"description": "Required only by `action=type` and `action=answer`.", "type": "string"},
        "time": {
            "description": "The seconds to wait. Required only by `action=long_press` and `action=wait`.",
            "type": "number",
        },
        "button": {
            "description": "Back means returning to the previous interface, Home "
            "means returning to the desktop, Menu means opening the "
            "application background menu, and Enter means pressing "
            "the enter. Required only by `action=system_button`",
            "enum": ["Back", "Home", "Menu", "Enter"],
            "type": "string",
        },
        "status": {
            "description": "The status of the task. Required only by `action=terminate`.",
            "type": "string",
            "enum": ["success", "failure"],
        },
    },
    "required": ["action"],
    "type": "object",
}
QWEN3_MOBILE_RESPONSE_FORMAT = (
    "\n"
    "\n"
    "# Response format\n"
    "\n"
    "Response format for every step:\n"
    "1) Thought: one concise sentence explaining the next move (no multi-step reasoning).\n"
    "2) Action: a short imperative describing what to do in the UI.\n"
    '3) A single <tool_call>...</tool_call> block containing only the JSON: {"name": <function-name>, "arguments": <args-json-object>}.\n'
    "\n"
    "Rules:\n"
    "- Output exactly in the order: Thought, Action, <tool_call>.\n"
    "- Be brief: one sentence for Thought, one for Action.\n"
    "- Do not output anything else outside those three parts.\n"
    "- If finishing, use action=terminate in the tool call."
)
