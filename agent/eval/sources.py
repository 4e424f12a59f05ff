"""From what the user typed (`miniwob`, or a YAML file) to a suite, on this machine or a Ray actor.

A source is plain data (the name, or the parsed YAML) so that each Ray actor opens its own copy:
MiniWoB serves the wheel's HTML on the actor's own loopback, a user suite reaches its URLs."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from anyres_agent.agent.eval.miniwob import MiniWoBSuite
from anyres_agent.agent.eval.suite import Suite, SuiteError
from anyres_agent.agent.eval.user_suite import UserSuite, UserSuiteFile, load_user_suite

SuiteSource = Literal["miniwob"] | UserSuiteFile


def suite_source(text: str) -> SuiteSource:
    """'miniwob', or the path of a YAML suite file (read and validated here)."""
    if text == "miniwob":
        return "miniwob"
    if not text.endswith((".yaml", ".yml")) and not Path(text).exists():
        raise SuiteError(f"unknown suite {text!r}: give 'miniwob' or the path of a YAML suite file")
    return load_user_suite(text)


def open_suite(source: SuiteSource) -> Suite:
    return MiniWoBSuite() if source == "miniwob" else UserSuite(source)
