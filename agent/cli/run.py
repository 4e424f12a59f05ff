"""`agent run`: a task on a real screen with a real model, live progress, a trajectory and a report.

Exit status: 0 only when the model declared success; 1 when it did not (or the model cannot be
loaded: one paragraph says the two ways forward); 2 for bad input; 130 after Ctrl-C. The first
Ctrl-C stops after the current step (recorded, report written); a second one aborts.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

    from rich.console import Console

    from anyres_agent.agent.api import Agent, RunResult
    from anyres_agent.agent.config import Settings
    from anyres_agent.agent.guards import ConfirmationRequest, Decision
    from anyres_agent.agent.loop import StepEvent

HELP = "run a task on a screen (browser, desktop, phone, gym) with a vision-language model"
EXIT_INTERRUPTED = 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", required=True, help="what to do; {{secret:NAME}} placeholders allowed")
    parser.add_argument("--env", choices=["browser", "desktop", "android", "gym"], help="device (browser)")
    parser.add_argument("--url", help="browser: start page; 'demo' serves the bundled demo site on loopback")
    parser.add_argument("--model", help="a preset name, a hub id or a local folder (default preset)")
    parser.add_argument(
        "--endpoint", help="an OpenAI-compatible server (vLLM, SGLang...), e.g. http://host:8000/v1"
    )
    parser.add_argument(
        "--family", help="model family when it cannot be inferred (qwen2vl, qwen25vl, uitars15...)"
    )
    parser.add_argument("--max-steps", type=int, help="step budget (30)")
    parser.add_argument("--max-seconds", type=float, help="wall-time budget in seconds (900)")
    parser.add_argument("--max-tokens", type=int, help="token budget (2,000,000)")
    parser.add_argument("--history-images", type=int, help="past screenshots kept in the prompt (2)")
    # Kept as text so the settings validator judges them, with the same one-line message as the
    # ANYRES_MIN_PIXELS / config-file forms of the same keys.
    parser.add_argument(
        "--min-pixels", metavar="N", help="frame pixel budget, lower bound; match the server's (model's)"
    )
    parser.add_argument(
        "--max-pixels", metavar="N", help="frame pixel budget, upper bound; match the server's (model's)"
    )
    parser.add_argument("--record", metavar="DIR", help="trajectory folder (default runs/<time>)")
    parser.add_argument(
        "--allow-domain", action="append", dest="allow_domains", metavar="D",
        help="browser: a domain it may load (repeatable; default any)",
    )  # fmt: skip
    parser.add_argument("--headed", action="store_true", default=None, help="browser: show its window")
    parser.add_argument("--display", help="desktop: the X display, e.g. :99 (default $DISPLAY)")
    parser.add_argument(
        "--monitor", type=int, metavar="N", help="desktop: monitor N as mss counts them (1 = first, 0 = all)"
    )
    parser.add_argument("--serial", help="android: the device serial (default: the only device ready)")
    parser.add_argument("--adb-host", metavar="HOST", help="android: the adb server's host (127.0.0.1)")
    parser.add_argument("--adb-port", type=int, metavar="PORT", help="android: the adb server's port (5037)")
    parser.add_argument(
        "--gym-env", metavar="ID", help="gym: a Gymnasium env id with discrete actions, e.g. FrozenLake-v1"
    )
    parser.add_argument("--yes", action="store_true", help="approve risky actions without asking")
    parser.add_argument("--secrets", metavar="FILE", help=".env-style or JSON file of secret values")
    parser.add_argument("--config", metavar="FILE", help="TOML/YAML settings; precedence: CLI > env > file")


def settings_from_args(args: argparse.Namespace, **extra: Any) -> Settings:
    """CLI flags over ANYRES_* variables over the --config file over defaults."""
    from anyres_agent.agent.cli import UsageError
    from anyres_agent.agent.config import ConfigError, load_settings

    overrides = {
        "env": getattr(args, "env", None),
        "url": getattr(args, "url", None),
        "model": getattr(args, "model", None),
        "endpoint": getattr(args, "endpoint", None),
        "family": getattr(args, "family", None),
        "max_steps": getattr(args, "max_steps", None),
        "max_seconds": getattr(args, "max_seconds", None),
        "max_tokens": getattr(args, "max_tokens", None),
        "history_images": getattr(args, "history_images", None),
        "min_pixels": getattr(args, "min_pixels", None),
        "max_pixels": getattr(args, "max_pixels", None),
        "record_dir": getattr(args, "record", None),
        "allow_domains": getattr(args, "allow_domains", None),
        "headed": getattr(args, "headed", None),
        "display": getattr(args, "display", None),
        "monitor": getattr(args, "monitor", None),
        "serial": getattr(args, "serial", None),
        "adb_host": getattr(args, "adb_host", None),
        "adb_port": getattr(args, "adb_port", None),
        "gym_env": getattr(args, "gym_env", None),
        "secrets_file": getattr(args, "secrets", None),
        "confirm": "approve" if getattr(args, "yes", False) else None,
        **extra,
    }
    try:
        return load_settings(getattr(args, "config", None), overrides=overrides)
    except ConfigError as error:
        raise UsageError(str(error)) from None


# --- terminal faces of the loop: progress lines, confirmation prompt, Ctrl-C -------------------


def progress_printer(console: Console) -> Any:
    """One line per step (step, action, timings); the loop itself never prints."""
    from rich.markup import escape

    def show(event: StepEvent) -> None:
        if event.kind == "step":
            timings = event.data.get("timings", {})
            model, total = timings.get("model", 0.0), timings.get("total", 0.0)
            tokens = sum(event.data.get("tokens", {}).get(k, 0) for k in ("prompt", "completion"))
            console.print(
                f"[bold]step {event.step:>3}[/] {escape(event.message)}  [dim]model {model:.2f} s · "
                f"overhead {(total - model) * 1000:.0f} ms · {tokens} tokens[/]"
            )
        elif event.kind == "parse_error":
            console.print(f"  [yellow]could not parse the answer (fed back):[/] {escape(event.message)}")
        elif event.kind == "guard":
            console.print(f"  [magenta]guard:[/] {escape(event.message)}")
        elif event.kind == "run_started":
            console.print(f"[bold]task:[/] {escape(event.message)}")

    return show


def terminal_confirm(console: Console) -> Any:
    """Ask on the terminal; with no terminal to ask on, decline and say how to approve."""
    import asyncio
    import sys

    from anyres_agent.agent.guards import Decision

    async def confirm(request: ConfirmationRequest) -> Decision:
        if not sys.stdin.isatty():
            return Decision.reject("no terminal to ask on (stdin is not a TTY); rerun with --yes to approve")
        return await asyncio.to_thread(_ask, console, request)

    return confirm


def _ask(console: Console, request: ConfirmationRequest) -> Decision:
    import json

    from rich.markup import escape
    from rich.prompt import Prompt

    from anyres_agent.agent.guards import Decision
    from anyres_agent.tools.schema import InvalidActionError, parse_action

    console.print(
        f"\n[bold red]Confirm step {request.step}:[/] {escape(request.description)}\n"
        f"  why: {escape(request.reason)}\n  thought: {escape(request.thought[:300])}"
    )
    choice = Prompt.ask(
        "Allow it? [y]es / [n]o / [e]dit", choices=["y", "n", "e"], default="n", console=console
    )
    if choice == "y":
        return Decision.approve()
    if choice == "e":
        text = Prompt.ask(
            'Replacement action as JSON, e.g. {"type": "click", "x": 10, "y": 20}', console=console
        )
        try:
            return Decision.edit(parse_action(json.loads(text)), "edited on the terminal")
        except (ValueError, InvalidActionError) as error:
            console.print(f"[red]not a valid action ({escape(str(error))}); declining[/]")
            return Decision.reject("the user's replacement was invalid")
    return Decision.reject(Prompt.ask("Note for the model (optional)", default="", console=console))


async def run_with_interrupts(agent: Agent, task: str, console: Console) -> RunResult | None:
    """Run the agent; Ctrl-C once stops after the step, twice aborts. None when aborted."""
    import asyncio
    import contextlib
    import signal

    loop = asyncio.get_running_loop()
    runner = asyncio.ensure_future(agent.run(task))
    presses = 0

    def on_interrupt() -> None:
        nonlocal presses
        presses += 1
        if presses == 1:
            agent.request_stop()
            console.print("[yellow]Stopping after this step (Ctrl-C again to abort now)...[/]")
        else:
            runner.cancel()

    with contextlib.suppress(NotImplementedError, RuntimeError):  # no signal handlers on this platform
        loop.add_signal_handler(signal.SIGINT, on_interrupt)
    try:
        return await runner
    except asyncio.CancelledError:
        return None
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)


def print_result(console: Console, result: RunResult | None) -> int:
    from rich.markup import escape

    if result is None:
        console.print("[yellow]aborted[/]")
        return EXIT_INTERRUPTED
    color = {"success": "green", "failure": "red", "error": "red"}.get(result.status, "yellow")
    console.print(f"[bold {color}]{result.status}[/]: {escape(result.reason)}")
    if result.answer:
        console.print(f"[bold]answer:[/] {escape(result.answer)}")
    console.print(f"{result.steps} steps, {result.tokens} tokens, {result.seconds:.1f} s")
    if result.report is not None:
        console.print(f"report: {result.report}")
    if result.status == "success":
        return 0
    return EXIT_INTERRUPTED if "interrupted" in result.reason else 1


# --- environments --------------------------------------------------------------------------------


def environment_options(settings: Settings, url: str | None) -> dict[str, Any]:
    """The adapter options for `settings.run.env` (see environments.open_environment).

    Each device reads only its own settings, so one config file may hold several devices' options.
    The start page is the exception: dropping it silently would leave the user wondering, so a URL
    for a device that has no start page is an error.
    """
    from anyres_agent.agent.cli import UsageError

    run = settings.run
    if url is not None and run.env != "browser":
        raise UsageError(f"--url is a browser start page; the {run.env} environment has none")
    if run.env == "browser":
        domains = list(run.allow_domains)
        if domains and url and url.startswith("http://127.0.0.1"):
            domains.append("127.0.0.1")
        return {"url": url, "viewport": (run.width, run.height), "headless": not run.headed,
                "allowed_domains": domains or None}  # fmt: skip
    if run.env == "desktop":
        return {"display": run.display, "monitor": run.monitor}
    if run.env == "android":
        return {"serial": run.serial, "host": run.adb_host, "port": run.adb_port}
    if not run.gym_env:
        raise UsageError(
            "--env gym needs --gym-env ID, a Gymnasium env with discrete actions (FrozenLake-v1)"
        )
    return {"env": run.gym_env}


async def open_environment(settings: Settings, url: str | None) -> Any:
    """The device named by --env, started; browsers get the allow-list (plus the demo's loopback host).

    What the user can fix (no such monitor, serial or gym id; no display; a missing extra) is a
    one-line usage error, not a traceback.
    """
    from anyres_agent.agent.cli import UsageError
    from anyres_agent.environments import EnvironmentError_
    from anyres_agent.environments import open_environment as start

    kind = settings.run.env
    options = environment_options(settings, url)
    fixable: tuple[type[Exception], ...] = (ValueError, EnvironmentError_)
    try:
        if kind == "gym":
            import gymnasium.error

            fixable += (gymnasium.error.Error,)
        return await start(kind, **options)
    except ModuleNotFoundError as error:
        raise UsageError(
            f"the {kind} environment needs {error.name}, which is not installed: "
            f"pip install 'anyres-agent[{kind}]'"
        ) from None
    except fixable as error:
        raise UsageError(f"cannot open the {kind} environment: {' '.join(str(error).split())}") from None


def run(args: argparse.Namespace) -> int:
    import asyncio
    import time
    from pathlib import Path

    from rich.console import Console

    from anyres_agent.agent.cli import UsageError
    from anyres_agent.agent.secrets import SecretError, SecretStore

    settings = settings_from_args(args)
    if settings.agent.record_dir is None:
        settings.agent.record_dir = Path("runs") / time.strftime("%Y%m%d-%H%M%S")
    try:
        secrets = SecretStore.load(file=settings.agent.secrets_file)
        secrets.require(args.task)
    except SecretError as error:
        raise UsageError(str(error)) from None
    environment_options(settings, settings.run.url)  # bad device options fail before the model loads
    check_model_input(settings)
    console = Console(stderr=True, highlight=False)
    return asyncio.run(_main(args.task, settings, secrets, console))


def model_options(settings: Settings) -> dict[str, Any]:
    """What the settings say about the model besides its name: the server, family and pixel budget."""
    return {
        "endpoint": settings.run.endpoint,
        "family": settings.run.family,
        "min_pixels": settings.agent.min_pixels,
        "max_pixels": settings.agent.max_pixels,
    }


def check_model_input(settings: Settings) -> None:
    """--model, --family and the pixel budget as one usage error, before anything starts or prints.

    Resolving is cheap (no torch, no network); missing weights are not decided here but where the
    model loads, which prints the ways forward.
    """
    from anyres_agent.agent.cli import UsageError
    from anyres_agent.model.backends import BackendError, ModelSpecError, resolve_model

    try:
        resolve_model(settings.run.model, **model_options(settings))
    except ModelSpecError as error:
        raise UsageError(str(error)) from None
    except BackendError:
        pass  # told where the model loads, with the ways forward


async def _main(task: str, settings: Settings, secrets: Any, console: Console) -> int:
    import asyncio

    from anyres_agent.agent.api import Agent
    from anyres_agent.agent.cli import UsageError
    from anyres_agent.agent.demo_site import serve_demo_site
    from anyres_agent.model.backends import BackendError, ModelSpecError, open_backend

    site = serve_demo_site() if settings.run.url == "demo" else None
    url = site.url if site is not None else settings.run.url
    env = backend = None
    # The device starts while the model loads (a browser launch and the client's imports overlap);
    # the model's verdict still comes first: when it cannot load, the device is closed unused.
    starting = asyncio.ensure_future(open_environment(settings, url))
    try:
        console.print("[dim]loading the model...[/]")
        try:
            backend, spec = await asyncio.to_thread(
                open_backend, settings.run.model, **model_options(settings)
            )
        except ModelSpecError as error:
            raise UsageError(str(error)) from None
        except BackendError as error:  # ModelUnavailableError: one paragraph with the ways forward
            console.print(str(error), markup=False, highlight=False, soft_wrap=True)
            return 1
        env = await starting
        config = settings.agent.model_copy(
            update={"min_pixels": spec.min_pixels, "max_pixels": spec.max_pixels}
        )
        agent = Agent(
            env, backend, spec.family, config, confirm=terminal_confirm(console), secrets=secrets,
            on_event=progress_printer(console), settings=spec.settings, model_name=spec.source,
        )  # fmt: skip
        return print_result(console, await run_with_interrupts(agent, task, console))
    finally:
        if backend is not None:
            await backend.aclose()
        if env is None:
            env = await _discard(starting)
        if env is not None:
            await env.close()
        if site is not None:
            site.close()


async def _discard(starting: asyncio.Future[Any]) -> Any:
    """The device being started when the run ended early: the device if it came up (to be closed),
    else None; its own error is not the one to report then."""
    import contextlib

    if not starting.done():
        starting.cancel()
    with contextlib.suppress(BaseException):
        return await starting
    return None
