"""Secrets are substituted only for the device and masked everywhere else."""

from __future__ import annotations

import html
import json
import urllib.parse
from pathlib import Path

import pytest

from anyres_agent.agent.secrets import SecretError, SecretStore, placeholders_in
from anyres_agent.tools import Type


def test_values_come_from_a_file_and_the_environment_which_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / "secrets.env"
    dotenv.write_text('# demo\nPASSWORD="from-file-pw"\nexport TOKEN=tok-123\n')
    store = SecretStore.load(file=dotenv, environ={"ANYRES_SECRET_PASSWORD": "from-env-pw"})
    assert store.substitute("{{secret:PASSWORD}}/{{ secret:TOKEN }}") == "from-env-pw/tok-123"
    assert "from-env-pw" not in repr(store)


def test_json_file(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text('{"PIN": "9876"}')
    assert SecretStore.load(file=path, environ={}).substitute("pin {{secret:PIN}}") == "pin 9876"


def test_mask_replaces_values_inside_any_text_and_data() -> None:
    store = SecretStore({"PASSWORD": "hunter22", "LONG": "hunter22-and-more"})
    assert (
        store.mask("typed hunter22-and-more and hunter22") == "typed {{secret:LONG}} and {{secret:PASSWORD}}"
    )
    data = store.mask_data({"url": "http://x/?p=hunter22", "list": ["hunter22", 3]})
    assert data == {"url": "http://x/?p={{secret:PASSWORD}}", "list": ["{{secret:PASSWORD}}", 3]}


def test_missing_values_are_reported_before_a_run_starts() -> None:
    store = SecretStore({"A": "value-a"})
    assert placeholders_in("{{secret:A}} {{secret:B}} {{secret:A}}") == ["A", "B"]
    with pytest.raises(SecretError, match="ANYRES_SECRET_B"):
        store.require("use {{secret:A}} and {{secret:B}}")


def test_bad_dotenv_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.env"
    path.write_text("OK=1\nnot a setting\n")
    with pytest.raises(SecretError, match=r"bad\.env:2"):
        SecretStore.load(file=path, environ={})


def test_mask_catches_the_value_as_urls_reprs_json_and_html_carry_it() -> None:
    store = SecretStore({"PW": 'p@ss w0rd!"\\<x>'})
    value = 'p@ss w0rd!"\\<x>'
    carried = [
        f"GET /login?pw={urllib.parse.quote_plus(value)}",
        f"GET /login/{urllib.parse.quote(value, safe='')}",
        f"device error while running type(text={value!r})",
        json.dumps({"text": value}),
        f"<input value='{html.escape(value)}'>",
    ]
    for text in carried:
        masked = store.mask(text)
        assert "{{secret:PW}}" in masked, text
        assert "w0rd" not in masked, masked


def test_a_person_editing_an_action_with_a_literal_password_leaves_only_the_placeholder() -> None:
    from anyres_agent.agent.confirmation import apply_decision
    from anyres_agent.agent.guards import Decision
    from anyres_agent.agent.state import RunState
    from anyres_agent.agent.trajectory import PlannedAction, StepRecord

    store = SecretStore({"PW": "hunter2-long"})
    state = RunState(run_id="r", task="log in")
    state.step = StepRecord(index=1)
    state.step.actions.append(PlannedAction(action={"type": "type", "text": "oops"}, decision="pending"))
    apply_decision(state, Decision.edit(Type(text="hunter2-long")), store.mask_action)
    assert state.step.actions[0].action == Type(text="{{secret:PW}}")
    assert "hunter2-long" not in state.model_dump_json()


def test_execute_with_secrets_fills_values_in_and_masks_what_the_device_says() -> None:
    import asyncio

    from anyres_agent.agent.secrets import execute_with_secrets
    from anyres_agent.environments import ActionRejectedError, ExecutionResult

    class Echo:
        """A device that quotes what it typed in its note, and refuses the second time."""

        typed: list[str] = []  # noqa: RUF012

        async def execute(self, action: Type) -> ExecutionResult:
            self.typed.append(action.text)
            if len(self.typed) > 1:
                raise ActionRejectedError(
                    f"field is read-only, cannot type {action.text!r}", restart_required=True
                )
            return ExecutionResult(note=f"typed {action.text!r}")

    store, device = SecretStore({"PIN": "7355-608"}), Echo()
    result = asyncio.run(execute_with_secrets(device, Type(text="pin {{secret:PIN}}"), store))
    assert device.typed == ["pin 7355-608"]
    assert result.note == "typed 'pin {{secret:PIN}}'"
    with pytest.raises(ActionRejectedError) as caught:
        asyncio.run(execute_with_secrets(device, Type(text="{{secret:PIN}}"), store))
    assert str(caught.value) == "field is read-only, cannot type '{{secret:PIN}}'"
    assert caught.value.restart_required
