"""The wheel as a user gets it: built from the checkout, installed into a fresh virtual environment
with the core dependencies only (no torch, no extras), and used from a project whose own `agent/`
package, `tools.py`, `model.py` and `environments.py` once hid ours.

Run it alone with `bash .ci/test.sh tests/packaging` (it builds, installs and runs pytest in the
user project: about a minute, most of it pip). pip uses its normal configuration and cache; only
the core dependencies and pytest are fetched, never torch.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {"anyres_agent": "anyres_agent", "agent": "anyres_agent/agent", "model": "anyres_agent/model",
           "tools": "anyres_agent/tools", "environments": "anyres_agent/environments"}  # fmt: skip
"""Repository folder -> where it lives in the wheel (pyproject's package-dir mapping)."""
HEAVY = ("torch", "transformers", "playwright", "langgraph", "gymnasium", "mss", "pyautogui", "adbutils")

pytestmark = pytest.mark.slow

# A user's project: names that the framework's folders used to install as top-level packages.
USER_PROJECT = {
    "agent/__init__.py": 'WHO = "the user\'s own agent package"\n',
    "agent/graph.py": "graph = 'the user graph'  # like `langgraph new`'s src/agent/graph.py\n",
    "tools.py": 'WHO = "the user\'s own tools.py"\n',
    "model.py": 'WHO = "the user\'s own model.py"\n',
    "environments.py": 'WHO = "the user\'s own environments.py"\n',
    "conftest.py": '''
        """The user's conftest: a scripted model behind the plugin's fixtures."""
        import pytest

        from anyres_agent import ScriptedBackend


        @pytest.fixture(scope="session")
        def agent_backend():
            # Qwen2-VL grounding: a box in 0-1000 of the image (the OK button below, on 400x300)
            return ScriptedBackend(["<|box_start|>(250,333),(500,500)<|box_end|>"] * 4)
        ''',
    "test_project.py": '''
        """The user's tests: their own modules, the framework's public face and the pytest plugin."""
        import agent
        import agent.graph
        import environments
        import model
        import tools
        from PIL import Image, ImageDraw

        from anyres_agent import UI, AgentConfig, Observation, action_from_call, get_family
        from anyres_agent.environments import ExecutionResult, Screenshot, Size


        class OneButton:
            """A 400x300 screen with an OK button at (100, 100)-(200, 150); records clicks."""

            name = "one-button"

            def __init__(self):
                self.clicks = []

            def supported_actions(self):
                return frozenset({"click"})

            async def observe(self):
                image = Image.new("RGB", (400, 300), "white")
                ImageDraw.Draw(image).rectangle((100, 100, 200, 150), fill="green")
                screen = Size(width=400, height=300)
                return Observation(screenshot=Screenshot.from_image(image), screen=screen)

            async def execute(self, action):
                self.clicks.append((action.x, action.y))
                return ExecutionResult()

            async def close(self):
                pass


        def test_the_users_own_modules_are_the_ones_imported():
            assert agent.WHO == "the user's own agent package" and agent.graph.graph == "the user graph"
            assert tools.WHO == "the user's own tools.py" and model.WHO == "the user's own model.py"
            assert environments.WHO == "the user's own environments.py"


        def test_the_public_face_works_beside_them():
            assert action_from_call("click", {"x": 5, "y": 6}).x == 5
            assert AgentConfig(max_steps=3).max_steps == 3
            assert get_family("qwen25vl").name == "qwen25vl"


        def test_the_plugins_options_and_fixtures_work(pytestconfig, agent_model, tmp_path):
            assert pytestconfig.getoption("agent_model") == "qwen2-vl-2b"
            screen = OneButton()

            async def make():
                return screen

            with UI.open(make, setup=agent_model, record_dir=tmp_path / "ui") as ui:
                box = ui.tap("the OK button")
            assert (box.x1, box.y1, box.x2, box.y2) == (100, 100, 200, 150)
            assert screen.clicks == [(150, 125)]
        ''',
}


@dataclass
class Installed:
    wheel: Path
    venv: Path
    project: Path

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def run(self, *command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """A command in the user project, with the fresh venv's tools and no trace of ours."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "CI")}
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        return subprocess.run(
            command, cwd=self.project, env=env, capture_output=True, text=True, timeout=timeout
        )


def _checkout_copy(target: Path) -> Path:
    """The files a fresh clone would have (tracked, or new and not ignored), so the wheel is built
    from what is committed rather than from this tree's build leftovers."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _pip(python: str, *args: str) -> None:
    result = subprocess.run(
        [python, "-m", "pip", "--disable-pip-version-check", *args], capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, (
        f"pip {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    source = _checkout_copy(work / "src")
    # pip wheel needs nothing beyond pip; the dev extra pins the setuptools the build backend wants
    _pip(
        sys.executable,
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        str(work / "dist"),
        str(source),
    )
    (wheel,) = (work / "dist").glob("anyres_agent-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    _pip(str(venv / "bin" / "python"), "install", "-q", str(wheel), "pytest")
    project = work / "project"
    for name, text in USER_PROJECT.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(textwrap.dedent(text).lstrip())
    return Installed(wheel=wheel, venv=venv, project=project)


def test_the_wheel_holds_every_package_and_its_data_under_one_name(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    tops = {name.split("/")[0] for name in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"anyres_agent"}  # no agent/, tools/...
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    missing = [p for p in packages if p.replace(".", "/") + "/__init__.py" not in names]
    assert not missing, f"packages without their __init__.py in the wheel: {missing}"
    tracked = subprocess.run(
        ["git", "ls-files", *FOLDERS], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    expected = {FOLDERS[path.split("/")[0]] + path[len(path.split("/")[0]) :] for path in tracked}
    assert "anyres_agent/py.typed" in expected and "anyres_agent/agent/demo_site/index.html" in expected
    assert not expected - names, (
        f"files of the package folders missing from the wheel: {sorted(expected - names)}"
    )
    (dist_info,) = {t for t in tops if t.endswith(".dist-info")}
    entry_points = zipfile.ZipFile(installed.wheel).read(f"{dist_info}/entry_points.txt").decode()
    assert "agent = anyres_agent.agent.cli:main" in entry_points
    assert "[pytest11]\nanyres_agent = anyres_agent.agent.pytest_plugin" in entry_points
    metadata = zipfile.ZipFile(installed.wheel).read(f"{dist_info}/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata
    assert f"{dist_info}/licenses/LICENSE" in names


def test_the_core_install_brings_no_torch_and_no_extras(installed: Installed) -> None:
    result = installed.run(installed.bin("python"), "-m", "pip", "list", "--format=freeze")
    present = {line.split("==")[0].lower() for line in result.stdout.splitlines()}
    assert "anyres-agent" in present
    assert not present & set(HEAVY), sorted(present & set(HEAVY))


def test_a_project_with_its_own_agent_tools_and_model_imports_the_framework(installed: Installed) -> None:
    code = (
        "import agent, tools, model, anyres_agent\n"
        "from anyres_agent import Agent, AgentConfig, open_backend, open_environment, ScriptedBackend\n"
        "print(agent.WHO, '|', tools.WHO, '|', model.WHO, '|', anyres_agent.__file__)\n"
    )
    result = installed.run(installed.bin("python"), "-c", code)
    assert result.returncode == 0, result.stderr
    mine, tool, mod, framework = (part.strip() for part in result.stdout.split("|"))
    assert (mine, tool, mod) == (
        "the user's own agent package",
        "the user's own tools.py",
        "the user's own model.py",
    )
    assert Path(framework).is_relative_to(installed.venv)  # the installed wheel, not this checkout


@pytest.mark.parametrize("command", [("agent", "--help"), ("python", "-m", "anyres_agent", "--help")])
def test_the_command_line_starts_beside_a_users_agent_package(
    installed: Installed, command: tuple[str, ...]
) -> None:
    result = installed.run(installed.bin(command[0]), *command[1:])
    assert result.returncode == 0, result.stderr
    assert "run a task on a screen" in result.stdout and "Traceback" not in result.stderr


def test_pytest_in_the_users_project_loads_the_plugin_and_passes(installed: Installed) -> None:
    fixtures = installed.run(installed.bin("pytest"), "--fixtures", "-p", "no:cacheprovider")
    assert fixtures.returncode == 0, fixtures.stdout[-3000:]
    for fixture in ("ui_browser", "ui_desktop", "agent_model", "agent_backend", "agent_locate_cache"):
        assert fixture in fixtures.stdout, fixture
    # `python -m pytest` puts the project first on sys.path: where the user's `agent` package once
    # replaced ours and the plugin's entry point failed to load for every run
    result = installed.run(
        installed.bin("python"), "-m", "pytest", "-p", "no:cacheprovider", "--agent-model", "qwen2-vl-2b"
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert "3 passed" in result.stdout
