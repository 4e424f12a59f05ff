"""What the loop may ask an environment beyond the protocol: optional hints, never required.

An adapter that offers `tool_schemas()` (a gym env's named options) or `focused_input_type()` (a
browser's focused field) helps the loop prompt better and guard better; one that does not still works.
"""

from __future__ import annotations

from collections.abc import Iterable

from anyres_agent.agent.guards import LOOP_ACTIONS
from anyres_agent.agent.state import call_maybe_async


def option_notes(env: object) -> list[str]:
    """The choices an environment offers in its own tool schemas (a gym env's `choose` enum): the
    family's prompt names the action, but only the environment knows what may be chosen."""
    schemas = getattr(env, "tool_schemas", None)
    functions = [schema.get("function", {}) for schema in (schemas() if schemas is not None else ())]
    return [
        f"For {f.get('name')}, the {name} must be one of: {', '.join(str(o) for o in spec['enum'])}."
        for f in functions
        for name, spec in f.get("parameters", {}).get("properties", {}).items()
        if spec.get("enum")
    ]


def prompt_extras(env: object, configured: Iterable[str] = ()) -> frozenset[str]:
    """Project actions to describe beyond the family's official action space: those the environment
    opts in to (`prompt_extras()`, e.g. a gym env's `choose`) and those the user configured
    (`AgentConfig.extra_actions`), limited to what the environment or the loop can do. The default
    prompt of every family is its official template, byte for byte; each extra line is opt-in."""
    hint = getattr(env, "prompt_extras", None)
    wanted = set(hint() if hint is not None else ()) | set(configured)
    supported = getattr(env, "supported_actions", None)
    doable = set(supported() if supported is not None else ()) | set(LOOP_ACTIONS)
    return frozenset(wanted & doable)


async def focused_input_type(env: object) -> str | None:
    """The focused field's type (e.g. "password"), for environments that can tell; else None."""
    probe = getattr(env, "focused_input_type", None)
    if probe is None:
        return None
    try:
        return await call_maybe_async(probe)
    except Exception:  # a probe is a hint; it must never stop a run
        return None
