"""The Qwen2.5-VL cookbook's `computer_use` / `mobile_use` tool schemas and the Nous tool prompt.

Descriptions are QwenLM/Qwen2.5-VL `cookbooks/utils/agent_function_call.py` (and the Qwen3-VL
cookbook's copy, which adds triple_click, hscroll and answer). The schema lists only the actions the
loop allows, plus tools actions the cookbook lacks (navigate, back, ...) when they are allowed.
"""

# ruff: noqa: E501  (verbatim prompt text reads better unwrapped)

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

COMPUTER_ACTIONS = {
    "key": "Performs key down presses on the arguments passed in order, then performs key releases in reverse order.",
    "type": "Type a string of text on the keyboard.",
    "mouse_move": "Move the cursor to a specified (x, y) pixel coordinate on the screen.",
    "left_click": "Click the left mouse button at a specified (x, y) pixel coordinate on the screen.",
    "left_click_drag": "Click and drag the cursor to a specified (x, y) pixel coordinate on the screen.",
    "right_click": "Click the right mouse button at a specified (x, y) pixel coordinate on the screen.",
    "middle_click": "Click the middle mouse button at a specified (x, y) pixel coordinate on the screen.",
    "double_click": "Double-click the left mouse button at a specified (x, y) pixel coordinate on the screen.",
    "triple_click": "Triple-click the left mouse button at a specified (x, y) pixel coordinate on the screen.",
    "scroll": "Performs a scroll of the mouse scroll wheel.",
    "hscroll": "Performs a horizontal scroll.",
    "wait": "Wait specified seconds for the change to happen.",
    "terminate": "Terminate the current task and report its completion status.",
    "answer": "Answer a question.",
}
MOBILE_ACTIONS = {
    "key": "Perform a key event on the mobile device.\n    - This supports adb's `keyevent` syntax.\n"
    '    - Examples: "volume_up", "volume_down", "power", "camera", "clear".',
    "click": "Click the point on the screen with coordinate (x, y).",
    "long_press": "Press the point on the screen with coordinate (x, y) for specified seconds.",
    "swipe": "Swipe from the starting point with coordinate (x, y) to the end point with coordinates2 (x2, y2).",
    "type": "Input the specified text into the activated input box.",
    "system_button": "Press the system button.",
    "open": "Open an app on the device.",
    "wait": "Wait specified seconds for the change to happen.",
    "terminate": "Terminate the current task and report its completion status.",
    "answer": "Answer a question.",
}
EXTRA_ACTIONS = {  # tools actions the cookbook schema lacks, offered only when the loop allows them
    "navigate": ("navigate", "Open the URL given in `text`."),
    "back": ("back", "Go back (browser history or the back button)."),
    "home": ("home", "Go to the home screen or start page."),
    "open_app": ("open", "Open the app named in `text`."),
    "call_user": ("call_user", "Ask the user for help; explain why in `text`."),
    "choose": ("choose", "Pick the option named in `text`."),
}
COMPUTER_FOR = {
    "click": ["left_click", "right_click", "middle_click", "double_click", "triple_click"],
    "move": ["mouse_move"],
    "drag": ["mouse_move", "left_click_drag"],
    "scroll": ["scroll", "hscroll"],
    "type": ["type"],
    "key": ["key"],
    "wait": ["wait"],
    "finish": ["terminate"],
    "answer": ["answer"],
}
MOBILE_FOR = {
    "click": ["click"],
    "long_press": ["long_press"],
    "swipe": ["swipe"],
    "type": ["type"],
    "key": ["key", "system_button"],
    "back": ["system_button"],
    "home": ["system_button"],
    "open_app": ["open"],
    "wait": ["wait"],
    "finish": ["terminate"],
    "answer": ["answer"],
}
TOUCH_ONLY = frozenset({"swipe", "long_press", "open_app"})
MOUSE_ONLY = frozenset({"move", "drag"})


def tool_schema(actions: frozenset[str], declared: tuple[int, int]) -> dict[str, Any]:
    """The cookbook `computer_use` (or `mobile_use` for touch-only action sets) tool, restricted to `actions`."""
    mobile = bool(actions & TOUCH_ONLY) and not actions & MOUSE_ONLY
    table, names_for = (MOBILE_ACTIONS, MOBILE_FOR) if mobile else (COMPUTER_ACTIONS, COMPUTER_FOR)
    chosen: dict[str, str] = {}
    for tool_action in sorted(actions):
        for name in names_for.get(tool_action, []):
            chosen[name] = table[name]
        if tool_action in EXTRA_ACTIONS and not any(n in chosen for n in names_for.get(tool_action, [])):
            name, text = EXTRA_ACTIONS[tool_action]
            chosen.setdefault(name, text)
    if "terminate" not in chosen:
        chosen["terminate"] = table["terminate"]
    order = [n for n in table if n in chosen] + [n for n in chosen if n not in table]
    width, height = declared
    device = "a mobile device with touchscreen" if mobile else "a desktop GUI"
    description = (
        f"Use a {'touchscreen' if mobile else 'mouse and keyboard'} to interact with "
        f"{'a mobile device' if mobile else 'a computer'}, and take screenshots.\n"
        f"* This is an interface to {device}.\n"
        "* Some applications may take time to start or process actions, so you may need to wait and take "
        "successive screenshots to see the results of your actions.\n"
        f"* The screen's resolution is {width}x{height}.\n"
        "* Make sure to click any buttons, links, icons, etc with the cursor tip in the center of the "
        "element. Don't click boxes on their edges unless asked."
    )
    action_doc = "The action to perform. The available actions are:\n" + "\n".join(
        f"* `{n}`: {chosen[n]}" for n in order
    )
    properties: dict[str, Any] = {"action": {"description": action_doc, "enum": order, "type": "string"}}
    coord_doc = "(x, y): The x (pixels from the left edge) and y (pixels from the top edge) coordinates."
    uses = set(order)
    if uses & {"key"} and not mobile:
        properties["keys"] = {"description": "Required only by `action=key`.", "type": "array"}
    text_actions = {"type", "open", "answer", "navigate", "call_user", "choose"} | (
        {"key"} if mobile else set()
    )
    texts = sorted(uses & text_actions)
    if texts:
        needed = ", ".join(f"`action={t}`" for t in texts)
        properties["text"] = {"description": f"Required only by {needed}.", "type": "string"}
    pointing = uses & {"mouse_move", "left_click", "left_click_drag", "right_click", "middle_click"}
    if pointing | (
        uses & {"double_click", "triple_click", "scroll", "hscroll", "click", "long_press", "swipe"}
    ):
        properties["coordinate"] = {"description": coord_doc, "type": "array"}
    if "swipe" in uses:
        properties["coordinate2"] = {
            "description": coord_doc + " Required only by `action=swipe`.",
            "type": "array",
        }
    if uses & {"scroll", "hscroll"}:
        properties["pixels"] = {
            "description": "The amount of scrolling to perform. Positive values scroll up, negative values "
            "scroll down. Required only by `action=scroll` and `action=hscroll`.",
            "type": "number",
        }
    if uses & {"wait", "long_press"}:
        properties["time"] = {"description": "The seconds to wait or to press.", "type": "number"}
    if "system_button" in uses:
        properties["button"] = {
            "description": "Back means returning to the previous interface, Home means returning to the "
            "desktop, Menu means opening the application background menu, and Enter means pressing the "
            "enter. Required only by `action=system_button`",
            "enum": ["Back", "Home", "Menu", "Enter"],
            "type": "string",
        }
    properties["status"] = {
        "description": "The status of the task. Required only by `action=terminate`.",
        "type": "string",
        "enum": ["success", "failure"],
    }
    name = "mobile_use" if mobile else "computer_use"
    return {
        "type": "function",
        "function": {
            "name_for_human": name,
            "name": name,
            "description": description,
            "parameters": {"properties": properties, "required": ["action"], "type": "object"},
            "args_format": "Format the arguments as a JSON object.",
        },
    }


def nous_system_prompt(schema: dict[str, Any], extra: Sequence[dict[str, Any]] = ()) -> str:
    """Qwen-Agent's NousFnCallPrompt system block around the tool schemas (cookbook output, verbatim):
    one JSON per line, the cookbook's tool first, then any `extra` (custom tools)."""
    text = "\n".join(json.dumps(s, ensure_ascii=False) for s in (schema, *extra))
    return (
        "You are a helpful assistant.\n\n# Tools\n\nYou may call one or more functions to assist with the "
        "user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n"
        f"<tools>\n{text}\n</tools>\n\nFor each function call, return a json object with function name "
        "and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
        '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
    )
