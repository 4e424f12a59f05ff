"""Canonical key names (tools.keys) to Playwright's; keys a browser page cannot receive are refused."""

from __future__ import annotations

from anyres_agent.environments.base import ActionRejectedError

KEY_NAMES: dict[str, str] = {
    "enter": "Enter", "tab": "Tab", "space": "Space", "backspace": "Backspace", "delete": "Delete",
    "escape": "Escape", "insert": "Insert", "up": "ArrowUp", "down": "ArrowDown", "left": "ArrowLeft",
    "right": "ArrowRight", "home": "Home", "end": "End", "pageup": "PageUp", "pagedown": "PageDown",
    "ctrl": "Control", "alt": "Alt", "shift": "Shift", "meta": "Meta", "capslock": "CapsLock",
    "numlock": "NumLock", "scrolllock": "ScrollLock", "printscreen": "PrintScreen", "pause": "Pause",
    "contextmenu": "ContextMenu", "menu": "ContextMenu",
    "volumeup": "AudioVolumeUp", "volumedown": "AudioVolumeDown", "volumemute": "AudioVolumeMute",
} | {f"f{i}": f"F{i}" for i in range(1, 13)}  # fmt: skip


def playwright_key(key: str) -> str:
    """Map a canonical key name (tools.keys) to Playwright's; phone-only keys are refused."""
    if len(key) == 1:
        return key
    if key in KEY_NAMES:
        return KEY_NAMES[key]
    raise ActionRejectedError(
        f"the browser has no {key!r} key; keys it can press: {', '.join(sorted(KEY_NAMES))}"
    )
