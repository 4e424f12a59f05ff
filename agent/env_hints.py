"""What the loop and the UI tests may ask an environment beyond the protocol: optional hints.

An adapter that offers `tool_schemas()` (a gym env's named options), `focused_input_type()` and
`focused_text()` (a browser's focused field) or `element_at()` (what is at a point) helps the loop
prompt and guard better and the UI tests check their locates and typing; one that does not still works.
"""

from __future__ import annotations

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


async def focused_input_type(env: object) -> str | None:
    """The focused field's type (e.g. "password"), for environments that can tell; else None."""
    probe = getattr(env, "focused_input_type", None)
    if probe is None:
        return None
    try:
        return await call_maybe_async(probe)
    except Exception:  # a probe is a hint; it must never stop a run
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
