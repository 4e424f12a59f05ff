"""Secrets stay scoped: only the task's own secrets are filled in, only on hosts the user allowed, `--yes`
never approves one elsewhere, and every form a value takes in a URL is masked.

Each scenario is a model talked (by a page, say) into the wrong thing, on real headless Chromium; the
person approving is careless and approves everything, so only the scope stands in the way.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from agent_fakes import Run, family, prompt_text
from security_site import SecuritySite, centre, steps_backend

from anyres_agent.agent.api import Agent, RunResult
from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.guards import ConfirmationRequest, Decision
from anyres_agent.agent.secrets import SecretError, SecretStore, form_urlencoded
from anyres_agent.environments.browser import BrowserEnvironment
from anyres_agent.tools import Click, Key, Navigate, Type

FAM = family("qwen25vl")


def approve_all(request: ConfirmationRequest) -> Decision:
    return Decision.approve("a careless operator")


def click(selector: str, frame: str | None = None) -> Any:
    async def step(env: BrowserEnvironment) -> tuple[list[Any], str]:
        x, y = await centre(env, selector, frame)
        return [Click(x=x, y=y)], "Click the field."

    return step


def act(*actions: Any) -> Any:
    async def step(env: BrowserEnvironment) -> tuple[list[Any], str]:
        return list(actions), "Go on."

    return step


async def _run(
    chromium: Any,
    url: str,
    task: str,
    steps: list[Any],
    secrets: SecretStore,
    config: AgentConfig,
    **env: Any,
) -> tuple[RunResult, Any, BrowserEnvironment]:
    environment = await BrowserEnvironment.from_browser(chromium, url, settle_s=0.05, **env)
    backend = steps_backend(environment, FAM, steps)
    result = await Agent(environment, backend, FAM, config, confirm=approve_all, secrets=secrets).run(task)
    return result, backend, environment


def _value(arun: Run, env: BrowserEnvironment, selector: str, frame: str | None = None) -> str:
    scope = env.page.frame_locator(frame) if frame else env.page
    return str(arun(scope.locator(selector).input_value()))


def test_a_stored_secret_the_task_does_not_name_is_refused_and_never_typed(
    arun: Run, chromium: Any, site: SecuritySite
) -> None:
    secrets = SecretStore({"SITE_PW": "site-pass-111", "BANK_PIN": "bank-pin-999"})
    steps = [click("#note"), act(Type(text="{{secret:BANK_PIN}}")), act(Type(text="{{secret:SITE_PW}}"))]
    result, backend, env = arun(
        _run(chromium, site.url("/login"), "Log in with {{secret:SITE_PW}}", steps, secrets, AgentConfig())
    )
    try:
        assert _value(arun, env, "#note") == "site-pass-111"  # the task's own secret, and only that one
        refusal = "{{secret:BANK_PIN}} is not a secret of this task (the task names: {{secret:SITE_PW}})"
        assert refusal in prompt_text(backend.calls[2])  # told to the model
        assert "bank-pin-999" not in prompt_text(backend.calls[-1])
    finally:
        arun(env.close())
    assert result.status == "success", result.reason


def test_a_secret_is_typed_only_on_the_hosts_it_is_scoped_to(
    arun: Run, chromium: Any, site: SecuritySite
) -> None:
    """The PIN frame belongs to another host (localhost): a secret scoped to 127.0.0.1 is not typed there,
    even though the page around it is on 127.0.0.1 and the person approves."""
    secrets = SecretStore({"PW": "scoped-pass-42"}, domains={"PW": ["127.0.0.1"]})
    steps = [
        click("#pin", frame="#widget"),
        act(Type(text="{{secret:PW}}")),
        click("#pw"),
        act(Type(text="{{secret:PW}}")),
    ]
    result, backend, env = arun(
        _run(chromium, site.url("/login"), "Log in with {{secret:PW}}", steps, secrets, AgentConfig())
    )
    try:
        assert _value(arun, env, "#pin", frame="#widget") == ""
        assert _value(arun, env, "#pw") == "scoped-pass-42"
        told = prompt_text(backend.calls[2])
        assert "{{secret:PW}} may only be typed on 127.0.0.1; the focused field is on localhost" in told
    finally:
        arun(env.close())
    assert result.status == "success", result.reason


def test_a_page_outside_any_host_gets_no_secret_under_an_allow_list(
    arun: Run, chromium: Any, site: SecuritySite
) -> None:
    """data: and about: pages pass the allow-list (they load nothing), but they are no host the user
    allowed: an injected 'log in here' page written as a data: URL gets nothing."""
    fake = "data:text/html,<input id=pw type=password autofocus style='width:200px;height:30px'>"
    steps = [act(Navigate(url=fake)), click("#pw"), act(Type(text="{{secret:PW}}"))]
    secrets = SecretStore({"PW": "allow-list-pw"})
    result, backend, env = arun(
        _run(chromium, site.url("/login"), "Log in with {{secret:PW}}", steps, secrets, AgentConfig(),
             allowed_domains=["127.0.0.1"])
    )  # fmt: skip
    try:
        assert env.page.url.startswith("data:") and _value(arun, env, "#pw") == ""
        assert "the focused field's host is unknown, so it was not typed" in prompt_text(backend.calls[3])
    finally:
        arun(env.close())
    assert result.status == "success", result.reason


@pytest.mark.parametrize("allowed", [None, ["127.0.0.1"]])
def test_yes_never_approves_a_secret_on_a_host_the_user_did_not_name(
    arun: Run, chromium: Any, site: SecuritySite, allowed: list[str] | None
) -> None:
    steps = [click("#pw"), act(Type(text="{{secret:PW}}"))]
    secrets = SecretStore({"PW": "yes-pw-77"})
    result, backend, env = arun(
        _run(chromium, site.url("/login"), "Log in with {{secret:PW}}", steps, secrets,
             AgentConfig(confirm="approve"), allowed_domains=allowed)
    )  # fmt: skip
    try:
        typed = _value(arun, env, "#pw")
    finally:
        arun(env.close())
    if allowed is None:  # nobody named a host: --yes declines, and says how to allow it
        assert typed == ""
        assert "--yes does not approve typing a secret on a host you did not allow" in prompt_text(
            backend.calls[2]
        )
    else:  # the allow-list names the host: --yes may approve
        assert typed == "yes-pw-77"
    assert result.status == "success", result.reason


def test_masking_covers_the_value_as_a_submitted_form_writes_it(
    arun: Run, chromium: Any, site: SecuritySite, tmp_path: Path
) -> None:
    value = "pa ss~wörd!*(x)'"
    secrets = SecretStore({"PW": value}, domains={"PW": ["127.0.0.1"]})
    steps = [click("#pw"), act(Type(text="{{secret:PW}}")), act(Key(keys=["enter"])), act(Key(keys=["tab"]))]
    config = AgentConfig(record_dir=tmp_path / "run")
    result, backend, env = arun(
        _run(chromium, site.url("/form"), "Sign in with {{secret:PW}}", steps, secrets, config)
    )
    try:
        url = env.page.url
    finally:
        arun(env.close())
    assert result.status == "success", result.reason
    # the browser's own encoding of the value: '~' as %7E, space as '+', '*' and parentheses as they are
    assert url.endswith("?pw=" + form_urlencoded(value)) and "%7E" in url and "pa+ss" in url
    assert form_urlencoded(value) != urllib.parse.quote_plus(value)  # what was masked before
    carried = [value, form_urlencoded(value), urllib.parse.quote(value, safe="-_.!~*'()")]
    for call in backend.calls:
        assert not any(form in prompt_text(call) for form in carried)
    for path in (tmp_path / "run").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(form.encode() in data for form in carried), path
    assert "?pw={{secret:PW}}" in (tmp_path / "run" / "steps" / "0004.json").read_text()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pw=a+b%7Ec*d%27e", "pw={{secret:PW}}"),  # a browser's form encoding
        ("pw=a%20b~c*d'e", "pw={{secret:PW}}"),  # percent-encoding
        ("a b~c*d'e", "{{secret:PW}}"),  # the value itself
    ],
)
def test_masked_forms_of_a_value(text: str, expected: str) -> None:
    store = SecretStore({"PW": "a b~c*d'e"})
    assert store.mask(text) == expected


def test_secrets_files_scope_a_secret_to_hosts(tmp_path: Path) -> None:
    dotenv = tmp_path / "secrets.env"
    dotenv.write_text("SHOP_PW@shop.example.com, *.example.org=correct horse\nEMAIL=ada@example.com\n")
    store = SecretStore.load(file=dotenv, environ={})
    assert store.domains_for("SHOP_PW") == ("shop.example.com", "example.org")
    assert store.domains_for("EMAIL") is None and store.substitute("{{secret:SHOP_PW}}") == "correct horse"
    path = tmp_path / "secrets.json"
    path.write_text('{"PIN": {"value": "4711", "domains": ["bank.example"]}, "NOTE": "plain"}')
    store = SecretStore.load(file=path, environ={})
    assert store.domains_for("pin") == ("bank.example",) and store.substitute("{{secret:NOTE}}") == "plain"
    path.write_text('{"PIN": {"domains": ["bank.example"]}}')
    with pytest.raises(SecretError, match=r'\'PIN\' must be a string or \{"value"'):
        SecretStore.load(file=path, environ={})
    dotenv.write_text("PW@=x\n")
    with pytest.raises(SecretError, match=r"secrets\.env:1: the domain list after '@' is empty"):
        SecretStore.load(file=dotenv, environ={})
