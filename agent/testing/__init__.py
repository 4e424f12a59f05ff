"""Scripted UI tests: the model as a locator and a judge inside ordinary tests, with a locate cache.

    from anyres_agent.agent.testing import UI
    with UI.browser(url, model="ui-tars-1.5-7b", endpoint=..., cache="tests/locate-cache.yaml") as ui:
        ui.tap("the Login button")
        ui.assert_that("the welcome banner says Hello Ada")

See `agent.pytest_plugin` for fixtures and `agent test` (agent.cli.test) for YAML flows.
"""

from anyres_agent.agent.testing.judge import JudgeAnswerError, Verdict
from anyres_agent.agent.testing.locate import LocateError, ModelSetup, Target
from anyres_agent.agent.testing.locate_cache import CacheEntry, CacheFileError, LocateCache
from anyres_agent.agent.testing.session import AsyncUI, UIAssertionError
from anyres_agent.agent.testing.ui import UI, BrowserHost, LoopThread

__all__ = [
    "UI",
    "AsyncUI",
    "BrowserHost",
    "CacheEntry",
    "CacheFileError",
    "JudgeAnswerError",
    "LocateCache",
    "LocateError",
    "LoopThread",
    "ModelSetup",
    "Target",
    "UIAssertionError",
    "Verdict",
]
