"""`agent demo`: the whole loop on the bundled demo site with a SCRIPTED model, no GPU needed.

Two scenarios: booking the cheapest flight on the demo airline (the default, from the shop's front
page through search, date picker, results, passenger form and confirmation), or signing up in the
shop. The answers come from a script that reads the page (agent.demo_site.flight_script and
.script), written in the chosen family's real output format; parser, frames, guards, Chromium,
trajectory and report are the real ones. Everything it prints and writes says it was scripted.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from anyres_agent.agent.config import Settings

HELP = "watch the full loop on the bundled demo site with a scripted model (no GPU, no weights)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scenario", choices=["flight", "signup"], default="flight",
        help="book a flight on the demo airline (default) or sign up in the demo shop",
    )  # fmt: skip
    parser.add_argument(
        "--family", default="qwen25vl", help="answer format to script (qwen2vl, qwen25vl, uitars15...)"
    )
    parser.add_argument("--record", metavar="DIR", help="trajectory folder (default runs/demo-<time>)")
    parser.add_argument("--headed", action="store_true", default=None, help="show the browser window")
    parser.add_argument("--config", metavar="FILE", help="TOML/YAML settings (see `agent run`)")


def run(args: argparse.Namespace) -> int:
    import asyncio
    import time
    from pathlib import Path

    from rich.console import Console

    from anyres_agent.agent.cli.run import settings_from_args

    settings = settings_from_args(args, confirm="ask")
    if settings.agent.record_dir is None:
        settings.agent.record_dir = Path("runs") / time.strftime("demo-%Y%m%d-%H%M%S")
    console = Console(stderr=True, highlight=False)
    return asyncio.run(_main(args.family, args.scenario, settings, console))


async def _main(family_name: str, scenario: str, settings: Settings, console: Console) -> int:
    from anyres_agent.agent.api import Agent
    from anyres_agent.agent.cli import UsageError
    from anyres_agent.agent.cli.run import (
        open_environment,
        print_result,
        progress_printer,
        run_with_interrupts,
        terminal_confirm,
    )
    from anyres_agent.agent.demo_site import serve_demo_site
    from anyres_agent.agent.demo_site.flight_script import FlightScript
    from anyres_agent.agent.demo_site.page_script import PageScript
    from anyres_agent.agent.demo_site.script import DemoScript
    from anyres_agent.model.backends import ScriptedBackend
    from anyres_agent.model.families import get_family

    try:
        family = get_family(family_name)
    except ValueError as error:
        raise UsageError(str(error)) from None
    console.print(
        "[bold yellow]SCRIPTED DEMO:[/] the answers come from a script that reads the page, written in the "
        f"{family.name} output format. No model is running; everything else is real."
    )
    browser_settings = settings.model_copy(update={"run": settings.run.model_copy(update={"env": "browser"})})
    with serve_demo_site() as site:
        env = await open_environment(browser_settings, site.url)
        try:
            script: PageScript = (
                FlightScript(env, family) if scenario == "flight" else DemoScript(env, family)
            )
            backend = ScriptedBackend(script, model="demo-script")
            agent = Agent(
                env, backend, family, settings.agent, confirm=terminal_confirm(console),
                on_event=progress_printer(console), scripted=True,
            )  # fmt: skip
            return print_result(console, await run_with_interrupts(agent, script.task, console))
        finally:
            await env.close()
