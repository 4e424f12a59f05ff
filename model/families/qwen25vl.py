"""Qwen2.5-VL: `<tool_call>` JSON; numbers are absolute pixels of the smart-resized screenshot.

The tool declares "The screen's resolution is {resized_w}x{resized_h}" (QwenLM/Qwen2.5-VL cookbook
`mobile_agent.ipynb`: a 1080x2400 screenshot is declared as 1092x2408), and the answer's pixels are
mapped back per axis: x / resized_w * screen_w. With max_pixels 1,003,520 a 3840x2160 screen is seen
at 1316x728, so reading these numbers as screen pixels would miss by about 3x.
Checkpoint defaults: min_pixels 3,136, max_pixels 12,845,056 (preprocessor_config.json).
The tools are the Qwen2.5-VL-era cookbook's computer_use and mobile_use (toolschema), whose clicks
take no coordinate: they act where mouse_move left the pointer.
"""

from __future__ import annotations

from anyres_agent.model.families.toolcall import ToolCallFamily
from anyres_agent.model.families.toolschema import QWEN25_COMPUTER, QWEN25_MOBILE, OfficialTool
from anyres_agent.model.frame import CHECKPOINT_MAX_PIXELS, CHECKPOINT_MIN_PIXELS, QWEN_FACTOR, Frame


class Qwen25VL(ToolCallFamily):
    name = "qwen25vl"
    space = "resized"
    factor = QWEN_FACTOR
    min_pixels = CHECKPOINT_MIN_PIXELS
    max_pixels = CHECKPOINT_MAX_PIXELS
    computer_tool = QWEN25_COMPUTER
    mobile_tool = QWEN25_MOBILE

    def declared_size(self, frame: Frame, tool: OfficialTool) -> tuple[int, int]:
        return frame.resized_width, frame.resized_height


FAMILY = Qwen25VL()
