"""Qwen3-VL: Qwen2.5-VL's `<tool_call>` format, but coordinates are 0-1000 and the resize factor is 32.

The Qwen3-VL computer_use cookbook declares "The screen's resolution is 1000x1000" and maps
x / 1000 * width after `smart_resize(..., factor=32)` (patch 16 x merge 2). Checkpoint pixel budget
from Qwen3-VL's preprocessor_config.json: shortest_edge 65,536, longest_edge 16,777,216.
"""

from __future__ import annotations

from anyres_agent.model.families.toolcall import ToolCallFamily
from anyres_agent.model.frame import QWEN3_FACTOR, QWEN3_MAX_PIXELS, QWEN3_MIN_PIXELS, Frame


class Qwen3VL(ToolCallFamily):
    name = "qwen3vl"
    space = "norm1000"
    factor = QWEN3_FACTOR
    min_pixels = QWEN3_MIN_PIXELS
    max_pixels = QWEN3_MAX_PIXELS

    def declared_size(self, frame: Frame) -> tuple[int, int]:
        return 1000, 1000


FAMILY = Qwen3VL()
