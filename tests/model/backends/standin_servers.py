"""Loopback stand-ins for the servers the profiles describe: each resizes the image it receives the way
that server does, then answers like Qwen2.5-VL would, from the image it really received.

The "model" finds the red target in the received image and clicks its centre in that image's pixels
(Qwen2.5-VL's coordinates are pixels of the image it saw). If the server shrank the image behind the
client's back, the client reads those pixels in the wrong frame and the click misses.

How each one resizes (the sources are in model/backends/servers.py):
- vllm: to the request's `mm_processor_kwargs`, else to its server-wide budget; this one stands for a
  server started with `--mm-processor-kwargs '{"max_pixels": 1003520}'`, a common deployment;
- sglang: to SGLANG_IMAGE_MAX_PIXELS (default 16384*28*28), whatever the request says;
- ollama: to its Qwen2.5-VL processor's 28*28*1280 pixels, bilinear;
- dashscope: to 1,280 tokens, or 16,384 with `vl_high_resolution_images`, and within a part's max_pixels;
- openrouter: to whatever its upstream does; this one's upstream caps images at 1,280 tokens;
- generic: not at all.
"""

from __future__ import annotations

import base64
import io
import json
from http.server import BaseHTTPRequestHandler
from typing import Any

from fake_openai_server import FakeOpenAIServer, send_json
from PIL import Image

from anyres_agent.model.frame import smart_resize

TOKEN = 28 * 28
VLLM_SERVER_MAX_PIXELS = 1280 * TOKEN
SGLANG_MAX_PIXELS = 16384 * TOKEN
OLLAMA_MAX_PIXELS = 1280 * TOKEN
DASHSCOPE_DEFAULT_TOKENS, DASHSCOPE_HIGH_TOKENS = 1280, 16384
OPENROUTER_UPSTREAM_TOKENS = 1280
OWNERS = {
    "vllm": "vllm",
    "sglang": "sglang",
    "ollama": "library",
    "dashscope": "system",
    "openrouter": "qwen",
}


def budget(kind: str, body: dict[str, Any], part: dict[str, Any]) -> tuple[int, int] | None:
    """(min, max) pixels this server resizes an image part to, or None where it keeps it."""
    if kind == "vllm":
        kwargs = body.get("mm_processor_kwargs") or {}
        return kwargs.get("min_pixels", 3136), kwargs.get("max_pixels", VLLM_SERVER_MAX_PIXELS)
    if kind == "sglang":
        return 4 * TOKEN, SGLANG_MAX_PIXELS
    if kind == "ollama":
        return 56 * 56, OLLAMA_MAX_PIXELS
    if kind == "dashscope":
        tokens = DASHSCOPE_HIGH_TOKENS if body.get("vl_high_resolution_images") else DASHSCOPE_DEFAULT_TOKENS
        return part.get("min_pixels", 4 * TOKEN), min(tokens * TOKEN, part.get("max_pixels", tokens * TOKEN))
    if kind == "openrouter":
        return 4 * TOKEN, OPENROUTER_UPSTREAM_TOKENS * TOKEN
    return None


def received(kind: str, body: dict[str, Any]) -> Image.Image:
    """The last image of the request, as this server would show it to the model."""
    parts = [p for m in body["messages"] if isinstance(m["content"], list) for p in m["content"]]
    part = [p for p in parts if p.get("type") == "image_url"][-1]
    payload = part["image_url"]["url"].partition(",")[2]
    image = Image.open(io.BytesIO(base64.b64decode(payload))).convert("RGB")
    limits = budget(kind, body, part)
    if limits is None:
        return image
    height, width = smart_resize(image.height, image.width, 28, *limits)
    if (width, height) == image.size:
        return image
    resample = Image.Resampling.BILINEAR if kind == "ollama" else Image.Resampling.BICUBIC
    return image.resize((width, height), resample)


def red_centre(image: Image.Image) -> tuple[int, int]:
    """The centre of the pure-red target, in this image's pixels."""
    red = image.point(lambda v: 255 if v > 200 else 0).split()[0]
    not_green = image.split()[1].point(lambda v: 255 if v < 80 else 0)
    mask = Image.composite(red, Image.new("L", image.size, 0), not_green)
    box = mask.getbbox()
    assert box is not None, "the target did not survive the resize"
    return round((box[0] + box[2] - 1) / 2), round((box[1] + box[3] - 1) / 2)


class StandInServer(FakeOpenAIServer):
    """One stand-in on 127.0.0.1 (the fake server's address and lifecycle, its own answers); `seen`
    records the size of each image the "model" was shown."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.seen: list[tuple[int, int]] = []
        self.bodies: list[dict[str, Any]] = []
        super().__init__(owned_by=OWNERS.get(kind, "organization-owner"))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_GET(self) -> None:
                send_json(
                    self, 200, {"object": "list", "data": [{"id": "served", "owned_by": server.owned_by}]}
                )

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                image = received(server.kind, body)
                server.bodies.append(body)
                server.seen.append(image.size)
                x, y = red_centre(image)
                call = {"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [x, y]}}
                text = f"<tool_call>\n{json.dumps(call)}\n</tool_call>"
                choice = {"index": 0, "message": {"role": "assistant", "content": text}}
                send_json(self, 200, {"id": "c1", "object": "chat.completion", "choices": [choice]})

        return Handler
