"""Loop settings in one validated object, loaded from defaults, a file, the environment and the CLI.

Precedence, highest first: command-line flags > environment variables `ANYRES_<FIELD>` > a TOML or
YAML file (`--config`) > the defaults below. Keeping every knob here (and nothing in module globals)
lets the same settings drive the CLI, the Python API and a LangGraph node.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from anyres_agent.tools import ALL_ACTION_NAMES
from anyres_agent.tools.schema import describe_validation_error

ENV_PREFIX = "ANYRES_"
SECRET_ENV_PREFIX = "ANYRES_SECRET_"

DEFAULT_RISK_KEYWORDS: tuple[str, ...] = (
    "pay",
    "payment",
    "buy",
    "purchase",
    "checkout",
    "place order",
    "delete",
    "remove",
    "send",
    "transfer",
    "wire",
)

ConfirmPolicy = Literal["ask", "approve", "reject"]
EnvName = Literal["browser", "desktop", "android", "gym"]


class ConfigError(ValueError):
    """A bad setting from a file or an environment variable; the message names the source and field."""


class AgentConfig(BaseModel):
    """Everything that shapes a run. Defaults are small and safe: a few images, a few retries, ask."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # budgets
    max_steps: int = Field(30, ge=1, le=10_000, description="steps before the run stops")
    max_seconds: float = Field(900.0, gt=0, description="wall time before the run stops")
    # The append-only history sends more tokens a step, most of them reused by the server's prefix
    # cache: a 1920x1080 desktop step is about 13,000 prompt tokens (about 9,000 before), so 2,000,000
    # ends such a run near 150 steps where 1,000,000 used to end it near 100 (docs/performance.md).
    max_tokens: int = Field(2_000_000, ge=1, description="prompt + completion tokens before the run stops")
    budget_warning_fraction: float = Field(
        0.8, gt=0, le=1, description="warn the model once this share of any budget is spent"
    )
    # model input
    history_images: int = Field(2, ge=0, le=20, description="recent screenshots always kept in the prompt")
    history_text_steps: int = Field(
        30, ge=0, description="older steps always kept as text (answer + feedback)"
    )
    history_chunk: int = Field(
        8,
        ge=1,
        le=20,
        description="screenshots that pile up before the oldest turn into text at once (text steps: 3x "
        "this): prompts then only grow at their end, so a server's prefix cache reuses them",
    )
    history_image_tokens: int = Field(
        16_000,
        ge=0,
        description="most tokens past screenshots may take (the chunk shrinks to fit; 0: no cap)",
    )
    image_fit: Literal["pad", "resize"] = Field(
        "pad",
        description="a screenshot off the model's 28/32-px grid: pad it unscaled to the grid when the pixel "
        "budget allows (no resample, exact coordinates), or always resample it (smart_resize)",
    )
    min_pixels: int | None = Field(None, ge=1, description="override the family's min_pixels")
    max_pixels: int | None = Field(None, ge=1, description="override the family's max_pixels")
    max_parse_retries: int = Field(2, ge=0, le=10, description="parse errors fed back per step")
    extra_actions: list[str] = Field(
        default_factory=list,
        description="project actions to describe beyond the model's official action space (opt-in: "
        "each family's default prompt is its official template, byte for byte), e.g. navigate",
    )
    # loop detection
    loop_nudge_after: int = Field(2, ge=1, description="repeats with no visible change before a nudge")
    loop_stop_after: int = Field(4, ge=1, description="repeats with no visible change before a stop")
    change_threshold: float = Field(
        0.0002,
        ge=0,
        le=1,
        description="share of 160-px-wide thumbnail pixels that must change to count as a visible change "
        "(0.0002 = 3 pixels: a toggled checkbox counts, a blinking caret does not)",
    )
    # safety
    confirm: ConfirmPolicy = Field("ask", description="risky actions: ask, approve (--yes) or reject")
    risk_keywords: list[str] = Field(default_factory=lambda: list(DEFAULT_RISK_KEYWORDS))
    answer_ends_run: bool = Field(True, description="an answer action ends the run as a success")
    secrets_file: Path | None = Field(None, description=".env-style or JSON file of secret values")
    # execution and recording
    settle_seconds: float = Field(0.0, ge=0, le=30, description="pause after acting, before observing")
    record_dir: Path | None = Field(None, description="trajectory folder; None records nothing")
    report: bool = Field(True, description="write report.html into record_dir when the run ends")

    @field_validator("extra_actions")
    @classmethod
    def _known_actions(cls, names: list[str]) -> list[str]:
        unknown = sorted(set(names) - ALL_ACTION_NAMES)
        if unknown:
            raise ValueError(
                f"unknown action(s) {', '.join(unknown)}; known: {', '.join(sorted(ALL_ACTION_NAMES))}"
            )
        return names

    @model_validator(mode="after")
    def _ordered(self) -> AgentConfig:
        if self.loop_stop_after < self.loop_nudge_after:
            raise ValueError("loop_stop_after must be >= loop_nudge_after (nudge first, then stop)")
        if self.min_pixels and self.max_pixels and self.min_pixels > self.max_pixels:
            raise ValueError(f"min_pixels ({self.min_pixels}) must be <= max_pixels ({self.max_pixels})")
        return self


class RunSettings(BaseModel):
    """What `agent run` drives: the device, the model and the page. Same precedence as AgentConfig."""

    model_config = ConfigDict(extra="forbid")

    env: EnvName = "browser"
    url: str | None = None
    model: str | None = Field(None, description="a preset name, a hub id or a local folder")
    endpoint: str | None = Field(None, description="an OpenAI-compatible server, e.g. http://host:8000/v1")
    server: str = Field(
        "auto",
        description="the server's profile: vllm, sglang, ollama, dashscope, openrouter, generic or auto "
        "(guessed); it keeps images at a size that server does not resize",
    )
    request_fields: dict[str, Any] = Field(
        default_factory=dict, description="extra fields sent in every request to the endpoint, as they are"
    )
    family: str | None = Field(None, description="the model family, when the preset cannot tell")
    allow_domains: list[str] = Field(default_factory=list)
    headed: bool = False
    # 1288x728 is 46x26 patches of 28 px: Qwen2-VL-family models see it exactly as captured (no resample,
    # no re-encode) at any pixel budget from 937,664 up; a 32-px family (Qwen3-VL) would pad it slightly
    width: int = Field(1288, ge=100, description="browser: viewport width in CSS pixels")
    height: int = Field(728, ge=100, description="browser: viewport height in CSS pixels")
    # the other devices' options; each env reads only its own, so one file can describe several
    display: str | None = Field(None, description="desktop: the X display, e.g. :99 (default $DISPLAY)")
    monitor: int = Field(1, ge=0, description="desktop: the monitor as mss counts them (1 = first, 0 = all)")
    serial: str | None = Field(None, description="android: the device serial (default: the only one ready)")
    adb_host: str = Field("127.0.0.1", description="android: the adb server's host")
    adb_port: int = Field(5037, ge=1, le=65535, description="android: the adb server's port")
    gym_env: str | None = Field(
        None, description="gym: a Gymnasium id with discrete actions, e.g. FrozenLake-v1"
    )


class Settings(BaseModel):
    """AgentConfig + RunSettings, as one file or one set of environment variables describes them."""

    model_config = ConfigDict(extra="forbid")
    agent: AgentConfig = Field(default_factory=AgentConfig)
    run: RunSettings = Field(default_factory=RunSettings)


def read_config_file(path: str | Path) -> dict[str, Any]:
    """A flat or sectioned ([agent] / [run]) mapping from a .toml, .yaml/.yml or .json file."""
    import yaml  # only when a file is read: it is a fifth of the loop's import time otherwise

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror or error}") from None
    try:
        if path.suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text) or {}
    except (tomllib.TOMLDecodeError, yaml.YAMLError, json.JSONDecodeError) as error:
        raise ConfigError(f"{path} is not valid {path.suffix.lstrip('.') or 'YAML'}: {error}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping of settings, got {type(data).__name__}")
    return data


def _split(flat: Mapping[str, Any], source: str) -> dict[str, dict[str, Any]]:
    """Route keys to the agent or run section; sections may also be given explicitly."""
    out: dict[str, dict[str, Any]] = {"agent": {}, "run": {}}
    for key, value in flat.items():
        if key in ("agent", "run") and isinstance(value, Mapping):
            for inner, v in value.items():
                out[key][inner.replace("-", "_")] = v
            continue
        name = key.replace("-", "_")
        if name in AgentConfig.model_fields:
            out["agent"][name] = value
        elif name in RunSettings.model_fields:
            out["run"][name] = value
        else:
            raise ConfigError(f"{source}: unknown setting {key!r}")
    return out


def env_overrides(
    environ: Mapping[str, str] | None = None, fields: Collection[str] | None = None
) -> dict[str, Any]:
    """`ANYRES_MAX_STEPS=10` -> {"max_steps": "10"}; secrets (`ANYRES_SECRET_*`) are never settings.
    `fields`: the setting names to read (default: AgentConfig's and RunSettings')."""
    environ = os.environ if environ is None else environ
    fields = set(AgentConfig.model_fields) | set(RunSettings.model_fields) if fields is None else set(fields)
    found: dict[str, Any] = {}
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX) or key.startswith(SECRET_ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX) :].lower()
        if name not in fields:
            continue
        if name in ("allow_domains", "risk_keywords", "extra_actions"):
            found[name] = [v.strip() for v in value.split(",") if v.strip()]
        elif name == "request_fields":
            found[name] = _json_object(value, key)
        else:
            found[name] = value
    return found


def _json_object(value: str, key: str) -> dict[str, Any]:
    try:
        data = json.loads(value)
    except json.JSONDecodeError as error:
        raise ConfigError(f'{key} must be a JSON object such as {{"top_k": 1}}: {error.msg}') from None
    if not isinstance(data, dict):
        raise ConfigError(f'{key} must be a JSON object such as {{"top_k": 1}}, got {type(data).__name__}')
    return data


def load_settings(
    path: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Merge defaults < file < environment < overrides (CLI flags; None values are ignored)."""
    merged: dict[str, dict[str, Any]] = {"agent": {}, "run": {}}
    layers = []
    if path is not None:
        layers.append((read_config_file(path), str(path)))
    layers.append((env_overrides(environ), "environment"))
    layers.append(({k: v for k, v in (overrides or {}).items() if v is not None}, "command line"))
    for layer, source in layers:
        for section, values in _split(layer, source).items():
            merged[section].update(values)
    try:
        return Settings(agent=AgentConfig(**merged["agent"]), run=RunSettings(**merged["run"]))
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error, "settings")) from None
