"""`agent eval --ray` starts a local Ray instance. Its ports listen on every interface (Ray 2.60), so
what keeps the network out is token authentication: tried here without the token, with a wrong one
and with the right one, on the node's address and on another."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from anyres_agent.agent.eval.ray_runner import RayRunnerError, _require_token_auth

PROBE = Path(__file__).with_name("ray_local_probe.py")


def _probe(tmp_path: Path, **env: str) -> dict[str, object]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    environ |= {"HOME": str(tmp_path), **env}
    done = subprocess.run(
        [sys.executable, str(PROBE)], env=environ, capture_output=True, text=True, timeout=240, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.slow
def test_the_local_instance_refuses_whoever_lacks_its_token(tmp_path: Path) -> None:
    # RAY_ADDRESS names another cluster: a local instance is still a new one, never that
    seen = _probe(tmp_path, RAY_ADDRESS="127.0.0.9:1")
    assert str(seen["gcs"]).startswith("127.0.0.2:") and seen["mode"] == "token"
    assert seen["anonymous"] == {"127.0.0.1": "UNAUTHENTICATED", "127.0.0.2": "UNAUTHENTICATED"}
    assert seen["wrong_token"] == "UNAUTHENTICATED"
    assert seen["with_token"] == "ok" and seen["task_ran_elsewhere"] is True  # and it does its work
    assert (tmp_path / ".ray" / "auth_token").exists()


@pytest.mark.slow
def test_the_knock_gets_in_when_the_user_opts_out(tmp_path: Path) -> None:
    """The control: the same anonymous call succeeds on an instance without authentication, so the
    refusals above are the token's doing (and the opt-out really is open to the network)."""
    seen = _probe(tmp_path, RAY_AUTH_MODE="disabled")
    assert seen["anonymous"] == {"127.0.0.1": "ok", "127.0.0.2": "ok"}


@pytest.mark.parametrize(
    ("version", "mode", "refused"),
    [("2.58.1", None, True), ("2.59.0", None, False), ("2.51.2", "token", True), ("2.52.0", "token", False)],
)
def test_a_ray_that_would_start_without_a_token_is_refused_a_local_instance(
    monkeypatch: pytest.MonkeyPatch, version: str, mode: str | None, refused: bool
) -> None:
    if mode is None:
        monkeypatch.delenv("RAY_AUTH_MODE", raising=False)
    else:
        monkeypatch.setenv("RAY_AUTH_MODE", mode)
    if refused:
        with pytest.raises(RayRunnerError, match=rf"Ray {version} .*install ray>=2\.59.*--ray-address"):
            _require_token_auth(version)
    else:
        _require_token_auth(version)


def test_an_explicit_opt_out_is_respected_and_warned_about(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    _require_token_auth("2.10.0")
    assert "accepts anyone who reaches its ports" in caplog.text
