"""`agent run`: a task on a real screen with a real model, live progress, a trajectory and a report.

Exit status: 0 only when the model declared success; 1 when it did not (or the model cannot be
loaded: one paragraph says the two ways forward); 2 for bad input; 130 after Ctrl-C. The first
Ctrl-C stops after the current step (recorded, report written); a second one aborts.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from agent.api import Agent, RunResult
    from agent.config import Settings
    from agent.guards import ConfirmationRequest, Decision
    from agent.loop import StepEvent

HELP = "run a task on a screen (browser, desktop, phone, gym) with a vision-language model"
EXIT_INTERRUPTED = 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", required=True, help="what to do; {{secret:NAME}} placeholders allowed")
    parser.add_argument("--env", choices=["browser", "desktop", "android", "gym"], help="device (browser)")
    parser.add_argument("--url", help="start page; 'demo' serves the bundled demo site on loopback")
    parser.add_argument("--model", help="a preset name, a hub id or a local folder (default preset)")
    parser.add_argument(
        "--endpoint", help="an OpenAI-compatible server (vLLM, SGLang...), e.g. http://host:8000/v1"
    )
    parser.add_argument(
        "--family", help="model family when it cannot be inferred (qwen2vl, qwen25vl, uitars15...)"
    )
    parser.add_argument("--max-steps", type=int, help="step budget (30)")
    parser.add_argument("--max-seconds", type=float, help="wall-time budget in seconds (900)")
    parser.add_argument("--max-tokens", type=int, help="token budget (1,000,000)")
    parser.add_argument("--history-images", type=int, help="past screenshots kept in the prompt (2)")
    parser.add_argument("--record", metavar="DIR", help="trajectory folder (default runs/<time>)")
    parser.add_argument(
        "--allow-domain", action="append", dest="allow_domains", metavar="D", help="repeatable"
    )
    parser.add_argument("--headed", action="store_true", default=None, help="show the browser window")
    parser.add_argument("--yes", action="store_true", help="approve risky actions without asking")
    parser.add_argument("--secrets", metavar="FILE", help=".env-style or JSON file of secret values")
    parser.add_argument("--config", metavar="FILE", help="TOML/YAML settings; precedence: CLI > env > file")


def settings_from_args(args: argparse.Namespace, **extra: Any) -> Settings:
    """CLI flags over ANYRES_* variables over the --config file over defaults."""
    from agent.cli import UsageError
    from agent.config import ConfigError, load_settings

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
        "record_dir": getattr(args, "record", None),
        "allow_domains": getattr(args, "allow_domains", None),
        "headed": getattr(args, "headed", None),
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

    from agent.guards import Decision

    async def confirm(request: ConfirmationRequest) -> Decision:
        if not sys.stdin.isatty():
            return Decision.reject("no terminal to ask on (stdin is not a TTY); rerun with --yes to approve")
        return await asyncio.to_thread(_ask, console, request)

    return confirm


def _ask(console: Console, request: ConfirmationRequest) -> Decision:
    import json

    from rich.markup import escape
    from rich.prompt import Prompt

    from agent.guards import Decision
    from tools.schema import InvalidActionError, parse_action

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


async def open_environment(settings: Settings, url: str | None) -> Any:
    """The device named by --env, started; browsers get the allow-list (plus the demo's loopback host)."""
    import importlib

    from agent.cli import UsageError

    run = settings.run
    if run.env == "browser":
        from environments.browser import BrowserEnvironment

        domains = list(run.allow_domains)
        if domains and url and url.startswith("http://127.0.0.1"):
            domains.append("127.0.0.1")
        return await BrowserEnvironment.launch(
            url, viewport=(run.width, run.height), headless=not run.headed, allowed_domains=domains or None
        )
    try:
        module = importlib.import_module(f"environments.{run.env}")
    except ModuleNotFoundError:
        raise UsageError(f"the {run.env} environment is not available in this installation") from None
    opener = getattr(module, "open_environment", None)
    if opener is None:
        raise UsageError(f"environments.{run.env} offers no open_environment(); use the Python API for now")
    return await opener(url=url, headed=run.headed, size=(run.width, run.height))


def run(args: argparse.Namespace) -> int:
    import asyncio
    import time
    from pathlib import Path

    from rich.console import Console

    from agent.cli import UsageError
    from agent.secrets import SecretError, SecretStore

    settings = settings_from_args(args)
    if settings.agent.record_dir is None:
        settings.agent.record_dir = Path("runs") / time.strftime("%Y%m%d-%H%M%S")
    try:
        secrets = SecretStore.load(file=settings.agent.secrets_file)
        secrets.require(args.task)
    except SecretError as error:
        raise UsageError(str(error)) from None
    console = Console(stderr=True, highlight=False)
    return asyncio.run(_main(args.task, settings, secrets, console))


async def _main(task: str, settings: Settings, secrets: Any, console: Console) -> int:
    import asyncio

    from agent.api import Agent
    from agent.cli import UsageError
    from agent.demo_site import serve_demo_site
    from model.backends import BackendError, ModelSpecError, open_backend

    site = serve_demo_site() if settings.run.url == "demo" else None
    url = site.url if site is not None else settings.run.url
    env = backend = None
    try:
        console.print("[dim]loading the model...[/]")
        try:  # the model first: when weights are missing, say so before starting any device
            backend, spec = await asyncio.to_thread(
                open_backend,
                settings.run.model,
                endpoint=settings.run.endpoint,
                family=settings.run.family,
                min_pixels=settings.agent.min_pixels,
                max_pixels=settings.agent.max_pixels,
            )
        except ModelSpecError as error:
            raise UsageError(str(error)) from None
        except BackendError as error:  # ModelUnavailableError: one paragraph with the ways forward
            console.print(str(error), markup=False, highlight=False, soft_wrap=True)
            return 1
        env = await open_environment(settings, url)
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
        if env is not None:
            await env.close()
        if site is not None:
            site.close()
