"""Clicks land where the model meant, checked without the code under test doing the arithmetic.

The other end-to-end tests script answers with the family's own `render`, which inverts `parse`
through the same `Frame`: a frame bug on both sides would cancel out. Here the scripted "model"
writes its numbers by hand from what it was really sent (the size of the image in the request) and
the page's CSS geometry, the way a real model reads the picture, in each family's literal output
format. The page records where each click landed.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
from agent_fakes import Run

from anyres_agent.agent.api import Agent
from anyres_agent.agent.config import AgentConfig
from anyres_agent.environments.browser import BrowserEnvironment
from anyres_agent.model.backends import ScriptedBackend
from anyres_agent.model.conversation import ModelRequest, pixels
from anyres_agent.model.families import get_family

PAGE = """<!doctype html><html><body style="margin:0">
<button id="target" style="position:absolute; left:{left}px; top:{top}px; width:90px; height:40px">Go</button>
<script>
window.hits = [];
document.addEventListener('click', e => window.hits.push([e.clientX, e.clientY, e.target.id]));
</script></body></html>"""

# (viewport, DPR, max_pixels): 1x; HiDPI seen at its own size; HiDPI shrunk 2x by a small budget;
# a phone-like portrait viewport at DPR 3 under a 1,280-token budget.
CASES = [
    ((1280, 720), 1.0, 12_845_056),
    ((1280, 720), 2.0, 12_845_056),
    ((1280, 720), 2.0, 1_003_520),
    ((412, 915), 3.0, 1_003_520),
]


def _answer(family: str, x: float, y: float) -> str:
    """The literal text each family's model writes for a click at model-space (x, y)."""
    if family == "qwen25vl":
        return (
            '<tool_call>\n{"name": "computer_use", "arguments": '
            f'{{"action": "left_click", "coordinate": [{round(x)}, {round(y)}]}}}}\n</tool_call>'
        )
    if family == "qwen2vl":
        return f'✿FUNCTION✿: click\n✿ARGS✿: {{"point": "<|box_start|>({round(x)},{round(y)})<|box_end|>"}}'
    if family == "uitars15":
        return f"Thought: Click Go.\nAction: click(point='<point>{round(x)} {round(y)}</point>')"
    if family == "showui":
        return f"{{'action': 'CLICK', 'value': None, 'position': [{x:.4f}, {y:.4f}]}}"
    raise AssertionError(family)


def _model_point(family: str, css: tuple[float, float], viewport: tuple[int, int], sent: tuple[int, int]):
    """Where a model looking at an image of size `sent` sees the CSS point, in its own numbers."""
    fx, fy = css[0] / viewport[0], css[1] / viewport[1]  # the screenshot covers the viewport exactly
    if family in ("qwen25vl", "uitars15"):  # absolute pixels of the image it was given
        return fx * sent[0], fy * sent[1]
    if family == "qwen2vl":  # 0-1000 of the whole image
        return fx * 1000, fy * 1000
    return fx, fy  # showui: 0-1


@pytest.mark.parametrize("family_name", ["qwen25vl", "qwen2vl", "uitars15", "showui"])
@pytest.mark.parametrize(("viewport", "dpr", "max_pixels"), CASES)
def test_a_hand_written_click_lands_on_the_button(
    family_name: str,
    viewport: tuple[int, int],
    dpr: float,
    max_pixels: int,
    arun: Run,
    chromium: Any,
) -> None:
    left, top = viewport[0] - 150, viewport[1] - 100  # near the far corner, where scale errors show most
    url = "data:text/html," + urllib.parse.quote(PAGE.format(left=left, top=top))
    centre = (left + 45, top + 20)
    sent_sizes: list[tuple[int, int]] = []

    def model(request: ModelRequest) -> str:
        if sent_sizes:
            return "✿FUNCTION✿: finish\n✿ARGS✿: {}" if family_name == "qwen2vl" else _finish(family_name)
        image = pixels(request.images()[-1])  # what really goes to the model
        sent_sizes.append(image.size)
        return _answer(family_name, *_model_point(family_name, centre, viewport, image.size))

    async def scenario() -> list[list[Any]]:
        env = await BrowserEnvironment.from_browser(chromium, url, viewport=viewport, dpr=dpr, settle_s=0.0)
        try:
            config = AgentConfig(max_steps=3, max_pixels=max_pixels, report=False)
            await Agent(env, ScriptedBackend(model), get_family(family_name), config).run("Click Go.")
            return await env.page.evaluate("window.hits")
        finally:
            await env.close()

    hits = arun(scenario())
    assert hits, "no click reached the page"
    x, y, target = hits[0]
    assert target == "target", f"clicked ({x}, {y}) instead of the button centred at {centre}"
    assert abs(x - centre[0]) <= 3 and abs(y - centre[1]) <= 3
    # the image really was the screenshot resized to the budget (physical pixels, then smart_resize)
    width, height = sent_sizes[0]
    assert width * height <= max_pixels and width % 28 == 0 and height % 28 == 0
    assert abs(width / height - viewport[0] / viewport[1]) < 0.05


def _finish(family_name: str) -> str:
    return {
        "qwen25vl": '<tool_call>\n{"name": "computer_use", "arguments": {"action": "terminate", '
        '"status": "success"}}\n</tool_call>',
        "uitars15": "Thought: Done.\nAction: finished(content='clicked')",
        "showui": "{'action': 'ANSWER', 'value': 'clicked', 'position': None}",
    }[family_name]
