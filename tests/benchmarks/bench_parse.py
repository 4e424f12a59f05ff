"""Parse speed per family: median and max milliseconds on normal answers and on 1 MB answers.

Run: .venv/bin/python tests/benchmarks/bench_parse.py  (target: every parse under 10 ms)
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from anyres_agent.model.answer import ParseError
from anyres_agent.model.families import FAMILY_NAMES, get_family
from anyres_agent.tools import action_from_call

MEGABYTE = 1_000_000
SCRIPT = [
    action_from_call("click", {"x": 640, "y": 360}),
    action_from_call("type", {"text": "cheap flights to Lisbon\n"}),
    action_from_call("scroll", {"dy": 540}),
    action_from_call("key", {"keys": ["ctrl", "l"]}),
]
JUNK = {
    "prose": "I will look at the page again. " * (MEGABYTE // 31),
    "brackets": "{[(" * (MEGABYTE // 3),
    "escapes": '"\\' * (MEGABYTE // 2),
    "think tags": "<think>" * (MEGABYTE // 7),
}


def timed(call, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        with contextlib.suppress(ParseError):
            call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    print(f"{'family':10} {'answer':22} {'median ms':>10} {'max ms':>8}")
    worst = 0.0
    for name in FAMILY_NAMES:
        family = get_family(name)
        frame = family.frame(screen=(1920, 1080), image=(3840, 2160))
        normal = family.render(SCRIPT, frame, thought="The form is open; fill it and submit.")
        cases = {"normal (4 actions)": (normal, 300)}
        cases["1 MB thought + action"] = ("x" * MEGABYTE + "\n" + normal, 30)
        cases |= {f"1 MB {k}": (v, 30) for k, v in JUNK.items()}
        for label, (text, repeat) in cases.items():
            times = timed(lambda text=text, family=family, frame=frame: family.parse(text, frame), repeat)
            worst = max(worst, max(times))
            print(f"{name:10} {label:22} {statistics.median(times):10.3f} {max(times):8.3f}")
    print(f"worst single parse: {worst:.3f} ms (target < 10 ms)")


if __name__ == "__main__":
    main()
