"""`agent test FLOW.yaml ...`: run YAML UI flows, print one line per flow, write JUnit XML for CI.

Exit status: 0 when every flow passed; 1 when one failed or could not run; 2 for bad input (a flow
file that does not parse, with file:line; no file matched; an unknown model).
"""

from __future__ import annotations

import argparse
import glob
import sys
from pathlib import Path

HELP = "run YAML UI test flows (steps and assertions) and write JUnit XML"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("flows", nargs="+", metavar="FLOW.yaml", help="flow files (globs are expanded)")
    parser.add_argument("--junit", metavar="FILE", help="write JUnit XML here (one test case per flow)")
    parser.add_argument("--model", help="a preset name, a hub id or a local folder (overrides the flow's)")
    parser.add_argument("--endpoint", help="an OpenAI-compatible server, e.g. http://host:8000/v1")
    parser.add_argument("--family", help="model family when it cannot be inferred")
    parser.add_argument("--cache", metavar="FILE", help="locate cache for every flow (overrides `cache:`)")
    parser.add_argument(
        "--update-cache", action="store_true", help="re-ground every locate and rewrite the cache entries"
    )
    parser.add_argument(
        "--cache-mode",
        choices=["use", "readonly", "refresh"],
        help="use (read and write), readonly (never write the file: CI) or refresh; env ANYRES_CACHE_MODE",
    )
    parser.add_argument(
        "--report-dir", metavar="DIR", default="agent-reports", help="HTML reports of failed flows"
    )
    parser.add_argument("--headed", action="store_true", help="show the browser window")


def expand(patterns: list[str]) -> list[Path]:
    """Flow files in the order given; a glob that the shell did not expand is expanded here."""
    from anyres_agent.agent.cli import UsageError

    files: list[Path] = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else [pattern]
        if not matches:
            raise UsageError(f"no flow file matches {pattern!r}")
        files.extend(Path(m) for m in matches)
    return files


def run(args: argparse.Namespace, *, backend: object = None) -> int:
    from anyres_agent.agent.cli import UsageError
    from anyres_agent.agent.config import ConfigError
    from anyres_agent.agent.testing.flows import FlowError, load_flows
    from anyres_agent.agent.testing.junit import write_junit
    from anyres_agent.agent.testing.locate_cache import CacheFileError
    from anyres_agent.agent.testing.runner import FlowRun, RunOptions, run_flow
    from anyres_agent.agent.testing.settings import cache_mode_option, load_ui_settings
    from anyres_agent.model.backends.base import BackendError
    from anyres_agent.model.backends.spec import ModelSpecError

    try:
        flows = [flow for path in expand(args.flows) for flow in load_flows(path)]
    except FlowError as error:
        raise UsageError(str(error)) from None
    try:  # the command line > ANYRES_* variables > each flow file's own values
        settings = load_ui_settings(
            {
                "model": args.model,
                "endpoint": args.endpoint,
                "family": args.family,
                "cache": args.cache,
                "cache_mode": cache_mode_option(args.cache_mode, args.update_cache),
            }
        )
    except ConfigError as error:
        raise UsageError(str(error)) from None
    options = RunOptions(
        model=settings.model,
        endpoint=settings.endpoint,
        family=settings.family,
        cache=settings.cache,
        cache_mode=settings.cache_mode,
        report_dir=Path(args.report_dir),
        headed=args.headed,
        backend=backend,  # type: ignore[arg-type]
    )
    session = FlowRun(options)
    try:
        for flow in flows:  # fail on a bad model name or cache file before any browser starts
            session.setup_for(flow)
            session.cache_for(flow)
        cases = [run_flow(flow, session) for flow in flows]
    except (ModelSpecError, CacheFileError, ValueError) as error:
        raise UsageError(str(error)) from None
    except BackendError as error:  # the model cannot be had: the same paragraph `agent run` prints
        print(str(error), file=sys.stderr)
        return 1
    finally:
        session.close()
    failed = sum(c.outcome != "passed" for c in cases)
    print(f"{len(cases) - failed} passed, {failed} failed of {len(cases)} flow(s)")
    if args.junit:
        print(f"JUnit XML: {write_junit(args.junit, cases)}")
    return 1 if failed else 0
