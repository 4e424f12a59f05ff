"""anyres-agent: Qwen2-VL-family vision-language models operating real screens.

The documented way in. Everything here is loaded on first use, so `import anyres_agent` stays light
(no torch, Playwright or LangGraph until a name that needs them is touched)::

    from anyres_agent import Agent, AgentConfig, open_backend, open_environment

The four parts of the framework live under this one namespace, each with a single job:
`anyres_agent.agent` (the loop and its faces), `anyres_agent.model` (frames, families, backends),
`anyres_agent.tools` (typed actions) and `anyres_agent.environments` (device adapters).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    "Agent": "anyres_agent.agent.api",
    "RunResult": "anyres_agent.agent.api",
    "run_sync": "anyres_agent.agent.api",
    "AgentConfig": "anyres_agent.agent.config",
    "ConfigError": "anyres_agent.agent.config",
    "SecretStore": "anyres_agent.agent.secrets",
    "open_backend": "anyres_agent.model.backends",
    "ScriptedBackend": "anyres_agent.model.backends.scripted",
    "get_family": "anyres_agent.model.families",
    "Frame": "anyres_agent.model.frame",
    "smart_resize": "anyres_agent.model.frame",
    "open_environment": "anyres_agent.environments",
    "Environment": "anyres_agent.environments.base",
    "Observation": "anyres_agent.environments.base",
    "Action": "anyres_agent.tools.actions",
    "Tool": "anyres_agent.tools.custom",
    "GuardCheck": "anyres_agent.agent.guard_hooks",
    "GuardVerdict": "anyres_agent.agent.guard_hooks",
    "default_guards": "anyres_agent.agent.guard_hooks",
    "action_from_call": "anyres_agent.tools.schema",
    "UI": "anyres_agent.agent.testing.ui",
    "AsyncUI": "anyres_agent.agent.testing.session",
    "build_gui_graph": "anyres_agent.agent.graph.prebuilt",
    "GuiAgentNode": "anyres_agent.agent.graph.node",
    "gui_tool": "anyres_agent.agent.graph.tool",
}

__all__ = [
    "UI",
    "Action",
    "Agent",
    "AgentConfig",
    "AsyncUI",
    "ConfigError",
    "Environment",
    "Frame",
    "GuardCheck",
    "GuardVerdict",
    "GuiAgentNode",
    "Observation",
    "RunResult",
    "ScriptedBackend",
    "SecretStore",
    "Tool",
    "action_from_call",
    "build_gui_graph",
    "default_guards",
    "get_family",
    "gui_tool",
    "open_backend",
    "open_environment",
    "run_sync",
    "smart_resize",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'anyres_agent' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:
    from anyres_agent.agent.api import Agent, RunResult, run_sync
    from anyres_agent.agent.config import AgentConfig, ConfigError
    from anyres_agent.agent.graph.node import GuiAgentNode
    from anyres_agent.agent.graph.prebuilt import build_gui_graph
    from anyres_agent.agent.graph.tool import gui_tool
    from anyres_agent.agent.guard_hooks import GuardCheck, GuardVerdict, default_guards
    from anyres_agent.agent.secrets import SecretStore
    from anyres_agent.agent.testing.session import AsyncUI
    from anyres_agent.agent.testing.ui import UI
    from anyres_agent.environments import open_environment
    from anyres_agent.environments.base import Environment, Observation
    from anyres_agent.model.backends import open_backend
    from anyres_agent.model.backends.scripted import ScriptedBackend
    from anyres_agent.model.families import get_family
    from anyres_agent.model.frame import Frame, smart_resize
    from anyres_agent.tools.actions import Action
    from anyres_agent.tools.custom import Tool
    from anyres_agent.tools.schema import action_from_call
