"""A stand-in for a served model (vLLM's OpenAI-compatible API) for the step benchmarks: a separate
process on 127.0.0.1 that answers chat completions after a fixed "compute" time and measures, per
request, the time it held the request (that is model time; everything else a step takes is the
client's). Standard library only: the peer benchmark's virtualenv runs it too.

    python fake_model_server.py --latency 0.3 --answers answers.json      (a JSON list, cycled)
    python fake_model_server.py --latency 0.3 --browser-use "Toggle A,Toggle B"

It prints `PORT <n>` once listening. GET /stats returns, per request in order: the seconds it held it,
its body size, an estimate of its prompt tokens, and how many of those tokens are a byte-identical
prefix of the next request (what a prefix cache would reuse). POST /reset forgets them.

Token estimate: an image counts (w/28)*(h/28) tokens (its size read from the PNG or JPEG header), text
4 characters a token; each message starts with a role mark, as a chat template renders it.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import re
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CHARS_PER_TOKEN = 4


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG IHDR or a JPEG SOF marker; (0, 0) when neither is found."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return struct.unpack(">II", data[16:24])
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return 0, 0


def units(messages: list[dict[str, Any]]) -> list[tuple[Any, float]]:
    """A prompt as a prefix cache sees it: (unit, tokens) with role marks, text characters and images."""
    out: list[tuple[Any, float]] = []
    for message in messages:
        out.append((("role", message.get("role")), 1.0))
        content = message.get("content")
        parts = [{"type": "text", "text": content}] if isinstance(content, str) else content or []
        for part in parts:
            if part.get("type") == "text":
                out.extend((c, 1 / CHARS_PER_TOKEN) for c in part.get("text", ""))
            elif part.get("type") == "image_url":
                url = part["image_url"]["url"]
                digest = hashlib.sha1(url.encode()).hexdigest()
                head = base64.b64decode(url.split(",", 1)[1][:4096] + "==", validate=False)
                width, height = image_size(head)
                out.append((("image", digest), max(1.0, (width / 28) * (height / 28))))
    return out


def common_tokens(a: list[tuple[Any, float]], b: list[tuple[Any, float]]) -> float:
    total = 0.0
    for (x, weight), (y, _) in zip(a, b, strict=False):
        if x != y:
            break
        total += weight
    return total


class State:
    def __init__(self, latency: float, answers: list[str] | None, labels: list[str] | None) -> None:
        self.latency, self.answers, self.labels = latency, answers, labels
        self.lock = threading.Lock()
        self.count = 0
        self.records: list[dict[str, Any]] = []
        self.previous: list[tuple[Any, float]] | None = None

    def answer(self, body: dict[str, Any]) -> str:
        index = self.count
        self.count += 1
        if self.answers is not None:
            return self.answers[index % len(self.answers)]
        assert self.labels is not None
        return browser_use_answer(body, self.labels[index % len(self.labels)])


def browser_use_answer(body: dict[str, Any], label: str) -> str:
    """browser-use's structured output: click the element whose text is `label`, found by the index
    browser-use gave it in the newest element list (`[189]<button id=a />` then `Toggle A`)."""
    text = ""
    for message in body["messages"]:
        content = message.get("content")
        if message.get("role") != "user":
            continue
        if isinstance(content, str):
            text += content
        else:
            text += "".join(p.get("text", "") for p in content if p.get("type") == "text")
    index = None
    for match in re.finditer(r"\[(\d+)\]<[^>]*>\s*([^\n<\[]*)", text):
        if label in match.group(2) or label in match.group(0):
            index = int(match.group(1))
    action: dict[str, Any] = {"click": {"index": index}} if index is not None else {"wait": {"seconds": 0}}
    return json.dumps(
        {
            "thinking": f"Click {label}.",
            "evaluation_previous_goal": "The last click changed the panel.",
            "memory": "Clicking the toggles in turn.",
            "next_goal": f"Click {label}.",
            "action": [action],
        }
    )


def serve(state: State) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # as uvicorn (vLLM) does: no Nagle delay, or a reply in two writes waits 40 ms for an ACK
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, *args: object) -> None:
            return None

        def do_GET(self) -> None:
            if self.path.endswith("/models"):
                self._send({"object": "list", "data": [{"id": "served", "owned_by": "vllm"}]})
            elif self.path == "/stats":
                with state.lock:
                    self._send({"requests": state.records})
            else:
                self._send({"error": "not found"}, 404)

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            raw = self.rfile.read(length)
            received = time.perf_counter()
            if self.path == "/sink":  # the benchmark's bare-transport probe: answered at once
                self._send({"ok": True})
                return
            if self.path == "/reset":
                with state.lock:
                    state.records, state.previous, state.count = [], None, 0
                self._send({"ok": True})
                return
            body = json.loads(raw)
            if os.environ.get("FAKE_MODEL_DUMP"):  # debugging: each request's text, images left out
                with open(f"{os.environ['FAKE_MODEL_DUMP']}/{state.count:03d}.json", "w") as dump:
                    json.dump(body, dump, default=str, indent=1)
            with state.lock:
                text = state.answer(body)
                prompt = units(body.get("messages", []))
                if state.previous is not None and state.records:
                    state.records[-1]["reused_tokens"] = common_tokens(state.previous, prompt)
                state.previous = prompt
                tokens = sum(weight for _, weight in prompt)
                state.records.append(
                    {"bytes": length, "prompt_tokens": tokens, "reused_tokens": None, "answer": text[-120:]}
                )
                record = state.records[-1]
            time.sleep(state.latency)  # the model's compute
            record["server_s"] = time.perf_counter() - received  # until the answer leaves
            self._send(
                {
                    "id": f"chatcmpl-{len(state.records)}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "served"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": round(tokens),
                        "completion_tokens": len(text) // CHARS_PER_TOKEN,
                        "total_tokens": round(tokens) + len(text) // CHARS_PER_TOKEN,
                    },
                }
            )

        def _send(self, payload: dict[str, Any], code: int = 200) -> None:
            data = json.dumps(payload).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self._headers_buffer.append(b"\r\n" + data)  # headers and body in one write
            self.flush_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    return server


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--latency", type=float, default=0.3, help="seconds of simulated model compute")
    parser.add_argument("--answers", help="a JSON file holding a list of answer texts, cycled")
    parser.add_argument("--browser-use", dest="labels", help="comma-separated element texts to click, cycled")
    args = parser.parse_args()
    answers = json.loads(Path(args.answers).read_text(encoding="utf-8")) if args.answers else None
    labels = args.labels.split(",") if args.labels else None
    if (answers is None) == (labels is None):
        parser.error("give exactly one of --answers and --browser-use")
    server = serve(State(args.latency, answers, labels))
    print(f"PORT {server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever(poll_interval=0.05)


if __name__ == "__main__":
    main()
