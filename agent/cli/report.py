"""`agent report DIR`: one self-contained HTML file from a trajectory folder (opens offline)."""

from __future__ import annotations

import argparse

HELP = "write the HTML report of a recorded run (DIR/report.html unless --output)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", help="a trajectory folder written by `agent run --record DIR`")
    parser.add_argument("--output", "-o", metavar="FILE", help="where to write the HTML (DIR/report.html)")


def run(args: argparse.Namespace) -> int:
    from anyres_agent.agent.cli import UsageError
    from anyres_agent.agent.report import write_report
    from anyres_agent.agent.trajectory import TrajectoryError

    try:
        path = write_report(args.dir, args.output)
    except (TrajectoryError, FileNotFoundError, NotADirectoryError) as error:
        raise UsageError(str(error)) from None
    print(path)
    return 0
