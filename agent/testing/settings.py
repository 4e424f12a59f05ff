"""The settings of UI tests (pytest plugin and `agent test`): the model, the locate cache and its mode.

The same precedence as `agent run`: command-line options > `ANYRES_<SETTING>` variables > the flow
file or ini value > defaults. So `ANYRES_MODEL`, `ANYRES_ENDPOINT`, `ANYRES_FAMILY`, `ANYRES_CACHE`
and `ANYRES_CACHE_MODE=readonly` (a CI job that must not change committed files) work in both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from anyres_agent.agent.config import ConfigError, env_overrides
from anyres_agent.agent.testing.locate_cache import CacheMode
from anyres_agent.tools.schema import describe_validation_error


class UITestSettings(BaseModel):
    """What every UI test of a run shares."""

    model_config = ConfigDict(extra="forbid")
    model: str | None = Field(None, description="a preset name, a hub id or a local folder")
    endpoint: str | None = Field(None, description="an OpenAI-compatible server, e.g. http://host:8000/v1")
    family: str | None = Field(None, description="the model family, when the model name cannot tell")
    cache: Path | None = Field(None, description="the locate cache file")
    cache_mode: CacheMode = Field("use", description="use, readonly (never write: CI) or refresh")


def load_ui_settings(
    overrides: Mapping[str, Any],
    *,
    defaults: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> UITestSettings:
    """defaults (a flow file, the ini) < ANYRES_* variables < overrides (command-line options; None
    means not given). A bad value is a ConfigError naming the setting."""
    values = {k: v for k, v in (defaults or {}).items() if v not in (None, "")}
    values.update(env_overrides(os.environ if environ is None else environ, UITestSettings.model_fields))
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return UITestSettings(**values)
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error, "UI test settings")) from None


def cache_mode_option(mode: str | None, update_cache: bool) -> str | None:
    """The mode the command line asks for: `--update-cache` is `refresh`; both at once must agree."""
    if update_cache and mode not in (None, "refresh"):
        raise ConfigError(
            f"--update-cache means cache mode refresh; it cannot be combined with mode {mode!r}"
        )
    return "refresh" if update_cache else mode
