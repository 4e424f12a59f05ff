"""Secret values the model may *use* but never *see*, and only where the user said.

A task names `{{secret:NAME}}`; the model types the placeholder; the executor swaps in the value at
the last moment. Everything that leaves the process (prompts, logs, trajectory, report) goes through
`mask`, which turns any value back into its placeholder, so a value echoed by a page or a URL is
hidden too.

Scope: only the secrets the task names may be filled in (a page cannot talk the model into typing
another stored one), and a secret is typed only where its host is allowed: the secret's own domains
(`NAME@example.com=value` in a secrets file, or {"value", "domains"} in JSON) or else the browser's
allow-list. Which host that is, is read from the focused field's own document (a frame's URL).
"""

from __future__ import annotations

import html
import json
import os
import re
import urllib.parse
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anyres_agent.agent.config import SECRET_ENV_PREFIX
from anyres_agent.environments.base import (
    ActionRejectedError,
    Environment,
    EnvironmentError_,
    ExecutionResult,
)
from anyres_agent.environments.browser_allowlist import DomainAllowList
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


def _domain_list(text: str, where: str) -> list[str]:
    domains = [d.strip() for d in text.split(",") if d.strip()]
    if not domains:
        raise SecretError(f"{where}: the domain list after '@' is empty")
    return domains


def _read_json(path: Path, text: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SecretError(f"{path} looks like JSON but does not parse: {error.msg}") from None
    if not isinstance(data, dict):
        raise SecretError(f"{path} must be a JSON object of string values")
    values: dict[str, str] = {}
    domains: dict[str, list[str]] = {}
    for name, entry in data.items():
        if isinstance(entry, str):
            values[str(name)] = entry
        elif (
            isinstance(entry, dict)
            and isinstance(entry.get("value"), str)
            and isinstance(entry.get("domains", []), list)
            and all(isinstance(d, str) for d in entry.get("domains", []))
        ):
            values[str(name)] = entry["value"]
            if entry.get("domains"):
                domains[str(name)] = list(entry["domains"])
        else:
            raise SecretError(
                f'{path}: {name!r} must be a string or {{"value": "...", "domains": ["example.com"]}}'
            )
    return values, domains


def _read_file(path: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Values and per-secret domains from a .env-style file (`NAME@a.com,b.org=value` scopes one) or JSON."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SecretError(f"cannot read secrets file {path}: {error.strerror or error}") from None
    if text.lstrip().startswith("{"):
        return _read_json(path, text)
    values: dict[str, str] = {}
    domains: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        if "=" not in line:
            raise SecretError(f"{path}:{number}: expected NAME=value (or NAME@example.com=value)")
        name, value = (part.strip() for part in line.split("=", 1))
        if "@" in name:
            name, scope = (part.strip() for part in name.split("@", 1))
            domains[name] = _domain_list(scope, f"{path}:{number}")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    return values, domains


FORM_SAFE = frozenset(b"*-._0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def form_urlencoded(value: str) -> str:
    """The value as a browser submits it in a form body or a GET form's query: the WHATWG
    application/x-www-form-urlencoded serializer (https://url.spec.whatwg.org/#concept-urlencoded-byte-serializer),
    which leaves only *-._ and alphanumerics alone, writes a space as '+' and everything else as %XX
    (so '~' becomes %7E, where Python's quote_plus keeps it)."""
    return "".join(
        "+" if byte == 0x20 else chr(byte) if byte in FORM_SAFE else f"%{byte:02X}"
        for byte in value.encode("utf-8")
    )


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
        form_urlencoded(value),  # a submitted form: '~' as %7E, space as '+'
        urllib.parse.quote(value, safe="-_.!~*'()"),  # JavaScript's encodeURIComponent
    }
    return {form for form in forms if len(form) >= MIN_MASKED_LENGTH}


class SecretStore:
    """Named secret values; the only object that holds them. `repr` never shows a value.

    `domains` scopes a secret to hosts (and their subdomains): it is typed nowhere else, whatever the
    allow-list and whoever approves."""

    def __init__(
        self, values: Mapping[str, str] | None = None, domains: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        self._values = {k: v for k, v in (values or {}).items() if v}
        self._domains = {k: DomainAllowList(v) for k, v in (domains or {}).items() if v}
        # every form a value takes on its way into text (URLs, reprs, JSON, HTML), longest first, so a
        # value containing another is masked whole
        forms = {(form, name) for name, value in self._values.items() for form in _written_forms(value)}
        self._by_length = sorted(((name, form) for form, name in forms), key=lambda kv: -len(kv[1]))

    @classmethod
    def load(cls, *, file: str | Path | None = None, environ: Mapping[str, str] | None = None) -> SecretStore:
        """Values from a file (.env-style or JSON), then `ANYRES_SECRET_<NAME>` variables (which win)."""
        values: dict[str, str] = {}
        domains: dict[str, list[str]] = {}
        if file is not None:
            values, domains = _read_file(Path(file))
        environ = os.environ if environ is None else environ
        for key, value in environ.items():
            if key.startswith(SECRET_ENV_PREFIX) and len(key) > len(SECRET_ENV_PREFIX):
                values[key[len(SECRET_ENV_PREFIX) :]] = value
        try:
            return cls(values, domains)
        except ValueError as error:
            raise SecretError(f"{file}: {error}") from None

    def __repr__(self) -> str:
        return f"SecretStore(names={sorted(self._values)})"

    def __bool__(self) -> bool:
        return bool(self._values)

    def _key(self, name: str) -> str | None:
        """The stored name a placeholder refers to (names match case-insensitively)."""
        if name in self._values:
            return name
        return next((k for k in self._values if k.lower() == name.lower()), None)

    def _lookup(self, name: str) -> str | None:
        key = self._key(name)
        return None if key is None else self._values[key]

    def _allow_list(self, name: str) -> DomainAllowList | None:
        """The hosts secret `name` is scoped to, or None when it has no list of its own."""
        key = self._key(name)
        return self._domains.get(key) if key is not None else None

    def domains_for(self, name: str) -> tuple[str, ...] | None:
        """The hosts secret `name` is scoped to, or None when it has no list of its own."""
        scope = self._allow_list(name)
        return scope.domains if scope is not None else None

    def refusal(self, text: str, scope: SecretScope) -> str | None:
        """Why the secrets in `text` may not be typed here, or None when they may."""
        names = placeholders_in(text)
        if scope.task_names is not None:
            allowed = {n.lower() for n in scope.task_names}
            foreign = [n for n in names if n.lower() not in allowed]
            if foreign:
                shown = ", ".join(placeholder(n) for n in scope.task_names) or "none"
                return (
                    f"{', '.join(placeholder(n) for n in foreign)} is not a secret of this task "
                    f"(the task names: {shown}); it was not typed"
                )
        for name in names:
            allow = self._allow_list(name) or scope.allow_list
            if allow is None or not allow.active:
                continue
            host = _host(scope.location)
            if host is None or not allow.host_allowed(host):
                where = f"the focused field is on {host}" if host else "the focused field's host is unknown"
                return (
                    f"{placeholder(name)} may only be typed on {', '.join(allow.domains or ())}; "
                    f"{where}, so it was not typed"
                )
        return None

    def explicitly_allowed(self, text: str, scope: SecretScope) -> bool:
        """Whether every secret in `text` goes to a host the user named (its own domains or the
        allow-list): what `--yes` needs before it may approve typing a secret."""
        for name in placeholders_in(text):
            allow = self._allow_list(name) or scope.allow_list
            if allow is None or not allow.domains:
                return False
        return self.refusal(text, scope) is None

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


def _host(url: str | None) -> str | None:
    if not url:
        return None
    return urllib.parse.urlsplit(url).hostname or None


@dataclass(frozen=True)
class SecretScope:
    """Where the secrets of one action may go: the names the task gave (None: any), the browser's
    allow-list (None or inactive: no list), and the URL of the document holding the focused field."""

    task_names: Collection[str] | None = None
    allow_list: DomainAllowList | None = None
    location: str | None = None


async def execute_with_secrets(
    env: Environment, action: Action, secrets: SecretStore, scope: SecretScope | None = None
) -> ExecutionResult:
    """Run an action with its `{{secret:NAME}}` placeholders filled in at the last moment.

    With a `scope` (the agent loop gives one) a secret the task did not name, or one whose host is
    not allowed, is refused (ActionRejectedError, told to the model) and nothing is typed. What comes
    back carries placeholders again: adapters quote what they were asked to type in their notes and
    errors, and those reach prompts, trajectories and test output. The one place where a value meets
    a device, for the agent loop and the UI-test API alike.
    """
    if isinstance(action, Type) and secrets.mentions_secret(action.text):
        refused = secrets.refusal(action.text, scope) if scope is not None else None
        if refused is not None:
            raise ActionRejectedError(refused)
        action = action.model_copy(update={"text": secrets.substitute(action.text)})
    try:
        result = await env.execute(action)
    except EnvironmentError_ as error:
        masked = secrets.mask(str(error))
        if masked == str(error):
            raise
        raise type(error)(masked, restart_required=error.restart_required) from None
    return result.model_copy(update={"note": secrets.mask(result.note)}) if result.note else result
