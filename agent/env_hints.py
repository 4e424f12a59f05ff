"""What the loop and the UI tests may ask an environment beyond the protocol: optional hints.

An adapter that offers `tool_schemas()` (a gym env's named options), `target_at(x, y)` (what is under
a point), `focused_target()` (the field with the keyboard focus), `element_at(x, y)` (a stable
fingerprint of the element at a point) or `focused_text()` (what the focused field holds) helps the
loop prompt and guard better and the UI tests check their locates and typing; one that does not still
works, and its actions are judged by the model's words alone.
"""

from __future__ import annotations

from collections.abc import Iterable

from anyres_agent.agent.guards import LOOP_ACTIONS
from anyres_agent.agent.state import call_maybe_async
from anyres_agent.environments.base import Target
from anyres_agent.tools import Action

FOCUSED_ACTIONS = frozenset({"type", "key"})  # they land wherever the keyboard focus is


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
    return frozenset(wanted) & doable_actions(env)


def doable_actions(env: object) -> frozenset[str]:
    """What a run on `env` can do: the device's own actions and the loop's (finish, answer, call_user)."""
    supported = getattr(env, "supported_actions", None)
    return frozenset(supported() if supported is not None else ()) | LOOP_ACTIONS


async def _ask(env: object, name: str, *args: int) -> Target | None:
    probe = getattr(env, name, None)
    if probe is None:
        return None
    try:
        found = await call_maybe_async(probe, *args)
    except Exception:  # a probe is a hint; it must never stop a run
        return None
    return found if isinstance(found, Target) else None


async def focused_target(env: object) -> Target | None:
    """The field with the keyboard focus (its kind, words, where it lives), where the device can tell."""
    return await _ask(env, "focused_target")


async def target_of(env: object, action: Action) -> Target | None:
    """What `action` is about to land on: the element under its point, or the focused field for typing
    and keys; None for actions that land nowhere in particular, or a device that cannot tell."""
    if action.type in FOCUSED_ACTIONS:
        return await focused_target(env)
    x, y = getattr(action, "x", None), getattr(action, "y", None)
    if action.positional and isinstance(x, int) and isinstance(y, int) and action.type != "scroll":
        return await _ask(env, "target_at", x, y)
    return None


async def element_at(env: object, x: float, y: float) -> str | None:
    """A short description of the element at a point, for devices that can tell (a browser); else None."""
    probe = getattr(env, "element_at", None)
    if probe is None:
        return None
    try:
        return await call_maybe_async(probe, x, y)
    except Exception:  # a hint: a busy or closed page means "cannot tell"
        return None


async def focused_text(env: object) -> tuple[bool, str | None]:
    """(whether the device can tell, the focused text field's text, or None when no text field has the
    focus): evidence that typing reached a field, where the device can give it."""
    probe = getattr(env, "focused_text", None)
    if probe is None:
        return False, None
    try:
        return True, await call_maybe_async(probe)
    except Exception:  # cannot tell is no evidence either way
        return False, None
