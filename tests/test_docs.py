"""README.md and docs/ stay true: what they show runs, or at least parses, against this checkout.

- every Python sample compiles (top-level `await` allowed) and its imports resolve; none imports a
  folder by its bare name (`from agent.api import ...` only works inside this checkout);
- every `agent ...` command line in a bash or console sample parses with the real `agent` parser, and
  every `python -m` module and script path it names exists;
- every `agent parse` example prints exactly the output shown under it;
- TOML samples are valid settings, YAML flow samples are valid flows;
- every relative link points at a file that exists, and at a heading that exists.

Cheap on purpose: nothing starts a browser or loads a model.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib.util
import io
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from anyres_agent.agent.cli import build_parser, main
from anyres_agent.agent.config import load_settings
from anyres_agent.agent.testing.flows import load_flows

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").glob("*.md")])
BARE = ("agent", "model", "tools", "environments")
PENDING_DOCS = {"docs/models.md"}
"""Pages other branches are writing at the same time; the README links them already. Drop a name
here once its page is merged."""


@dataclass
class Block:
    page: Path
    line: int
    language: str
    text: str

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def _blocks(page: Path) -> list[Block]:
    """Fenced code blocks, indented ones (inside list items) included, dedented."""
    blocks, language, start, indent, lines = [], None, 0, 0, []
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.lstrip()
        if language is None and stripped.startswith("```"):
            language, start, indent, lines = stripped[3:].strip(), number + 1, len(line) - len(stripped), []
        elif language is not None and stripped.startswith("```"):
            blocks.append(Block(page, start, language, "\n".join(lines) + "\n"))
            language = None
        elif language is not None:
            lines.append(line[indent:])
    return blocks


BLOCKS = [block for page in PAGES for block in _blocks(page)]


def _of(*languages: str) -> list[Block]:
    return [b for b in BLOCKS if b.language in languages]


def test_every_page_has_samples_to_check() -> None:
    assert {p.name for p in PAGES} >= {"README.md", "running.md", "families.md", "backends.md"}
    assert len(_of("python")) >= 15 and len(_of("bash", "console")) >= 8


@pytest.mark.parametrize("block", _of("python"), ids=str)
def test_python_samples_compile_and_their_imports_resolve(block: Block) -> None:
    code = compile(block.text, str(block), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT | ast.PyCF_ONLY_AST)
    imports = [node for node in ast.walk(code) if isinstance(node, ast.Import | ast.ImportFrom)]
    for node in imports:
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        bare = [n for n in names if n.split(".")[0] in BARE]
        assert not bare, f"{block}: import {bare} as anyres_agent.<part> (the installed name)"
        exec(compile(ast.Module(body=[node], type_ignores=[]), str(block), "exec"), {})


def _split(text: str) -> list[str]:
    """Shell words, with `&&`, `;` and `|` as words of their own and `# comments` dropped."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    return list(lexer)


def _commands(block: Block) -> list[tuple[list[str], str]]:
    """(argv, the output shown under it) for each command of a bash or console block."""
    found: list[tuple[list[str], str]] = []
    lines = block.text.splitlines()
    prompt = block.language == "console"
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if prompt and not line.startswith("$ "):
            continue
        text = line[2:] if prompt else line
        while True:  # a command goes on past a trailing backslash or an open quote
            if text.endswith("\\") and i < len(lines):
                text = text[:-1] + " " + lines[i]
                i += 1
                continue
            try:
                words = _split(text)
            except ValueError:
                if i >= len(lines):
                    raise
                text += "\n" + lines[i]
                i += 1
                continue
            break
        output = []
        while prompt and i < len(lines) and not lines[i].startswith("$ "):
            output.append(lines[i])
            i += 1
        segment: list[str] = []
        for word in [*words, ";"]:
            if word in (";", "&&", "||", "|", "&"):
                if segment:
                    found.append((segment, "\n".join(output)))
                segment = []
            else:
                segment.append(word)
    return found


def _agent_argv(argv: list[str]) -> list[str] | None:
    """The arguments after `agent` / `.venv/bin/agent` / `python -m anyres_agent`, or None."""
    while argv and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", argv[0]):  # VAR=value before the command
        argv = argv[1:]
    if argv and (argv[0] == "agent" or argv[0].endswith("/agent")):
        return argv[1:]
    if len(argv) > 2 and argv[0].endswith("python") and argv[1:3] == ["-m", "anyres_agent"]:
        return argv[3:]
    return None


COMMANDS = [(block, argv, output) for block in _of("bash", "console") for argv, output in _commands(block)]
AGENT_COMMANDS = [(b, a, o) for b, a, o in COMMANDS if _agent_argv(a) is not None]


def test_the_readme_commands_are_among_those_checked() -> None:
    readme = [argv for block, argv, _ in AGENT_COMMANDS if block.page.name == "README.md"]
    assert ["bash", ".ci/setup.sh"] in [argv for _, argv, _ in COMMANDS]
    assert any(argv[:4] == [".venv/bin/agent", "run", "--url", "demo"] for argv in readme)
    assert {_agent_argv(a)[0] for _, a, _ in AGENT_COMMANDS} >= {"run", "demo", "report", "parse", "models"}


@pytest.mark.parametrize(("block", "argv", "output"), AGENT_COMMANDS, ids=lambda v: str(v)[:80])
def test_every_agent_command_shown_parses(block: Block, argv: list[str], output: str) -> None:
    args = _agent_argv(argv)
    assert args is not None
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            parsed = build_parser().parse_args(args)
    except SystemExit:
        pytest.fail(f"{block}: `{shlex.join(argv)}` does not parse: {stderr.getvalue().strip()}")
    assert getattr(parsed, "_module", None) is not None, f"{block}: no subcommand in {argv}"


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


INLINE = [
    (page, match.group(0))
    for page in PAGES
    for match in re.finditer(r"(?<!`)`agent ([a-z]+)[^`]*`", page.read_text(encoding="utf-8"))
]


@pytest.mark.parametrize(("page", "span"), INLINE, ids=lambda v: str(v)[-60:])
def test_agent_commands_named_in_the_prose_exist_with_their_options(page: Path, span: str) -> None:
    """`agent run --max-pixels N` in a sentence, or a synopsis: the subcommand and each option exist."""
    name = span.strip("`").split()[1]
    commands = _subcommands()
    assert name in commands, f"{page.relative_to(ROOT)}: {span} names no subcommand of `agent --help`"
    known = set(commands[name]._option_string_actions)
    unknown = [flag for flag in re.findall(r"--[a-z][a-z-]*", span) if flag not in known]
    assert not unknown, f"{page.relative_to(ROOT)}: `agent {name}` has no {unknown}"


def _named_paths(argv: list[str]) -> list[str]:
    """`python -m MODULE` and the repository paths (.ci/..., tests/...) a command names."""
    named = [f"module:{argv[2]}"] if len(argv) > 2 and argv[0].endswith("python") and argv[1] == "-m" else []
    return named + [w for w in argv[1:] if w.startswith((".ci/", "tests/")) and not any(c in w for c in "*?")]


NAMED = [(block, name) for block, argv, _ in COMMANDS for name in _named_paths(argv)]


@pytest.mark.parametrize(("block", "name"), NAMED, ids=lambda v: str(v)[:80])
def test_modules_and_scripts_named_exist(block: Block, name: str) -> None:
    if name.startswith("module:"):
        assert importlib.util.find_spec(name[len("module:") :]) is not None, f"{block}: no module {name}"
    else:
        assert (ROOT / name).exists(), f"{block}: {name} does not exist"


PARSE_EXAMPLES = [
    (b, a, o) for b, a, o in AGENT_COMMANDS if b.language == "console" and _agent_argv(a)[:1] == ["parse"]
]


@pytest.mark.parametrize(("block", "argv", "output"), PARSE_EXAMPLES, ids=lambda v: str(v)[:80])
def test_agent_parse_examples_print_what_they_show(
    block: Block, argv: list[str], output: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(_agent_argv(argv))
    captured = capsys.readouterr()
    printed = (captured.out + captured.err).strip()
    assert printed == output.strip(), f"{block}: `{shlex.join(argv)}` printed:\n{printed}"
    assert status == (2 if output.startswith("agent parse:") else 0)


def test_there_are_parse_examples_to_run() -> None:
    assert len(PARSE_EXAMPLES) >= 6


@pytest.mark.parametrize("block", _of("toml"), ids=str)
def test_toml_samples_are_valid_settings(block: Block, tmp_path: Path) -> None:
    path = tmp_path / "agent.toml"
    path.write_text(block.text)
    load_settings(path, environ={})


@pytest.mark.parametrize("block", [b for b in _of("yaml") if "steps:" in b.text], ids=str)
def test_yaml_flow_samples_are_valid_flows(block: Block, tmp_path: Path) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text(block.text)
    assert load_flows(path)


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    outside_code = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return {_slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", outside_code, flags=re.M)}


LINKS = [
    (page, target)
    for page in PAGES
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8"))
    if not re.match(r"[a-z]+:", target)
    and str((page.parent / target.partition("#")[0]).resolve().relative_to(ROOT)) not in PENDING_DOCS
]


@pytest.mark.parametrize(("page", "target"), LINKS, ids=lambda v: str(v)[-60:])
def test_relative_links_point_at_pages_and_headings_that_exist(page: Path, target: str) -> None:
    path, _, anchor = target.partition("#")
    file = (page.parent / path).resolve() if path else page
    assert file.exists(), f"{page.relative_to(ROOT)}: link to missing {target}"
    if anchor:
        assert anchor in _anchors(file), f"{page.relative_to(ROOT)}: no heading #{anchor} in {file.name}"
