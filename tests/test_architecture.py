"""The layout's one-way dependencies and the light CLI start-up, checked on the source itself."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
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


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def _our_imports(path: Path) -> set[str]:
    """The parts (agent, model, tools, environments) a file imports, all under `anyres_agent.`."""
    parts = (name.split(".") for name in _imported_modules(path))
    return {p[1] for p in parts if len(p) > 1 and p[0] == "anyres_agent"} & set(PACKAGES)


def test_nothing_imports_the_folders_by_their_bare_names() -> None:
    """Installed, the folders exist only as anyres_agent.<part>: a bare `import agent` would find a
    user's own package (or nothing) instead of ours."""
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for top in (*PACKAGES, "anyres_agent", "tests")
        for path in sorted((ROOT / top).rglob("*.py"))
        for name in sorted(_imported_modules(path))
        if name.split(".")[0] in PACKAGES
    ]
    assert not offenders, "import these as anyres_agent.<part>: " + "; ".join(offenders)


def test_every_package_folder_is_in_the_wheel() -> None:
    """pyproject lists the packages by hand (the folders are mapped under anyres_agent)."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {
        "anyres_agent." + ".".join(init.parent.relative_to(ROOT).parts)
        for top in PACKAGES
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert folders | {"anyres_agent"} == listed


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
        "from anyres_agent.agent.cli import main\n"
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
        [sys.executable, "-m", "anyres_agent", "--help"], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert "usage: agent" in result.stdout
