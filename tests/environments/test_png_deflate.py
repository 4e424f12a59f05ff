"""Which deflate the PNG encoder uses: ISA-L where the desktop or gym extra installed it, else zlib."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    ("setup", "expected"),
    [("", "isal.isal_zlib"), ("import sys; sys.modules['isal'] = None; ", "zlib")],
    ids=["with the desktop extra", "core only"],
)
def test_isal_deflate_when_installed_else_zlib(setup: str, expected: str) -> None:
    code = f"{setup}from anyres_agent.environments.png import DEFLATE; print(DEFLATE.__name__)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == expected
