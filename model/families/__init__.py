"""Model families: one module per family (prompt, parser, coordinate convention), found by name.

| family   | model space                         | answer format                                   |
|----------|-------------------------------------|-------------------------------------------------|
| qwen2vl  | 0-1000 of the whole image           | ✿FUNCTION✿/✿ARGS✿ calls, <|box_start|> boxes     |
| qwen25vl | pixels of the smart-resized image   | <tool_call> JSON (computer_use / mobile_use)    |
| uitars   | 0-1000                              | Thought:/Action: click(start_box='<|box_start|>(x,y)<|box_end|>') |
| uitars15 | pixels of the smart-resized image   | Thought:/Action: click(point='<point>x y</point>') |
| showui   | 0-1 fractions                       | {'action': 'CLICK', 'position': [x, y]}         |
| qwen3vl  | 0-1000 (computer_use), 0-999 (mobile_use); factor 32 | <tool_call> JSON               |
| osatlas  | 0-1000                              | actions:\nCLICK <point>[[x, y]]</point> (OS-Atlas-Pro) |

Each family's default prompt is its official template byte for byte (docs/models.md).
"""

# ruff: noqa: E501  (verbatim prompt and answer text reads better unwrapped)

from __future__ import annotations

import importlib

from anyres_agent.model.families.base import Family, HistoryStep
from anyres_agent.model.presets import FAMILY_NAMES


def get_family(name: str) -> Family:
    """The family registered under `name`; an unknown name raises ValueError listing the known ones."""
    key = name.strip().lower().replace("-", "").replace("_", "").replace(".", "")
    if key not in FAMILY_NAMES:
        raise ValueError(f"unknown model family {name!r}; known families: {', '.join(FAMILY_NAMES)}")
    module = importlib.import_module(f"anyres_agent.model.families.{key}")
    return module.FAMILY


__all__ = ["FAMILY_NAMES", "Family", "HistoryStep", "get_family"]
