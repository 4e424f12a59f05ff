"""Shared helpers for the family tests: frames by family name and the real-output fixtures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from anyres_agent.model.families import get_family
from anyres_agent.model.frame import Frame

FIXTURES = Path(__file__).parent / "fixtures"


def real_outputs(family: str) -> list[dict[str, Any]]:
    """Real answers quoted in model cards, papers, cookbooks and repos, each with its `source`."""
    cases = json.loads((FIXTURES / "real_outputs.json").read_text(encoding="utf-8"))
    return [c for c in cases if c["family"] == family]


def frame_for(
    family: str, screen: tuple[int, int], image: tuple[int, int] | None = None, **pixels: int
) -> Frame:
    return get_family(family).frame(screen=screen, image=image or screen, **pixels)


def dumps(actions: list[Any]) -> list[dict[str, Any]]:
    return [a.model_dump(mode="json") for a in actions]


def check_real_output(case: dict[str, Any]) -> None:
    """The family reads a quoted real answer into exactly the screen-space result written beside it."""
    family = get_family(case["family"])
    frame = frame_for(case["family"], tuple(case["screen"]))
    assert case["source"], "every real output names its source"
    if "resized" in case:
        assert [frame.resized_width, frame.resized_height] == case["resized"]
    if case["kind"] == "grounding":
        box = family.parse_grounding(case["text"], frame)
        assert [box.x1, box.y1, box.x2, box.y2] == case["box"]
    else:
        parsed = family.parse(case["text"], frame)
        assert dumps(parsed.actions) == case["actions"]
        assert parsed.thought == case.get("thought", "")
