"""Secret values the model may *use* but never *see*.

A task names `{{secret:NAME}}`; the model types the placeholder; the executor swaps in the value at
the last moment. Everything that leaves the process (prompts, logs, trajectory, report) goes through
`mask`, which turns any value back into its placeholder, so a value echoed by a page or a URL is
hidden too.
"""

from __future__ import annotations

import html
import json
import os
import re
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from anyres_agent.agent.config import SECRET_ENV_PREFIX
from anyres_agent.environments.base import Environment, EnvironmentError_, ExecutionResult
from anyres_agent.tools import Action, Type
from anyres_agent.tools.schema import parse_action

PLACEHOLDER = re.compile(r"\{\{\s*secret:([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
MIN_MASKED_LENGTH = 3  # shorter values would mask ordinary text ("a", "42") everywhere


class SecretError(ValueError):
    """A placeholder without a value, or an unreadable secrets file."""


def placeholder(name: str) -> str:
    return "{{secret:" + name + "}}"


def placeholders_in(text: str) -> list[str]:
    """Names of the secrets a text refers to, in order of first appearance."""
    seen: dict[str, None] = {}
    for match in PLACEHOLDER.finditer(text):
        seen.setdefault(match.group(1), None)
    return list(seen)


def _read_file(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SecretError(f"cannot read secrets file {path}: {error.strerror or error}") from None
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise SecretError(f"{path} looks like JSON but does not parse: {error.msg}") from None
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise SecretError(f"{path} must be a JSON object of string values")
        return {str(k): v for k, v in data.items()}
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        if "=" not in line:
            raise SecretError(f"{path}:{number}: expected NAME=value")
        name, value = (part.strip() for part in line.split("=", 1))
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    return values


def _written_forms(value: str) -> set[str]:
    """The value as it appears when a URL, a repr, JSON or HTML carries it (errors quote actions)."""
    forms = {
        value,
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote_plus(value, safe=""),
        urllib.parse.quote(value),
        repr(value)[1:-1],
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        html.escape(value),
    }
    return {form for form in forms if len(form) >= MIN_MASKED_LENGTH}


class SecretStore:
    """Named secret values; the only object that holds them. `repr` never shows a value."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self._values = {k: v for k, v in (values or {}).items() if v}
        # every form a value takes on its way into text (URLs, reprs, JSON, HTML), longest first, so a
        # value containing another is masked whole
        forms = {(form, name) for name, value in self._values.items() for form in _written_forms(value)}
        self._by_length = sorted(((name, form) for form, name in forms), key=lambda kv: -len(kv[1]))

    @classmethod
    def load(cls, *, file: str | Path | None = None, environ: Mapping[str, str] | None = None) -> SecretStore:
        """Values from a file (.env-style or JSON), then `ANYRES_SECRET_<NAME>` variables (which win)."""
        values: dict[str, str] = {}
        if file is not None:
            values.update(_read_file(Path(file)))
        environ = os.environ if environ is None else environ
        for key, value in environ.items():
            if key.startswith(SECRET_ENV_PREFIX) and len(key) > len(SECRET_ENV_PREFIX):
                values[key[len(SECRET_ENV_PREFIX) :]] = value
        return cls(values)

    def __repr__(self) -> str:
        return f"SecretStore(names={sorted(self._values)})"

    def __bool__(self) -> bool:
        return bool(self._values)

    def _lookup(self, name: str) -> str | None:
        if name in self._values:
            return self._values[name]
        folded = {k.lower(): v for k, v in self._values.items()}
        return folded.get(name.lower())

    def missing(self, text: str) -> list[str]:
        """Placeholders in `text` with no value, so a run can refuse to start instead of typing '{{...}}'."""
        return [name for name in placeholders_in(text) if self._lookup(name) is None]

    def require(self, text: str) -> None:
        missing = self.missing(text)
        if missing:
            hint = ", ".join(f"{SECRET_ENV_PREFIX}{name.upper()}" for name in missing)
            raise SecretError(
                f"the task uses secret(s) {', '.join(missing)} with no value; set {hint} "
                "or name a secrets file (--secrets FILE)"
            )

    def substitute(self, text: str) -> str:
        """The text with placeholders replaced by values: call only right before the device types it."""

        def fill(match: re.Match[str]) -> str:
            value = self._lookup(match.group(1))
            if value is None:
                raise SecretError(f"no value for secret {match.group(1)!r}")
            return value

        return PLACEHOLDER.sub(fill, text)

    def mask(self, text: str) -> str:
        """The text with every secret value replaced by its placeholder."""
        if not self._values or not text:
            return text
        for name, value in self._by_length:
            if value in text:  # every form is at least MIN_MASKED_LENGTH long
                text = text.replace(value, placeholder(name))
        return text

    def mask_data(self, data: Any) -> Any:
        """`mask` applied to every string inside nested dicts, lists and tuples (JSON-like data)."""
        if not self._values:
            return data
        if isinstance(data, str):
            return self.mask(data)
        if isinstance(data, Mapping):
            return {self.mask(str(k)): self.mask_data(v) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return [self.mask_data(v) for v in data]
        return data

    def mask_action(self, action: Action) -> Action:
        """The action with every secret value in its text replaced by the placeholder."""
        if not self._values:
            return action
        return parse_action(self.mask_data(action.model_dump()))

    def mentions_secret(self, text: str) -> bool:
        return bool(PLACEHOLDER.search(text))


async def execute_with_secrets(env: Environment, action: Action, secrets: SecretStore) -> ExecutionResult:
    """Run an action with its `{{secret:NAME}}` placeholders filled in at the last moment.

    What comes back carries placeholders again: adapters quote what they were asked to type in their
    notes and errors, and those reach prompts, trajectories and test output. The one place where a
    value meets a device, for the agent loop and the UI-test API alike.
    """
    if isinstance(action, Type) and secrets.mentions_secret(action.text):
        action = action.model_copy(update={"text": secrets.substitute(action.text)})
    try:
        result = await env.execute(action)
    except EnvironmentError_ as error:
        masked = secrets.mask(str(error))
        if masked == str(error):
            raise
        raise type(error)(masked, restart_required=error.restart_required) from None
    return result.model_copy(update={"note": secrets.mask(result.note)}) if result.note else result
