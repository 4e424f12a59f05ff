"""What a desktop action lands on, as far as X11 says: the window under a point, the focused window.

X11 knows windows, not buttons: the description is the name of the top-most named window under the
point (its title, `_NET_WM_NAME` or `WM_NAME`) and its class (`WM_CLASS`). The label of the button
inside it is the toolkit's business, reachable only through an accessibility bus (AT-SPI) that most
X sessions do not run; this adapter does not read it. Text fields cannot be told apart either, so
`field` stays None: password detection on the desktop relies on the typed text and the model's words.
Reference: https://www.x.org/releases/current/doc/xproto/x11protocol.html (TranslateCoordinates,
GetInputFocus) and https://specifications.freedesktop.org/wm-spec/latest/ (_NET_WM_NAME).
"""

from __future__ import annotations

from typing import Any

from anyres_agent.environments.base import Target

MAX_DEPTH = 16


class WindowReader:
    """A private X connection for reading window names (never used for input). Not thread-safe: the
    desktop adapter calls it from its single worker thread only."""

    def __init__(self, display: str | None) -> None:
        from Xlib.display import Display

        self.conn = Display(display)
        self.root = self.conn.screen().root
        self._net_wm_name = self.conn.intern_atom("_NET_WM_NAME")
        self._utf8 = self.conn.intern_atom("UTF8_STRING")

    def close(self) -> None:
        self.conn.close()

    def _name(self, window: Any) -> str:
        reply = window.get_full_property(self._net_wm_name, self._utf8)
        if reply is not None and reply.value:
            value = reply.value
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        name = window.get_wm_name()
        return name.decode("latin-1") if isinstance(name, bytes) else (name or "")

    def _target(self, window: Any, name: str) -> Target:
        klass = window.get_wm_class()
        app = klass[1] if klass else None
        return Target(description=f'window "{name}"', location=app)

    def at(self, x: int, y: int) -> Target | None:
        """The top-most named window under the root point (x, y)."""
        window = self.root
        for _ in range(MAX_DEPTH):
            child = window.translate_coords(self.root, x, y).child
            if not child:
                return None
            name = self._name(child)
            if name:
                return self._target(child, name)
            window = child
        return None

    def focused(self) -> Target | None:
        """The window with the input focus, or its nearest named ancestor."""
        window = self.conn.get_input_focus().focus
        for _ in range(MAX_DEPTH):
            if not hasattr(window, "get_wm_name") or window == self.root:
                return None
            name = self._name(window)
            if name:
                return self._target(window, name)
            window = window.query_tree().parent
        return None
