"""What the `make_ui` fixture hands a test: a UI on the local site with the scripted model behind it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ui_site import PageOracle

from anyres_agent.agent.testing import UI
from anyres_agent.model.backends import ScriptedBackend


@dataclass
class Opened:
    """A UI with the scripted model behind it, to count and inspect model calls."""

    ui: UI
    oracle: PageOracle
    backend: ScriptedBackend

    def page(self, script: str) -> Any:
        """Evaluate JavaScript in the page under test (to check where clicks and keys really went)."""
        return self.ui.call(lambda env: env.page.evaluate(script))  # type: ignore[attr-defined]


MakeUI = Callable[..., Opened]
