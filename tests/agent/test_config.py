"""Settings merge in a documented order: CLI > environment > file > defaults, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from anyres_agent.agent.config import AgentConfig, ConfigError, load_settings


def test_defaults_are_small_and_safe() -> None:
    config = AgentConfig()
    assert config.history_images == 2
    assert config.max_parse_retries == 2
    assert config.confirm == "ask"
    assert "pay" in config.risk_keywords


def test_cli_beats_environment_beats_file(tmp_path: Path) -> None:
    file = tmp_path / "agent.toml"
    file.write_text('max_steps = 5\nmax_seconds = 60\nhistory_images = 1\n[run]\nurl = "demo"\n')
    environ = {"ANYRES_MAX_SECONDS": "30", "ANYRES_HISTORY_IMAGES": "3", "ANYRES_SECRET_PIN": "1234"}
    settings = load_settings(file, environ=environ, overrides={"history_images": 4, "max_steps": None})
    assert settings.agent.max_steps == 5  # file (the CLI flag was not given)
    assert settings.agent.max_seconds == 30  # environment over file
    assert settings.agent.history_images == 4  # command line over environment
    assert settings.run.url == "demo"


def test_yaml_sections_and_list_variables(tmp_path: Path) -> None:
    file = tmp_path / "agent.yaml"
    file.write_text("agent:\n  confirm: approve\nrun:\n  env: browser\n  allow_domains: [example.com]\n")
    settings = load_settings(file, environ={"ANYRES_RISK_KEYWORDS": "pay, wire"})
    assert settings.agent.confirm == "approve"
    assert settings.agent.risk_keywords == ["pay", "wire"]
    assert settings.run.allow_domains == ["example.com"]


def test_bad_settings_name_their_source(tmp_path: Path) -> None:
    file = tmp_path / "agent.toml"
    file.write_text("max_stepz = 3\n")
    with pytest.raises(ConfigError, match="unknown setting 'max_stepz'"):
        load_settings(file, environ={})
    with pytest.raises(ConfigError, match="max_steps"):
        load_settings(environ={"ANYRES_MAX_STEPS": "many"})
    with pytest.raises(ConfigError, match="loop_stop_after must be >= loop_nudge_after"):
        load_settings(environ={}, overrides={"loop_nudge_after": 5, "loop_stop_after": 2})


def test_a_rule_across_settings_is_named_without_a_stray_location() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(environ={}, overrides={"loop_nudge_after": 5, "loop_stop_after": 2})
    assert str(raised.value) == (
        "invalid settings: loop_stop_after must be >= loop_nudge_after (nudge first, then stop)"
    )


def test_server_profile_extra_actions_and_request_fields(tmp_path: Path) -> None:
    file = tmp_path / "run.toml"
    file.write_text(
        '[run]\nserver = "openrouter"\nrequest_fields = { provider = { order = ["alibaba"] } }\n'
        '[agent]\nextra_actions = ["navigate"]\n'
    )
    settings = load_settings(file, environ={"ANYRES_EXTRA_ACTIONS": "navigate,back"})
    assert settings.run.server == "openrouter"
    assert settings.run.request_fields == {"provider": {"order": ["alibaba"]}}
    assert settings.agent.extra_actions == ["navigate", "back"]
    settings = load_settings(environ={"ANYRES_REQUEST_FIELDS": '{"top_k": 1}'})
    assert settings.run.request_fields == {"top_k": 1} and settings.run.server == "auto"


def test_bad_extra_actions_and_request_fields_say_what_is_wrong() -> None:
    with pytest.raises(ConfigError, match=r"unknown action.*teleport"):
        load_settings(environ={"ANYRES_EXTRA_ACTIONS": "navigate,teleport"})
    with pytest.raises(ConfigError, match="ANYRES_REQUEST_FIELDS must be a JSON object"):
        load_settings(environ={"ANYRES_REQUEST_FIELDS": "top_k=1"})
    with pytest.raises(ConfigError, match="got list"):
        load_settings(environ={"ANYRES_REQUEST_FIELDS": "[1]"})
