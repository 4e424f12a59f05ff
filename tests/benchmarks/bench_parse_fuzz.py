"""Parser fuzz: 20,000 answers per family; prints the non-parse exceptions (target 0) and the slowest parse.

Run: .venv/bin/python tests/benchmarks/bench_parse_fuzz.py [answers per family] [seed]

Answers come from tests/model/parse_fuzz_inputs.py (free text, format-piece soup, mutations of real and
rendered answers, and the adversarial shapes: 30,000-digit numbers, 1e309, runaway boxes, 100 KB
answers). Each answer goes through parse and parse_grounding; anything raised other than ParseError is
counted and its first example printed. Times are this thread's CPU time (time.thread_time), so other
processes on a loaded machine do not inflate them; wall time is printed beside them. The floor is
the median parse of the same run, so "slowest / floor" says how far the worst input is from a normal one.
Target: 0 non-parse exceptions, slowest parse under 50 ms.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "model"))

from parse_fuzz_inputs import random_answer  # noqa: E402

from anyres_agent.model.answer import ParseError  # noqa: E402
from anyres_agent.model.families import FAMILY_NAMES, get_family  # noqa: E402

TARGET_MS = 50.0


def run_family(name: str, count: int, seed: int) -> tuple[list[float], list[float], list[str], str]:
    """(CPU ms per answer, wall ms per answer, crash descriptions, the slowest answer's head)."""
    family = get_family(name)
    frame = family.frame(screen=(1920, 1080), image=(3840, 2160))
    rng = random.Random(f"{seed}-{name}")
    cpu: list[float] = []
    wall: list[float] = []
    crashes: list[str] = []
    slowest = (0.0, "")
    for _ in range(count):
        text = random_answer(rng)
        cursor = (5, 7) if rng.random() < 0.5 else None
        clamp = rng.random() < 0.5
        start_cpu, start_wall = time.thread_time(), time.perf_counter()
        for grounding in (False, True):
            try:
                if grounding:
                    family.parse_grounding(text, frame, clamp=clamp)
                else:
                    family.parse(text, frame, clamp=clamp, cursor=cursor)
            except ParseError:
                pass
            except Exception:  # what this benchmark is here to find
                crashes.append(f"{traceback.format_exc(limit=3)}\ninput: {text[:200]!r}")
        used = (time.thread_time() - start_cpu) * 1000
        cpu.append(used)
        wall.append((time.perf_counter() - start_wall) * 1000)
        if used > slowest[0]:
            slowest = (used, text[:60])
    return cpu, wall, crashes, slowest[1]


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    print(f"{count:,} answers per family (parse + parse_grounding each), seed {seed}")
    header = [("crashes", 7), ("median ms", 9), ("p99 ms", 7), ("slowest ms", 10)]
    header += [("wall max", 8), ("x floor", 8)]
    print(f"{'family':9} " + " ".join(f"{label:>{width}}" for label, width in header))
    worst = 0.0
    total_crashes = 0
    for name in FAMILY_NAMES:
        cpu, wall, crashes, slowest_text = run_family(name, count, seed)
        floor = max(statistics.median(cpu), 1e-3)
        p99 = statistics.quantiles(cpu, n=100)[98]
        worst = max(worst, max(cpu))
        total_crashes += len(crashes)
        print(
            f"{name:9} {len(crashes):7d} {statistics.median(cpu):9.3f} {p99:7.3f} {max(cpu):10.3f} "
            f"{max(wall):8.2f} {max(cpu) / floor:8.0f}   slowest: {slowest_text!r}"
        )
        if crashes:
            print(crashes[0])
    verdict = "met" if total_crashes == 0 and worst < TARGET_MS else "MISSED"
    print(f"non-parse exceptions: {total_crashes} (target 0)")
    print(f"slowest parse: {worst:.3f} ms CPU (target < {TARGET_MS:g} ms): {verdict}")
    return 0 if verdict == "met" else 1


if __name__ == "__main__":
    sys.exit(main())
