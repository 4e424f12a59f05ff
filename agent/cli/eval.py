"""`agent eval`: a benchmark study (MiniWoB++ or a YAML suite) with a pinned protocol, resumable JSON
lines per episode, a summary table, and an HTML page linking each episode's report.

    agent eval miniwob --tasks click-button,book-flight --endpoint http://host:8000/v1 --model ui-tars
    agent eval miniwob --tasks click-*,enter-text --model oracle      # harness check, not a model score
    agent eval my-suite.yaml --workers 4 --ray-address auto

Exit status: 0 when every episode ran (whatever it scored) and the success rate reached --fail-under;
1 below it; 2 for bad input; 130 after Ctrl-C (finished episodes are kept; rerun to resume).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from anyres_agent.agent.eval.models import ModelChoice
    from anyres_agent.agent.eval.results import EpisodeResult
    from anyres_agent.agent.eval.study import StudyOutcome

HELP = "benchmark a model on MiniWoB++ (and its flight sites) or your own YAML suite, locally or on Ray"
EXIT_INTERRUPTED = 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from anyres_agent.agent.cli.model_options import add_model_arguments

    parser.add_argument("suite", help="'miniwob', or the path of a YAML suite file")
    parser.add_argument("--tasks", help="comma list; 'all'; a prefix such as 'click-*' (default: all)")
    parser.add_argument("--list", action="store_true", help="list the suite's tasks and exit")
    parser.add_argument("--episodes", type=int, default=5, help="episodes (seeds) per task (5)")
    parser.add_argument("--seed-start", type=int, default=0, help="first seed (0)")
    parser.add_argument("--max-steps", type=int, default=10, help="steps per episode (10, as AgentLab)")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="wall time per episode (120)")
    parser.add_argument(
        "--page-timer", choices=["off", "task"], default="off",
        help="off: the page never times out (BrowserGym); task: MiniWoB's own limit ends the episode",
    )  # fmt: skip
    parser.add_argument("--dpr", type=float, default=2.0, help="image pixels per CSS pixel (2)")
    parser.add_argument("--history-images", type=int, default=2, help="past screenshots in the prompt (2)")
    add_model_arguments(
        parser, model_help="preset, hub id or served name; 'oracle' or 'random' run a harness stand-in"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="episodes at once, each on its own browser (1)"
    )
    parser.add_argument(
        "--max-inflight", type=int,
        help="model requests in flight at once (= workers; 1 for local weights; on Ray always the workers)",
    )  # fmt: skip
    parser.add_argument(
        "--ray", action="store_true", help="run the workers as Ray actors on a local instance"
    )
    parser.add_argument(
        "--ray-address", metavar="ADDR", help="run on this Ray cluster (e.g. auto, host:6379)"
    )
    parser.add_argument("--out", metavar="DIR", help="results folder (default evals/<suite>-<time>)")
    parser.add_argument("--headed", action="store_true", help="show the browsers")
    parser.add_argument(
        "--fail-under", type=float, metavar="PCT", help="exit 1 when the success rate is below PCT percent"
    )


def _tasks(text: str | None, known: list[str]) -> list[str]:
    """'click-button,book-flight', 'all' or a prefix 'click-*' -> task names, in order, no repeats."""
    wanted: list[str] = []
    for part in (p.strip() for p in (text or "all").split(",")):
        if part == "all":
            wanted.extend(known)
        elif part.endswith("*"):
            wanted.extend(t for t in known if t.startswith(part[:-1]))
        elif part:
            wanted.append(part)
    return list(dict.fromkeys(wanted))


def _check(args: argparse.Namespace) -> None:
    from anyres_agent.agent.cli import UsageError
    from anyres_agent.agent.eval.models import STAND_INS

    for name, low in (("episodes", 1), ("max_steps", 1), ("workers", 1)):
        if getattr(args, name) < low:
            raise UsageError(f"--{name.replace('_', '-')} must be at least {low}")
    if args.max_inflight is not None and args.max_inflight < 1:
        raise UsageError("--max-inflight must be at least 1")
    if args.max_seconds <= 0 or not 0 < args.dpr <= 4:
        raise UsageError("--max-seconds must be positive and --dpr between 0 and 4")
    if args.ray and args.ray_address:
        raise UsageError("give --ray (a local Ray instance) or --ray-address, not both")
    if (args.ray or args.ray_address) and not (args.endpoint or args.model in STAND_INS):
        raise UsageError("a Ray study needs --endpoint: every actor talks to one served model")


def _max_inflight(args: argparse.Namespace, choice: ModelChoice) -> int:
    """Model requests in flight at once, for the provider and for study.json alike."""
    if choice.local_weights:
        return 1  # one model in this process answers one request at a time
    if args.ray or args.ray_address:
        return int(args.workers)  # each actor runs one episode, so sends one request, at a time
    return int(args.max_inflight or args.workers)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import time
    from pathlib import Path

    from rich.console import Console

    from anyres_agent.agent.cli import UsageError
    from anyres_agent.agent.eval.models import ModelChoice, ModelProvider
    from anyres_agent.agent.eval.oracle import SUPPORTED_TASKS
    from anyres_agent.agent.eval.protocol import Protocol, ProtocolMismatchError, Selection
    from anyres_agent.agent.eval.ray_runner import RayRunnerError
    from anyres_agent.agent.eval.sources import open_suite, suite_source
    from anyres_agent.agent.eval.study import Scale
    from anyres_agent.agent.eval.suite import SuiteError
    from anyres_agent.environments.base import EnvironmentError_
    from anyres_agent.model.backends import BackendError, ModelSpecError

    _check(args)
    console = Console(stderr=True, highlight=False)
    try:
        source = suite_source(args.suite)
        suite = open_suite(source)
    except SuiteError as error:
        raise UsageError(str(error)) from None
    try:
        if args.list:
            print("\n".join(suite.task_names()))
            return 0
        tasks = _tasks(args.tasks, suite.task_names())
        try:
            suite.check_tasks(tasks)
        except SuiteError as error:
            raise UsageError(str(error)) from None
        if args.model == "oracle":
            missing = [t for t in tasks if t not in SUPPORTED_TASKS] if source == "miniwob" else tasks
            if missing:
                raise UsageError(
                    f"the oracle solves only these MiniWoB tasks: {', '.join(SUPPORTED_TASKS)}; "
                    f"not {', '.join(missing[:5])}"
                )
        choice = ModelChoice(
            model=args.model, endpoint=args.endpoint, family=args.family, server=args.server,
            min_pixels=args.min_pixels, max_pixels=args.max_pixels,
        )  # fmt: skip
        workers, inflight = args.workers, _max_inflight(args, choice)
        try:
            provider = ModelProvider(choice, max_inflight=inflight)  # a stand-in checks --family here
            provider.open()
        except (ModelSpecError, ValueError) as error:
            raise UsageError(str(error)) from None
        except BackendError as error:
            console.print(str(error), markup=False, highlight=False, soft_wrap=True)
            return 1
        if choice.local_weights and max(workers, args.max_inflight or 1) > 1:
            console.print("[yellow]local weights: one model, so one request at a time (--max-inflight 1)[/]")
        elif args.max_inflight not in (None, inflight):  # Ray: one request per actor
            console.print(
                f"[yellow]Ray: each worker sends one request at a time, so {inflight} in flight at most "
                "(--workers); --max-inflight is not used[/]",
                soft_wrap=True,
            )
        protocol = Protocol(
            max_steps=args.max_steps, max_seconds=args.max_seconds, page_timer=args.page_timer, dpr=args.dpr,
            history_images=args.history_images,
        )  # fmt: skip
        seeds = tuple(range(args.seed_start, args.seed_start + args.episodes))
        selection = Selection(suite=suite.name, tasks=tuple(tasks), seeds=seeds)
        scale = Scale(
            runner="ray" if args.ray or args.ray_address else "local", workers=workers, max_inflight=inflight,
            ray_address=args.ray_address, headless=not args.headed,
        )  # fmt: skip
        out = Path(args.out) if args.out else Path("evals") / time.strftime(f"{suite.name}-%Y%m%d-%H%M%S")
        if choice.stand_in:
            console.print(
                f"[bold yellow]HARNESS CHECK:[/] the {args.model} stand-in answers, not a model"
                + (" (it reads the page's DOM)." if args.model == "oracle" else " (uniform random clicks).")
                + " Its score checks the harness; it is not a model score.",
                soft_wrap=True,
            )
        try:
            outcome = asyncio.run(_main(suite, source, selection, protocol, provider, out, scale, console))
        except ProtocolMismatchError as error:
            raise UsageError(str(error)) from None
        except KeyboardInterrupt:
            console.print(
                f"[yellow]interrupted; finished episodes are in {out}; rerun to resume[/]", soft_wrap=True
            )
            return EXIT_INTERRUPTED
        except (SuiteError, RayRunnerError, EnvironmentError_) as error:  # no browser, no cluster
            raise UsageError(" ".join(str(error).split())) from None
        print_summary(console, outcome)
        rate = sum(r.success for r in outcome.results) / max(1, len(outcome.results))
        return 1 if args.fail_under is not None and rate * 100 < args.fail_under else 0
    finally:
        suite.close()


async def _main(
    suite: Any,
    source: Any,
    selection: Any,
    protocol: Any,
    provider: Any,
    out: Any,
    scale: Any,
    console: Console,
) -> StudyOutcome:
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from anyres_agent.agent.eval.study import run_study

    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[score]}"), TimeElapsedColumn(), console=console, transient=False,
    )  # fmt: skip
    bar = progress.add_task("episodes", total=selection.episodes, score="")
    wins = [0, 0]

    def started(pending: int, skipped: int) -> None:
        if skipped:
            console.print(
                f"resuming {out}: {skipped} episode(s) already done, {pending} to run", soft_wrap=True
            )
        progress.update(bar, completed=skipped)

    def finished(result: EpisodeResult) -> None:
        wins[0] += result.success
        wins[1] += 1
        mark = "[green]✓[/]" if result.success else "[red]✗[/]"
        why = "" if result.success else f"  [dim]{escape(result.reason[:100])}[/]"
        progress.console.print(
            f"{mark} {escape(result.task)} seed {result.seed}: reward {result.reward:.3f} "
            f"(raw {result.raw_reward:g}), {result.steps} steps{why}",
            soft_wrap=True,
        )
        progress.update(bar, advance=1, score=f"{wins[0]}/{wins[1]} succeeded")

    try:
        with progress:
            return await run_study(
                suite, selection, protocol, provider, out, scale, on_start=started, on_result=finished,
                suite_source=source,
            )  # fmt: skip
    finally:
        await provider.aclose()


def print_summary(console: Console, outcome: StudyOutcome) -> None:
    from rich.table import Table

    from anyres_agent.agent.eval.results import by_group, by_task

    table = Table(title=f"{outcome.folder} ({outcome.ran} run now, {outcome.skipped} from before)")
    for column in ("task", "success", "reward", "raw", "steps", "tokens", "model s", "other s", "t/o/err"):
        table.add_column(column, justify="left" if column == "task" else "right", no_wrap=column == "task")
    groups = by_group(outcome.results)
    for row in [*groups, *by_task(outcome.results, outcome.tasks)]:
        table.add_row(row.name, *row.cells(), style="bold" if row in groups else None)
    console.print(table)
    console.print(
        f"results: {outcome.folder / 'episodes.jsonl'}\nsummary page: {outcome.page}", soft_wrap=True
    )
