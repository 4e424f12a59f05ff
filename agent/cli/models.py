"""`agent models`: the model presets, which one is the default, and whether a local copy exists."""

from __future__ import annotations

import argparse

HELP = "list the model presets (hub id, family, pixel budget, settings) and mark the default"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON instead of a table")
    parser.add_argument(
        "--resolve",
        metavar="MODEL",
        help="show what --model MODEL resolves to (preset, local folder or hub id) without loading it",
    )


def run(args: argparse.Namespace) -> int:
    import json

    from anyres_agent.agent.cli import UsageError
    from anyres_agent.model.backends.spec import (
        ModelSpecError,
        ModelUnavailableError,
        cached_file,
        resolve_model,
    )
    from anyres_agent.model.presets import DEFAULT_PRESET, PRESETS

    if args.resolve:
        try:
            spec = resolve_model(args.resolve)
        except (ModelSpecError, ModelUnavailableError) as error:
            raise UsageError(str(error)) from None
        print(spec.model_dump_json(indent=2) if args.json else _describe(spec.model_dump()))
        return 0

    rows = []
    for preset in PRESETS.values():
        local = any(cached_file(hub_id, "config.json") for hub_id in preset.hub_ids())
        rows.append(
            {
                **preset.model_dump(),
                "weights_gb": preset.weights_gb,
                "default": preset.name == DEFAULT_PRESET,
                "in_hub_cache": local,
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    _print_table(rows)
    return 0


def _print_table(rows: list[dict]) -> None:
    import sys

    from rich.console import Console
    from rich.table import Table

    from anyres_agent.model.families import get_family

    table = Table(title="Model presets (--model NAME)", show_lines=False)
    for column in ("preset", "hub id", "family", "image tokens", "bf16 GB", "settings", "cached"):
        table.add_column(column, no_wrap=column in ("preset", "hub id"))
    for row in rows:
        settings = row["settings"]
        knobs = ["greedy" if settings["temperature"] == 0 else f"T={settings['temperature']}"]
        knobs.append(f"<={settings['max_new_tokens']} tok")
        if settings["repetition_penalty"] != 1.0:
            knobs.append(f"rep {settings['repetition_penalty']:g}")
        if settings["frequency_penalty"]:
            knobs.append(f"freq {settings['frequency_penalty']:g}")
        factor = get_family(row["family"]).factor  # image tokens are (side / factor) squared
        tokens = f"{row['min_pixels'] // factor**2:,}-{row['max_pixels'] // factor**2:,}"
        name = f"{row['name']} *" if row["default"] else row["name"]
        table.add_row(
            name,
            row["hub_id"],
            row["family"],
            tokens,
            f"{row['weights_gb']:.1f}",
            ", ".join(knobs),
            "yes" if row["in_hub_cache"] else "-",
        )
    console = Console(width=None if sys.stdout.isatty() else 140)  # pipes and logs get the full table
    console.print(table)
    console.print(
        "* the default. Also accepted: a local folder with the weights, or any hub id. "
        "With --endpoint, --model names what the server serves (a preset name sends its hub id)."
    )


def _describe(spec: dict) -> str:
    return "\n".join(f"{key}: {value}" for key, value in spec.items())
