"""A stand-in model server for tests and benchmarks: OpenAI chat completions on 127.0.0.1, answering
from the page it is shown.

No model weights exist here, so the "model" is a function of the request: the decoded images, the
prompt text and the body. The oracle variant reads the live page's DOM through a side channel the
test hands it (`LivePages`: the browser environments the harness opened, registered as they open), and
writes its answer in a family's real output format. The usage it reports is computed like a Qwen
server's: image tokens from the size of each image *as the server sees it* (`server_max_pixels`
makes it resize images again, like a vLLM started with another budget) plus about a token per four
characters of text, so a client can detect a server that resizes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageStat

sys.path.append(str(Path(__file__).resolve().parent / "model" / "backends"))  # fake_openai_server
from fake_openai_server import send_json

from anyres_agent.model.backends.images import decode_data_url
from anyres_agent.model.frame import QWEN_FACTOR, Frame, smart_resize
from anyres_agent.model.frame import image_tokens as frame_image_tokens


@dataclass
class ChatRequest:
    """What the server received, decoded."""

    body: dict[str, Any]
    text: str
    images: list[Image.Image]


@dataclass
class StandInServer:
    """Serve `answer(request) -> text` until `close()`; every request is kept in `requests`."""

    answer: Callable[[ChatRequest], str]
    server_max_pixels: int | None = None
    factor: int = QWEN_FACTOR
    owned_by: str = "vllm"
    requests: list[ChatRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def seen_tokens(self, image: Image.Image) -> int:
        """Image tokens as this server counts them: after its own resize, when it has one."""
        height, width = image.height, image.width
        if self.server_max_pixels is not None:
            height, width = smart_resize(height, width, self.factor, self.factor**2, self.server_max_pixels)
        return frame_image_tokens(height, width, self.factor)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> StandInServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_GET(self) -> None:
                self._send(200, {"object": "list", "data": [{"id": "stand-in", "owned_by": server.owned_by}]})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                texts: list[str] = []
                images: list[Image.Image] = []
                for message in body.get("messages", []):
                    content = message.get("content")
                    parts = (
                        content if isinstance(content, list) else [{"type": "text", "text": content or ""}]
                    )
                    for part in parts:
                        if part.get("type") == "image_url":
                            images.append(decode_data_url(part["image_url"]["url"]))
                        else:
                            texts.append(str(part.get("text", "")))
                request = ChatRequest(body=body, text="\n".join(texts), images=images)
                server.requests.append(request)
                try:
                    text = server.answer(request)
                except Exception as error:  # the test's answer failed: a 500 the client will report
                    self._send(500, {"error": {"message": f"stand-in failed: {error}"}})
                    return
                prompt = sum(server.seen_tokens(i) for i in images) + math.ceil(len(request.text) / 4)
                self._send(200, {
                    "id": "chatcmpl-standin", "object": "chat.completion", "model": body.get("model"),
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
                    "usage": {"prompt_tokens": prompt, "completion_tokens": math.ceil(len(text) / 4),
                              "total_tokens": prompt + math.ceil(len(text) / 4)},
                })  # fmt: skip

            def _send(self, code: int, payload: dict[str, Any]) -> None:
                with contextlib.suppress(OSError):  # the client gave up before the answer
                    send_json(self, code, payload)

        return Handler


@dataclass
class LivePage:
    env: Any
    loop: asyncio.AbstractEventLoop


class LivePages:
    """The side channel: browser environments the harness opened, so the stand-in can read their DOM.

    `watch(monkeypatch)` wraps BrowserEnvironment.from_browser to register each environment as it
    opens (and forget it when it closes). The stand-in then finds the page a request shows: the one
    whose task text is in the prompt, and among several, the one whose screen matches the image."""

    def __init__(self) -> None:
        self.pages: list[LivePage] = []
        self._lock = threading.Lock()

    def watch(self, monkeypatch: Any) -> None:
        from anyres_agent.environments.browser import BrowserEnvironment

        original = BrowserEnvironment.from_browser.__func__  # type: ignore[attr-defined]
        pages = self

        async def from_browser(cls: Any, *args: Any, **kwargs: Any) -> Any:
            env = await original(cls, *args, **kwargs)
            live = LivePage(env, asyncio.get_running_loop())
            with pages._lock:
                pages.pages.append(live)
            close = env.close

            async def closing() -> None:
                with pages._lock:
                    if live in pages.pages:
                        pages.pages.remove(live)
                await close()

            env.close = closing
            return env

        monkeypatch.setattr(BrowserEnvironment, "from_browser", classmethod(from_browser))

    def run(self, page: LivePage, coroutine: Any, timeout: float = 30.0) -> Any:
        """Run a coroutine on the page's own event loop (Playwright objects belong to it)."""
        return asyncio.run_coroutine_threadsafe(coroutine, page.loop).result(timeout)

    def find(self, request: ChatRequest) -> LivePage:
        with self._lock:
            candidates = list(self.pages)
        if len(candidates) > 1:
            texts = {id(p): self._text(p) for p in candidates}
            candidates = [p for p in candidates if texts[id(p)] is not None]  # a page closing meanwhile
            matching = [p for p in candidates if _first_line(texts[id(p)] or "") in request.text]
            candidates = matching or candidates
        if len(candidates) > 1 and request.images:
            shown = request.images[-1].convert("RGB")
            candidates.sort(key=lambda p: self._distance(p, shown))
        if not candidates:
            raise RuntimeError("no live page to answer from")
        return candidates[0]

    def _text(self, page: LivePage) -> str | None:
        try:
            text: str = self.run(page, page.env.page.evaluate("() => document.body.innerText"))
            return text
        except Exception:  # closed, or navigating
            return None

    def _distance(self, page: LivePage, shown: Image.Image) -> float:
        """How far the page's screen now is from the image the request showed (inf once closed)."""
        import io

        try:
            png = self.run(page, page.env.page.screenshot())
        except Exception:
            return math.inf
        screen = Image.open(io.BytesIO(png)).convert("RGB").resize(shown.size, Image.Resampling.BICUBIC)
        return _difference(screen, shown)

    def frame(self, page: LivePage, family: Any, shown: Image.Image) -> Frame:
        """The frame of the image the server received: the page's CSS viewport is the screen, the
        page's device pixels the image, and the received size what the model saw. An image larger
        than the page's pixels is the screenshot unscaled on a padded canvas (its top-left part)."""
        screen = page.env.page.viewport_size
        dpr = self.run(page, page.env.page.evaluate("() => devicePixelRatio"))
        width, height = screen["width"], screen["height"]
        image_w, image_h = round(width * dpr), round(height * dpr)
        padded = shown.width >= image_w and shown.height >= image_h
        return Frame(
            family.space, width, height, image_w, image_h, shown.width, shown.height, family.factor,
            image_w if padded else shown.width, image_h if padded else shown.height,
        )  # fmt: skip


def _first_line(text: str) -> str:
    return " ".join(text.split("\n", 1)[0].split())


def _difference(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean)


def miniwob_oracle(pages: LivePages, family: Any) -> Callable[[ChatRequest], str]:
    """The oracle behind HTTP: finds the page the request shows and answers from its DOM."""
    from anyres_agent.agent.eval.oracle import MiniWoBOracle

    def answer(request: ChatRequest) -> str:
        page = pages.find(request)
        task = page.env.page.url.rsplit("/", 1)[-1].removesuffix(".html")
        actions, thought = pages.run(page, MiniWoBOracle(page.env, task, family).next_actions())
        return family.render(actions, pages.frame(page, family, request.images[-1]), thought=thought)

    return answer


@contextlib.contextmanager
def standin(answer: Callable[[ChatRequest], str], **options: Any) -> Iterator[StandInServer]:
    server = StandInServer(answer, **options)
    try:
        yield server
    finally:
        server.close()
