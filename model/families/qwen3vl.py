"""Qwen3-VL: Qwen2.5-VL's `<tool_call>` format, but relative coordinates and resize factor 32.

Which grid depends on the prompt, and each cookbook says which (QwenLM/Qwen3-VL):
- `computer_use.ipynb` declares "The screen's resolution is 1000x1000" and maps x / 1000 * width;
- `mobile_agent.ipynb` declares "999x999" and maps round(x / 999 * width) (`rescale_coordinates`).
So a computer_use answer is read on the 0-1000 grid and a mobile_use answer on the 0-999 grid.
Images go through `smart_resize(..., factor=32)` (patch 16 x merge 2). Checkpoint pixel budget from
Qwen3-VL's preprocessor_config.json: shortest_edge 65,536, longest_edge 16,777,216.
"""

from __future__ import annotations

from anyres_agent.model.families.toolcall import ToolCallFamily
from anyres_agent.model.families.toolschema import QWEN3_COMPUTER, QWEN3_MOBILE, OfficialTool
from anyres_agent.model.frame import QWEN3_FACTOR, QWEN3_MAX_PIXELS, QWEN3_MIN_PIXELS, Frame

MOBILE_GRID = 999
"""The mobile cookbook's grid: it declares a 999x999 screen and divides by 999."""


class Qwen3VL(ToolCallFamily):
    name = "qwen3vl"
    space = "norm1000"
    factor = QWEN3_FACTOR
    min_pixels = QWEN3_MIN_PIXELS
    max_pixels = QWEN3_MAX_PIXELS
    computer_tool = QWEN3_COMPUTER
    mobile_tool = QWEN3_MOBILE

    def declared_size(self, frame: Frame, tool: OfficialTool) -> tuple[int, int]:
        return (MOBILE_GRID, MOBILE_GRID) if tool is QWEN3_MOBILE else (1000, 1000)

    def answer_grid(self, tool_name: str) -> int | None:
        return MOBILE_GRID if tool_name == QWEN3_MOBILE.name else None


FAMILY = Qwen3VL()
