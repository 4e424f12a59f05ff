"""Secrets are substituted only for the device and masked everywhere else."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.secrets import SecretError, SecretStore, placeholders_in


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
