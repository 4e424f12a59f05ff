"""Canonical key names, so every adapter and every model family agrees on what a key is called.

Models write keys many ways ("Return", "ctrl", "Control", "cmd", "arrowleft", "ctrl c", "ctrl+c").
`normalize_key` maps them to one canonical lower-case name; an unknown key is an error rather than
something an adapter silently ignores.
"""

from __future__ import annotations

import string

NAMED_KEYS: frozenset[str] = frozenset(
    {
        "enter",
        "tab",
        "space",
        "backspace",
        "delete",
        "escape",
        "insert",
        "up",
        "down",
        "left",
        "right",
        "home",
        "end",
        "pageup",
        "pagedown",
        "ctrl",
        "alt",
        "shift",
        "meta",
        "capslock",
        "numlock",
        "scrolllock",
        "printscreen",
        "pause",
        "contextmenu",
        "volumeup",
        "volumedown",
        "volumemute",
        "power",
        "camera",
        "search",
        "menu",
        "back",
        "homescreen",
        "appswitch",
        "clear",
    }
    | {f"f{i}" for i in range(1, 25)}
)

CHARACTER_KEYS: frozenset[str] = frozenset(string.ascii_lowercase + string.digits + string.punctuation)

ALIASES: dict[str, str] = {
    "return": "enter",
    "ret": "enter",
    "newline": "enter",
    "esc": "escape",
    "del": "delete",
    "bksp": "backspace",
    "backspace_key": "backspace",
    "control": "ctrl",
    "ctl": "ctrl",
    "lctrl": "ctrl",
    "rctrl": "ctrl",
    "control_l": "ctrl",
    "control_r": "ctrl",
    "option": "alt",
    "alt_l": "alt",
    "alt_r": "alt",
    "altgr": "alt",
    "shift_l": "shift",
    "shift_r": "shift",
    "cmd": "meta",
    "command": "meta",
    "super": "meta",
    "win": "meta",
    "windows": "meta",
    "super_l": "meta",
    "arrowup": "up",
    "arrowdown": "down",
    "arrowleft": "left",
    "arrowright": "right",
    "arrow_up": "up",
    "arrow_down": "down",
    "arrow_left": "left",
    "arrow_right": "right",
    "page_up": "pageup",
    "page_down": "pagedown",
    "pgup": "pageup",
    "pgdn": "pagedown",
    "prior": "pageup",
    "next": "pagedown",
    "spacebar": "space",
    " ": "space",
    "caps_lock": "capslock",
    "prtsc": "printscreen",
    "print": "printscreen",
    "apps": "contextmenu",
    "volume_up": "volumeup",
    "volume_down": "volumedown",
    "volume_mute": "volumemute",
    "mute": "volumemute",
    "app_switch": "appswitch",
    "recent": "appswitch",
    "plus": "+",
    "minus": "-",
}

KNOWN_KEYS: frozenset[str] = NAMED_KEYS | CHARACTER_KEYS


class UnknownKeyError(ValueError):
    """A key name no adapter can press."""


def normalize_key(name: str) -> str:
    """Return the canonical name of one key, or raise UnknownKeyError saying what is accepted."""
    if not isinstance(name, str) or name == "":
        raise UnknownKeyError("a key name must be a non-empty string")
    if len(name) == 1:
        lowered = name.lower()
        if lowered in CHARACTER_KEYS:
            return lowered
        if name == " ":
            return "space"
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key in KNOWN_KEYS:
        return key
    raise UnknownKeyError(
        f"unknown key {name!r}: use a single character or one of "
        f"{', '.join(sorted(NAMED_KEYS - {f'f{i}' for i in range(1, 25)}))}, f1-f24"
    )


def split_combo(combo: str) -> list[str]:
    """Split 'ctrl+c', 'ctrl c' or 'Control-Shift-T' into canonical key names."""
    text = combo.strip()
    if text in {"+", "-", " "}:
        return [normalize_key(text)]
    for sep in ("+", " ", "-"):
        if sep in text and len(text) > 1:
            parts = [p for p in text.split(sep) if p]
            if len(parts) > 1:
                return [normalize_key(p) for p in parts]
    return [normalize_key(text)]
