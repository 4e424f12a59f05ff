"""`agent parse`: read one model answer the way the loop would and print the actions it means.

A quick way to see where a Qwen2.5-VL click lands on a 4K screen, or what a DPR-2 browser does to a
UI-TARS answer, without running a model: the same family parser, frame and bounds checks as `run`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys

from anyres_agent.agent.cli import UsageError

HELP = "parse a model answer into screen-space actions (JSON), for a family and a screen size"
_SIZE = re.compile(r"^\s*(\d+)\s*[xX×,]\s*(\d+)\s*$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--family", required=True, help="qwen2vl, qwen25vl, uitars, uitars15, showui or qwen3vl"
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
        "--clamp", action="store_true", help="clamp off-screen coordinates instead of failing"
    )
    parser.add_argument("--grounding", action="store_true", help="read a grounding answer: print one box")
    parser.add_argument("text", metavar="TEXT", help="the model's answer ('-' reads standard input)")


def _size(value: str, flag: str) -> tuple[int, int]:
    match = _SIZE.match(value)
    if not match or int(match.group(1)) <= 0 or int(match.group(2)) <= 0:
        raise UsageError(f"{flag} must look like 1920x1080, got {value!r}")
    return int(match.group(1)), int(match.group(2))


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
    text = sys.stdin.read() if args.text == "-" else args.text
    try:
        frame = family.frame(
            screen=screen, image=image, min_pixels=args.min_pixels, max_pixels=args.max_pixels
        )
        if args.grounding:
            box = family.parse_grounding(text, frame, clamp=args.clamp)
            print(json.dumps(box.model_dump()))
            return 0
        parsed = family.parse(text, frame, clamp=args.clamp)
    except (ParseError, FrameError) as error:
        raise UsageError(" ".join(str(error).split())) from None
    print(json.dumps([action.model_dump(mode="json") for action in parsed.actions], ensure_ascii=False))
    return 0
