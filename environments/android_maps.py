"""Tables for the Android adapter: canonical key names to KEYCODE_*, and common app names to packages."""

from __future__ import annotations

import string

KEYCODES: dict[str, str] = {
    "enter": "ENTER", "tab": "TAB", "space": "SPACE", "backspace": "DEL", "delete": "FORWARD_DEL",
    "escape": "ESCAPE", "insert": "INSERT", "up": "DPAD_UP", "down": "DPAD_DOWN", "left": "DPAD_LEFT",
    "right": "DPAD_RIGHT", "home": "MOVE_HOME", "end": "MOVE_END", "pageup": "PAGE_UP",
    "pagedown": "PAGE_DOWN", "ctrl": "CTRL_LEFT", "alt": "ALT_LEFT", "shift": "SHIFT_LEFT",
    "meta": "META_LEFT",
    "capslock": "CAPS_LOCK",
    "numlock": "NUM_LOCK", "scrolllock": "SCROLL_LOCK", "printscreen": "SYSRQ", "pause": "BREAK",
    "contextmenu": "MENU", "menu": "MENU", "volumeup": "VOLUME_UP", "volumedown": "VOLUME_DOWN",
    "volumemute": "VOLUME_MUTE", "power": "POWER", "camera": "CAMERA", "search": "SEARCH", "back": "BACK",
    "homescreen": "HOME", "appswitch": "APP_SWITCH", "clear": "CLEAR",
    ",": "COMMA", ".": "PERIOD", "/": "SLASH", ";": "SEMICOLON", "'": "APOSTROPHE", "[": "LEFT_BRACKET",
    "]": "RIGHT_BRACKET", "\\": "BACKSLASH", "`": "GRAVE", "-": "MINUS", "=": "EQUALS", "+": "PLUS",
    "@": "AT", "*": "STAR", "#": "POUND",
}  # fmt: skip
KEYCODES |= {f"f{i}": f"F{i}" for i in range(1, 13)}
KEYCODES |= {c: c.upper() for c in string.ascii_lowercase + string.digits}

# Common apps by the name a model would use; several candidates where AOSP and Google builds differ.
KNOWN_APPS: dict[str, tuple[str, ...]] = {
    "settings": ("com.android.settings",),
    "chrome": ("com.android.chrome",),
    "browser": ("com.android.chrome", "org.chromium.webview_shell", "com.android.browser"),
    "youtube": ("com.google.android.youtube",),
    "gmail": ("com.google.android.gm",),
    "maps": ("com.google.android.apps.maps",),
    "play store": ("com.android.vending",),
    "photos": ("com.google.android.apps.photos", "com.android.gallery3d"),
    "gallery": ("com.android.gallery3d", "com.google.android.apps.photos"),
    "camera": ("com.android.camera2", "com.google.android.GoogleCamera", "com.android.camera"),
    "calendar": ("com.google.android.calendar", "com.android.calendar"),
    "clock": ("com.google.android.deskclock", "com.android.deskclock"),
    "calculator": ("com.google.android.calculator", "com.android.calculator2"),
    "contacts": ("com.google.android.contacts", "com.android.contacts"),
    "phone": ("com.google.android.dialer", "com.android.dialer"),
    "messages": ("com.google.android.apps.messaging", "com.android.messaging"),
    "files": ("com.google.android.apps.nbu.files", "com.android.documentsui"),
}
KNOWN_APPS |= {
    "dialer": KNOWN_APPS["phone"],
    "google maps": KNOWN_APPS["maps"],
    "sms": KNOWN_APPS["messages"],
}
