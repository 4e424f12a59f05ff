"""The Qwen agent tool prompts: an official tool (qwen_tools) rendered the way its cookbook renders it.

Three renderings exist, and each model family uses the one its cookbook used:
- Qwen2.5-VL: Qwen-Agent's NousFnCallPrompt of the time (qwen-agent 0.0.15), which writes the tool as
  `{"name_for_human", "name", "description", "parameters", "args_format"}` after "You are a helpful
  assistant." (checked byte for byte against the system text the mobile_agent notebook printed);
- Qwen3-VL computer_use: the newer NousFnCallPrompt, which writes `{"name", "description",
  "parameters"}` (as the computer_use notebook printed it);
- Qwen3-VL mobile_use: the notebook's fixed system prompt, which starts at "# Tools" and ends with a
  "# Response format" section.

Project actions the official tool lacks (navigate, call_user, choose...) are added to the `action` enum
and its description only when an environment opts in to them (`extras`).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from anyres_agent.model.families import qwen_tools as official
from anyres_agent.tools import NO_TOOLS, Toolbox

TOOLS_HEADER = (
    "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
)
TOOLS_FOOTER = (
    "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
    '<tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": '
    "<args-json-object>}\n</tool_call>"
)
SYSTEM_MESSAGE = "You are a helpful assistant."
"""The system message the cookbooks hand to NousFnCallPrompt, which puts the tools after it."""

EXTRA_ACTIONS: dict[str, tuple[str, str]] = {
    "navigate": ("navigate", "Open the URL given in `text`."),
    "back": ("back", "Go back (browser history or the back button)."),
    "home": ("home", "Go to the home screen or start page."),
    "open_app": ("open", "Open the app named in `text`."),
    "call_user": ("call_user", "Ask the user for help; explain why in `text`."),
    "choose": ("choose", "Pick the option named in `text`."),
    "answer": ("answer", "Answer a question with `text`."),
    "key": ("key", "Press the keys in `text`, split by spaces (e.g. `ctrl c`)."),
}
"""Project actions as (the cookbook-style action name, its line), for tools that lack them."""

Style = Literal["qwen-agent-0.0.15", "qwen-agent", "qwen3-mobile"]


@dataclass(frozen=True)
class OfficialTool:
    """One official tool and how its cookbook renders it."""

    name: str
    description: str
    parameters: Mapping[str, Any]
    style: Style
    offers: frozenset[str]
    """The tools actions it already has an action for (no extra line needed)."""
    suffix: str = ""
    source: str = field(default="", compare=False)


QWEN25_COMPUTER = OfficialTool(
    "computer_use",
    official.QWEN25_COMPUTER_DESCRIPTION,
    official.QWEN25_COMPUTER_PARAMETERS,
    "qwen-agent-0.0.15",
    frozenset({"key", "type", "move", "click", "drag", "scroll", "wait", "finish"}),
    source="QwenLM/Qwen3-VL@d08310c cookbooks/utils/agent_function_call.py ComputerUse",
)
QWEN25_MOBILE = OfficialTool(
    "mobile_use",
    official.MOBILE_DESCRIPTION,
    official.MOBILE_PARAMETERS,
    "qwen-agent-0.0.15",
    frozenset({"key", "click", "long_press", "swipe", "type", "back", "home", "open_app", "wait", "finish"}),
    source="QwenLM/Qwen3-VL@d08310c cookbooks/utils/agent_function_call.py MobileUse",
)
QWEN3_COMPUTER = OfficialTool(
    "computer_use",
    official.QWEN3_COMPUTER_DESCRIPTION,
    official.QWEN3_COMPUTER_PARAMETERS,
    "qwen-agent",
    frozenset({"key", "type", "move", "click", "drag", "scroll", "wait", "finish", "answer"}),
    source="QwenLM/Qwen3-VL@0dcc180 cookbooks/utils/agent_function_call.py ComputerUse",
)
QWEN3_MOBILE = OfficialTool(
    "mobile_use",
    official.QWEN3_MOBILE_DESCRIPTION,
    official.QWEN3_MOBILE_PARAMETERS,
    "qwen3-mobile",
    frozenset({"click", "long_press", "swipe", "type", "answer", "back", "home", "wait", "finish"}),
    suffix=official.QWEN3_MOBILE_RESPONSE_FORMAT,
    source="QwenLM/Qwen3-VL@9e7b8cc cookbooks/mobile_agent.ipynb system_prompt",
)


def tool_function(
    tool: OfficialTool, declared: tuple[int, int], extras: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The tool's function object for a declared screen size, with lines for the opted-in `extras`."""
    width, height = declared
    parameters = copy.deepcopy(dict(tool.parameters))
    action = parameters["properties"]["action"]
    for ours in sorted(extras - tool.offers):
        if ours not in EXTRA_ACTIONS:
            continue
        name, line = EXTRA_ACTIONS[ours]
        if name not in action["enum"]:
            action["enum"].append(name)
            action["description"] += f"\n* `{name}`: {line}"
    description = tool.description.replace("{width}x{height}", f"{width}x{height}")
    return _function(tool.style, tool.name, description, parameters)


def _function(style: Style, name: str, description: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """A function object as the cookbook's Qwen-Agent version writes it."""
    if style == "qwen-agent-0.0.15":
        return {
            "name_for_human": name,
            "name": name,
            "description": description,
            "parameters": parameters,
            "args_format": "Format the arguments as a JSON object.",
        }
    return {"name": name, "description": description, "parameters": parameters}


def tool_prompt(
    tool: OfficialTool,
    declared: tuple[int, int],
    extras: frozenset[str] = frozenset(),
    tools: Toolbox = NO_TOOLS,
) -> str:
    """The system text the tool's cookbook sends, for a declared screen size; custom `tools` follow the
    official tool, one JSON per line as Qwen-Agent lists several tools, each in the same style."""
    functions = [tool_function(tool, declared, extras)]
    functions += [_function(tool.style, t.name, t.description, t.parameters()) for t in tools]
    schema = "\n".join(
        json.dumps({"type": "function", "function": function}, ensure_ascii=False) for function in functions
    )
    head = "" if tool.style == "qwen3-mobile" else SYSTEM_MESSAGE
    return head + TOOLS_HEADER + schema + TOOLS_FOOTER + tool.suffix
