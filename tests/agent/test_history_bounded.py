"""A past answer reaches later prompts in a bounded form: one huge answer must not make every later
request huge (before: a 10 MB answer was resent in full, so each later request grew past 10 MB).

The real OpenAI-compatible backend talks to a real loopback server, which records every body.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from agent_fakes import FakeScreen, Run

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "model" / "backends"))
from fake_openai_server import Behaviour, FakeOpenAIServer

from anyres_agent.agent.api import Agent
from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.history import ANSWER_CHARS
from anyres_agent.model.backends import open_backend
from anyres_agent.model.families import get_family

HUGE = 10_000_000
SENTINEL = "I keep thinking about it. "


def _click(x: int, y: int, thought: str = "Click it.") -> str:
    return (
        f'{thought}\n<tool_call>\n{{"name": "computer_use", "arguments": '
        f'{{"action": "left_click", "coordinate": [{x}, {y}]}}}}\n</tool_call>'
    )


def test_a_ten_megabyte_answer_does_not_inflate_later_requests(arun: Run) -> None:
    screen = FakeScreen({"a": (20, 20, 120, 60), "b": (200, 20, 300, 60)}, size=(644, 392))  # on the grid
    huge_thought = SENTINEL * (HUGE // len(SENTINEL))
    answers = [
        _click(70, 40, huge_thought),
        _click(250, 40),
        _click(70, 40),
        _click(250, 40),
        '<tool_call>\n{"name": "computer_use", "arguments": {"action": "terminate", "status": "success"}}\n'
        "</tool_call>",
    ]
    fake = FakeOpenAIServer(owned_by="vllm")
    fake.script = [Behaviour(text=text) for text in answers]

    async def scenario() -> str:
        backend = open_backend("qwen2.5-vl-7b", endpoint=fake.url)[0]
        try:
            config = AgentConfig(max_steps=8, report=False)
            result = await Agent(screen, backend, get_family("qwen25vl"), config).run("Press a, then b.")
            return result.status
        finally:
            await backend.aclose()

    with fake.running():
        status = arun(scenario())
    assert status == "success" and screen.pressed == ["a", "b", "a", "b"]  # the huge answer still ran
    sizes = [len(json.dumps(r.body)) for r in fake.requests]
    texts = [_text_chars(r.body) for r in fake.requests]
    assert len(sizes) == 5
    assert max(sizes[1:]) < 200_000, f"request sizes {sizes}: a past answer was resent in full"
    assert max(texts[1:]) < texts[0] + 2 * ANSWER_CHARS, f"prompt text sizes {texts}"
    for recorded in fake.requests[1:]:
        assert json.dumps(recorded.body).count(SENTINEL) < 200  # at most a capped excerpt of the thought


def _text_chars(body: dict[str, Any]) -> int:
    """Characters of text in a request's messages (images left out)."""
    total = 0
    for message in body["messages"]:
        content = message["content"]
        parts = [content] if isinstance(content, str) else [p.get("text", "") for p in content]
        total += sum(len(p) for p in parts)
    return total
