"""The `agent` command. Each subcommand lives in its own module with `HELP`, `add_arguments` and `run`.

Subcommand modules import only argparse at module level, so `agent --help` starts without torch,
transformers or a browser; the heavy imports happen inside `run`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMANDS = ("run", "demo", "eval", "doctor", "report", "parse", "models", "test")


class UsageError(Exception):
    """Bad input from the command line: printed as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agent",
        description="anyres-agent: a Qwen2-VL-family model operating real screens "
        "(browser, desktop, phone, gym).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"anyres_agent.agent.cli.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"anyres_agent.agent.cli.{name}":
                raise
            continue
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_module", None):
        parser.print_help()
        return 2
    try:
        return int(args._module.run(args) or 0)
    except UsageError as error:
        print(f"agent {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
