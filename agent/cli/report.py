"""`agent report DIR`: one self-contained HTML file from a trajectory folder (opens offline).

Damaged or missing step files do not stop it: each is a visible gap in the report, named on stderr.
"""

from __future__ import annotations

import argparse

HELP = "write the HTML report of a recorded run (DIR/report.html unless --output)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", help="a trajectory folder written by `agent run --record DIR`")
    parser.add_argument("--output", "-o", metavar="FILE", help="where to write the HTML (DIR/report.html)")


def run(args: argparse.Namespace) -> int:
    import sys

    from anyres_agent.agent.cli import UsageError
    from anyres_agent.agent.report import write_report
    from anyres_agent.agent.trajectory import TrajectoryError, read_trajectory

    try:
        trajectory = read_trajectory(args.dir)
        for index, reason in trajectory.gaps.items():  # drawn as gaps; said here too
            print(f"agent report: step {index} is a gap: {reason}", file=sys.stderr)
        path = write_report(args.dir, args.output, trajectory)
    except TrajectoryError as error:
        raise UsageError(str(error)) from None
    except OSError as error:  # the output cannot be written
        raise UsageError(f"cannot write {error.filename or args.output}: {error.strerror or error}") from None
    print(path)
    return 0
