"""Clicks land where the model meant, checked without the code under test doing the arithmetic.

The other end-to-end tests script answers with the family's own `render`, which inverts `parse`
through the same `Frame`: a frame bug on both sides would cancel out. Here the scripted "model" looks
at the image it was really sent, finds the button's pixels in it, and writes their centre in its
family's literal output format and coordinate convention, the way a real model reads the picture.
Whether the screenshot reached it as captured, padded onto the 28/32-px grid or resampled, the
click must land on the button; the page records where each click landed.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
from agent_fakes import Run
from PIL import Image

from anyres_agent.agent.api import Agent
from anyres_agent.agent.config import AgentConfig
from anyres_agent.environments.browser import BrowserEnvironment
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.model.conversation import ModelRequest, pixels
from anyres_agent.model.families import get_family

PAGE = """<!doctype html><html><body style="margin:0;background:#f0f0f0">
<button id="target" style="position:absolute; left:{left}px; top:{top}px; width:90px; height:40px;
 background:#ff00ff; border:none; padding:0; margin:0"></button>
<script>
window.hits = [];
document.addEventListener('click', e => window.hits.push([e.clientX, e.clientY, e.target.id]));
</script></body></html>"""

# (viewport, DPR, max_pixels): on the 28-px grid (sent as captured); off it (padded); HiDPI padded;
# HiDPI shrunk by a small budget (resampled); a phone-like portrait viewport at DPR 3, 1,280 tokens.
CASES = [
    ((1288, 728), 1.0, 12_845_056),
    ((1280, 720), 1.0, 12_845_056),
    ((1366, 768), 1.0, 12_845_056),
    ((1280, 720), 2.0, 12_845_056),
    ((1280, 720), 2.0, 1_003_520),
    ((412, 915), 3.0, 1_003_520),
]
FAMILIES = ["qwen25vl", "qwen2vl", "qwen3vl", "uitars", "uitars15", "showui"]


def _answer(family: str, x: float, y: float) -> str:
    """The literal text each family's model writes for a click at model-space (x, y)."""
    if family in ("qwen25vl", "qwen3vl"):
        return (
            '<tool_call>\n{"name": "computer_use", "arguments": '
            f'{{"action": "left_click", "coordinate": [{round(x)}, {round(y)}]}}}}\n</tool_call>'
        )
    if family == "qwen2vl":
        return f'✿FUNCTION✿: click\n✿ARGS✿: {{"point": "<|box_start|>({round(x)},{round(y)})<|box_end|>"}}'
    if family == "uitars":
        return (
            f"Thought: Click Go.\nAction: click(start_box='<|box_start|>({round(x)},{round(y)})<|box_end|>')"
        )
    if family == "uitars15":
        return f"Thought: Click Go.\nAction: click(point='<point>{round(x)} {round(y)}</point>')"
    if family == "showui":
        return f"{{'action': 'CLICK', 'value': None, 'position': [{x:.4f}, {y:.4f}]}}"
    raise AssertionError(family)


def _magenta_centre(image: Image.Image) -> tuple[float, float]:
    """The centre of the button's pixels in the image as sent (pixel centres, so +0.5)."""
    red, green, blue = image.convert("RGB").split()
    mask = Image.merge(
        "RGB",
        (
            red.point(lambda v: 255 if v > 200 else 0),
            green.point(lambda v: 255 if v < 60 else 0),
            blue.point(lambda v: 255 if v > 200 else 0),
        ),
    ).convert("L")
    box = mask.point(lambda v: 255 if v == 255 else 0).getbbox()
    assert box is not None, "the button is not in the image the model was sent"
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def _model_point(family: str, centre: tuple[float, float], sent: tuple[int, int]) -> tuple[float, float]:
    """Where a model sees a point of the image it was given, in its own numbers."""
    fx, fy = centre[0] / sent[0], centre[1] / sent[1]  # the whole image it was given
    if family in ("qwen25vl", "uitars15"):  # absolute pixels of that image
        return centre
    if family in ("qwen2vl", "uitars", "qwen3vl"):  # 0-1000 of the whole image
        return fx * 1000, fy * 1000
    return fx, fy  # showui: 0-1


def _finish(family_name: str) -> str:
    return {
        "qwen25vl": '<tool_call>\n{"name": "computer_use", "arguments": {"action": "terminate", '
        '"status": "success"}}\n</tool_call>',
        "qwen3vl": '<tool_call>\n{"name": "computer_use", "arguments": {"action": "terminate", '
        '"status": "success"}}\n</tool_call>',
        "qwen2vl": "✿FUNCTION✿: finish\n✿ARGS✿: {}",
        "uitars": "Thought: Done.\nAction: finished()",
        "uitars15": "Thought: Done.\nAction: finished(content='clicked')",
        "showui": "{'action': 'ANSWER', 'value': 'clicked', 'position': None}",
    }[family_name]


@pytest.mark.parametrize("fit", ["pad", "resize"])
@pytest.mark.parametrize("family_name", FAMILIES)
@pytest.mark.parametrize(("viewport", "dpr", "max_pixels"), CASES)
def test_a_click_read_off_the_sent_image_lands_on_the_button(
    family_name: str,
    viewport: tuple[int, int],
    dpr: float,
    max_pixels: int,
    fit: str,
    arun: Run,
    chromium: Any,
) -> None:
    left, top = viewport[0] - 150, viewport[1] - 100  # near the far corner, where scale errors show most
    url = "data:text/html," + urllib.parse.quote(PAGE.format(left=left, top=top))
    centre = (left + 45, top + 20)
    sent: list[Image.Image] = []
    factor = get_family(family_name).factor
    budget = max(max_pixels, 65_536) if factor == 32 else max_pixels  # Qwen3-VL's min is 65,536

    def model(request: ModelRequest) -> str:
        if sent:
            return _finish(family_name)
        image = pixels(request.images()[-1])  # what really goes to the model
        sent.append(image)
        return _answer(family_name, *_model_point(family_name, _magenta_centre(image), image.size))

    async def scenario() -> list[list[Any]]:
        env = await BrowserEnvironment.from_browser(chromium, url, viewport=viewport, dpr=dpr)
        try:
            config = AgentConfig(max_steps=3, max_pixels=budget, report=False, image_fit=fit)  # type: ignore[arg-type]
            await Agent(env, ScriptedBackend(model), get_family(family_name), config).run("Click Go.")
            return await env.page.evaluate("window.hits")
        finally:
            await env.close()

    hits = arun(scenario())
    assert hits, "no click reached the page"
    x, y, target = hits[0]
    assert target == "target", f"clicked ({x}, {y}) instead of the button centred at {centre}"
    assert abs(x - centre[0]) <= 2 and abs(y - centre[1]) <= 2
    # the image sent is one the model's processor keeps as it is: on the grid, within the budget
    width, height = sent[0].size
    assert width * height <= budget and width % factor == 0 and height % factor == 0
    physical = (round(viewport[0] * dpr), round(viewport[1] * dpr))
    if fit == "pad" and width * height <= budget and width >= physical[0] and height >= physical[1]:
        # padded or as captured: the screenshot's own pixels, unscaled, at the top-left
        assert width - physical[0] < factor and height - physical[1] < factor
