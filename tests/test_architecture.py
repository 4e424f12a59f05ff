"""The layout's one-way dependencies and the light CLI start-up, checked on the source itself."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("agent", "model", "tools", "environments")
ALLOWED = {
    "tools": set(),
    "model": {"tools"},
    "environments": {"tools"},
    "agent": {"model", "tools", "environments"},
}


def _our_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_dependencies_point_one_way(package: str) -> None:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = _our_imports(path) - ALLOWED[package] - {package}
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert not offenders, f"{package} may import only {sorted(ALLOWED[package])}: " + "; ".join(offenders)


def test_agent_help_imports_neither_torch_nor_transformers() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from agent.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main(['--help'])\n    except SystemExit:\n        pass\n"
        "heavy = [m for m in ('torch', 'transformers', 'playwright', 'langgraph', 'mss', 'pyautogui') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "", f"`agent --help` imported {result.stdout.strip()}"


def test_agent_help_lists_the_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "agent", "--help"], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert "usage: agent" in result.stdout
