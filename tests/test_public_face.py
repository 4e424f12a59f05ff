"""`anyres_agent` is the documented way in: every public name resolves, and importing it stays light."""

from __future__ import annotations

import importlib
import subprocess
import sys

import anyres_agent


def test_every_public_name_resolves_to_the_object_it_names() -> None:
    assert sorted(anyres_agent.__all__) == sorted(anyres_agent._EXPORTS)
    for name, module in anyres_agent._EXPORTS.items():
        assert getattr(anyres_agent, name) is getattr(importlib.import_module(module), name), name


def test_the_main_names_are_the_objects_of_the_modules_that_define_them() -> None:
    """Pinned by hand, not read from `_EXPORTS`: a wrong entry there cannot agree with itself here."""
    from anyres_agent.agent.api import Agent, RunResult
    from anyres_agent.agent.config import AgentConfig
    from anyres_agent.agent.secrets import SecretStore
    from anyres_agent.environments import open_environment
    from anyres_agent.environments.base import Environment, Observation
    from anyres_agent.model.backends import ScriptedBackend, open_backend
    from anyres_agent.model.families import get_family
    from anyres_agent.model.frame import Frame
    from anyres_agent.tools.actions import Action

    pinned = {
        "Agent": Agent,
        "RunResult": RunResult,
        "AgentConfig": AgentConfig,
        "SecretStore": SecretStore,
        "open_environment": open_environment,
        "Environment": Environment,
        "Observation": Observation,
        "ScriptedBackend": ScriptedBackend,
        "open_backend": open_backend,
        "get_family": get_family,
        "Frame": Frame,
        "Action": Action,
    }
    for name, value in pinned.items():
        assert getattr(anyres_agent, name) is value, name
    assert isinstance(anyres_agent.Agent, type) and callable(anyres_agent.open_backend)


def test_an_unknown_name_is_an_attribute_error_that_names_it() -> None:
    try:
        anyres_agent.NoSuchThing  # noqa: B018
    except AttributeError as error:
        assert "NoSuchThing" in str(error)
    else:
        raise AssertionError("no AttributeError")


def test_importing_the_package_loads_no_heavy_library() -> None:
    code = (
        "import sys, anyres_agent\n"
        "from anyres_agent import Agent, AgentConfig, open_backend, open_environment\n"
        "heavy = ('torch', 'transformers', 'playwright', 'langgraph', 'mss', 'pyautogui')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
