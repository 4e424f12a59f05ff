"""`agent doctor`: how far from its target does a click land on this setup?

Shows calibration targets (a page in the browser, or a window on the X desktop), aims at each one
the way a perfect model would through the chosen family's text, frame and pixel budget, and reads
where the click really landed. With --endpoint it also asks the server whether it resizes images
again (by its own token counts). Prints the error per target, the DPR, the frame sizes and a
diagnosis. Exit status: 0 when every click lands within tolerance, 1 when not, 2 for bad input.

    agent doctor                                   # browser, 1288x728, DPR 1, the default model
    agent doctor --dpr 2 --family qwen25vl          # a HiDPI page
    agent doctor --endpoint http://host:8000/v1 --model ui-tars-1.5-7b
    agent doctor --env desktop --display :0
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image
    from rich.console import Console

    from anyres_agent.agent.doctor.check import DoctorReport
    from anyres_agent.agent.doctor.probe import ProbeResult
    from anyres_agent.model.backends import Backend
    from anyres_agent.model.backends.spec import ModelSpec
    from anyres_agent.model.frame import Fit, Frame

HELP = "measure click error on your setup: calibration targets, the model's frame, the server's resize"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from anyres_agent.agent.cli.model_options import add_model_arguments

    parser.add_argument("--env", choices=["browser", "desktop"], default="browser", help="where to calibrate")
    add_model_arguments(parser)
    parser.add_argument("--viewport", help="browser: CSS viewport WxH (agent run's default, 1288x728)")
    parser.add_argument(
        "--image-fit", choices=["pad", "resize"],
        help="how the screenshot becomes the model's image, as AgentConfig.image_fit (default pad)",
    )  # fmt: skip
    parser.add_argument("--dpr", type=float, default=1.0, help="browser: device pixel ratio (1)")
    parser.add_argument(
        "--assume-screen", metavar="WxH",
        help="the screen size your setup is configured with, when it does not measure it (default: measured)",
    )  # fmt: skip
    parser.add_argument("--display", help="desktop: the X display (default $DISPLAY)")
    parser.add_argument("--headed", action="store_true", help="browser: show the window")
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")


def _size(text: str, flag: str) -> tuple[int, int]:
    from anyres_agent.agent.cli import UsageError

    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UsageError(f"{flag} must look like 1280x720, got {text!r}") from None
    if width < 100 or height < 100:
        raise UsageError(f"{flag} must be at least 100x100, got {text}")
    return width, height


def run(args: argparse.Namespace) -> int:
    import asyncio

    from rich.console import Console

    from anyres_agent.agent.cli import UsageError
    from anyres_agent.agent.config import AgentConfig, RunSettings
    from anyres_agent.environments.base import EnvironmentError_
    from anyres_agent.model.backends import BackendError, ModelSpecError, open_backend, resolve_model

    defaults = RunSettings()
    viewport = _size(args.viewport, "--viewport") if args.viewport else (defaults.width, defaults.height)
    fit = args.image_fit or AgentConfig().image_fit
    assume = _size(args.assume_screen, "--assume-screen") if args.assume_screen else None
    if not 0 < args.dpr <= 4:
        raise UsageError("--dpr must be between 0 and 4")
    backend: Backend | None = None
    try:
        if args.endpoint:  # opened as `agent run` and `agent eval` open it: the budget the server keeps
            backend, spec = open_backend(
                args.model, endpoint=args.endpoint, server=args.server, family=args.family,
                min_pixels=args.min_pixels, max_pixels=args.max_pixels,
            )  # fmt: skip
        else:  # the frame needs only the spec: no weights load
            spec = resolve_model(
                args.model, family=args.family, min_pixels=args.min_pixels, max_pixels=args.max_pixels
            )
    except ModelSpecError as error:  # an unknown model or --server, a bad address
        raise UsageError(str(error)) from None
    console = Console(stderr=True, highlight=False)
    try:
        report = asyncio.run(_main(args, spec, backend, viewport, assume, fit))
    except (EnvironmentError_, BackendError, RuntimeError) as error:
        raise UsageError(" ".join(str(error).split())) from None
    if args.json:
        print(report.model_dump_json(indent=1))
    else:
        show(console, report)
    return 0 if report.ok else 1


async def _main(
    args: argparse.Namespace,
    spec: ModelSpec,
    backend: Backend | None,
    viewport: tuple[int, int],
    assume: tuple[int, int] | None,
    fit: Fit,
) -> DoctorReport:
    from anyres_agent.agent.doctor.check import measure
    from anyres_agent.agent.doctor.probe import probe_server
    from anyres_agent.agent.doctor.surfaces import BrowserSurface, DesktopSurface, Surface
    from anyres_agent.agent.doctor.targets import target_specs
    from anyres_agent.model.families import get_family

    family = get_family(spec.family)
    specs = target_specs()
    surface: Surface | None = None
    try:
        if args.env == "browser":
            surface = await BrowserSurface.open(
                specs, viewport=viewport, dpr=args.dpr, headless=not args.headed
            )
        else:
            surface = await DesktopSurface.open(specs, display=args.display)

        async def probe(frame: Frame, screenshot: Image.Image) -> ProbeResult:
            return await probe_server(backend, frame, screenshot, spec.min_pixels, spec.max_pixels)

        report = await measure(
            surface, family, specs, min_pixels=spec.min_pixels, max_pixels=spec.max_pixels, model=spec.source,
            assume_screen=assume, probe=probe if backend is not None else None, image_fit=fit,
        )  # fmt: skip
        if backend is not None:
            report.server_profile = getattr(backend, "server", None)
        return report
    finally:
        if surface is not None:
            await surface.close()
        if backend is not None:
            await backend.aclose()


def show(console: Console, report: DoctorReport) -> None:
    from rich.markup import escape
    from rich.table import Table

    console.print(
        f"[bold]{report.env}[/] with [bold]{report.family}[/] ({report.space} coordinates, "
        f"model {report.model})",
        soft_wrap=True,
    )
    dpr = f"measured DPR {report.measured_dpr:g} (image {report.image[0]}x{report.image[1]} / screen "
    dpr += f"{report.screen[0]}x{report.screen[1]})"
    if report.true_dpr is not None:
        dpr += f", the browser's devicePixelRatio {report.true_dpr:g}"
    console.print(dpr, soft_wrap=True)
    console.print(
        f"frames: the client sends {report.resized[0]}x{report.resized[1]} ({report.image_fit}; pixel budget "
        f"{report.min_pixels:,}-{report.max_pixels:,}); the model sees {report.seen[0]}x{report.seen[1]}; "
        f"one model unit = {report.model_unit_px:g} screen px",
        soft_wrap=True,
    )
    probe = report.probe
    if report.server_profile:
        console.print(f"server profile: {report.server_profile}", soft_wrap=True)
    if probe is None:
        console.print("server resize: not probed (pass --endpoint to ask the server)", soft_wrap=True)
    elif probe.resized is None:
        console.print(f"server resize: {probe.note}", soft_wrap=True)
    else:
        verdict = "[red]yes[/]" if probe.resized else "[green]no[/]"
        console.print(
            f"server resizes images again: {verdict} (expected {probe.expected_tokens} image tokens for "
            f"{probe.sent[0]}x{probe.sent[1]}, the server counted {probe.counted_tokens})",
            soft_wrap=True,
        )
    table = Table(title="clicks (screen px)")
    wide = console.width >= 120
    for column in ("#", "target", "clicked", "landed", "error px", *(["model text"] if wide else [])):
        table.add_column(column, justify="right" if column in ("#", "error px") else "left", no_wrap=True)
    for row in report.rows:
        error = "—" if row.error_px is None else f"{row.error_px:g}"
        bad = row.error_px is None or row.error_px > report.tolerance_px
        table.add_row(
            str(row.index), f"{row.target[0]:g},{row.target[1]:g}",
            f"{row.aimed[0]},{row.aimed[1]}" if row.aimed else "—",
            f"{row.landed[0]:g},{row.landed[1]:g}" if row.landed else escape(row.problem.split(":")[0]),
            f"[red]{error}[/]" if bad else f"[green]{error}[/]",
            *([escape(_short(row.model_text))] if wide else []),
        )  # fmt: skip
    if not wide and report.rows:
        console.print(
            f"model text, target 0: {escape(' '.join(report.rows[0].model_text.split()))}", soft_wrap=True
        )
    console.print(table)
    for line in report.diagnosis:
        console.print(
            ("[green]" if line.startswith("OK") else "[yellow]") + escape(line) + "[/]", soft_wrap=True
        )


def _short(text: str) -> str:
    """The end of the model's text, where the coordinates are (wrapping tags and prefixes trimmed)."""
    flat = (
        " ".join(text.split())
        .removeprefix("Action: ")
        .removeprefix("<tool_call> ")
        .removesuffix(" </tool_call>")
    )
    return flat if len(flat) <= 44 else "…" + flat[-43:]
