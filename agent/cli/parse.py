"""`agent parse`: read one model answer the way the loop would and print the actions it means.

A quick way to see where a Qwen2.5-VL click lands on a 4K screen, or what a DPR-2 browser does to a
UI-TARS answer, without running a model: the same family parser, frame and bounds checks as `run`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from anyres_agent.agent.cli import UsageError

HELP = "parse a model answer into screen-space actions (JSON), for a family and a screen size"
_SIZE = re.compile(r"^\s*(\d+)\s*[xX×,]\s*(\d+)\s*$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--family", required=True, help="qwen2vl, qwen25vl, uitars, uitars15, showui, qwen3vl or osatlas"
    )
    parser.add_argument("--screen", required=True, metavar="WxH", help="the screen space actions land in")
    parser.add_argument(
        "--image",
        metavar="WxH",
        help="size of the screenshot the model was given (default: the screen; twice it on a DPR-2 browser)",
    )
    parser.add_argument(
        "--min-pixels", type=int, metavar="N", help="the server's min_pixels (family default)"
    )
    parser.add_argument(
        "--max-pixels", type=int, metavar="N", help="the server's max_pixels (family default)"
    )
    parser.add_argument(
        "--server",
        help="a server profile (ollama, dashscope, ...): its image size limit caps the pixel budget",
    )
    parser.add_argument(
        "--cursor",
        metavar="X,Y",
        help="where the pointer is, in screen space (a Qwen left_click without a coordinate acts there)",
    )
    parser.add_argument(
        "--clamp", action="store_true", help="clamp off-screen coordinates instead of failing"
    )
    parser.add_argument("--grounding", action="store_true", help="read a grounding answer: print one box")
    parser.add_argument("text", metavar="TEXT", help="the model's answer ('-' reads standard input)")


def _size(value: str, flag: str, *, zero: bool = False) -> tuple[int, int]:
    """Two numbers from '1920x1080' (or '640,360'); zero allowed for a point (`zero`), not a size."""
    match = _SIZE.match(value)
    lowest = 0 if zero else 1
    if not match or int(match.group(1)) < lowest or int(match.group(2)) < lowest:
        example = "640,360" if zero else "1920x1080"
        raise UsageError(f"{flag} must look like {example}, got {value!r}")
    return int(match.group(1)), int(match.group(2))


def _budget(args: argparse.Namespace, family: Any) -> tuple[int | None, int | None]:
    """--min/--max-pixels, lowered to what the --server profile keeps unchanged."""
    if not args.server:
        return args.min_pixels, args.max_pixels
    from anyres_agent.model.backends.servers import capped_budget, profile_named

    try:
        profile = profile_named(args.server)
    except ValueError as error:
        raise UsageError(str(error)) from None
    low = args.min_pixels or family.min_pixels
    return capped_budget(profile, family.factor, low, args.max_pixels or family.max_pixels)


def run(args: argparse.Namespace) -> int:
    from anyres_agent.model.answer import ParseError
    from anyres_agent.model.families import get_family
    from anyres_agent.model.frame import FrameError

    try:
        family = get_family(args.family)
    except ValueError as error:
        raise UsageError(str(error)) from None
    screen = _size(args.screen, "--screen")
    image = _size(args.image, "--image") if args.image else screen
    cursor = _size(args.cursor, "--cursor", zero=True) if args.cursor else None
    min_pixels, max_pixels = _budget(args, family)
    text = sys.stdin.read() if args.text == "-" else args.text
    try:
        frame = family.frame(screen=screen, image=image, min_pixels=min_pixels, max_pixels=max_pixels)
        if args.grounding:
            box = family.parse_grounding(text, frame, clamp=args.clamp)
            print(json.dumps(box.model_dump()))
            return 0
        parsed = family.parse(text, frame, clamp=args.clamp, cursor=cursor)
    except (ParseError, FrameError) as error:
        raise UsageError(" ".join(str(error).split())) from None
    print(json.dumps([action.model_dump(mode="json") for action in parsed.actions], ensure_ascii=False))
    return 0
