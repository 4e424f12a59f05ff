"""A backend that answers from a script: a list of raw model outputs, or a function of the request.

Tests, demos and replays run the real loop, parser and environment with it; only the model is
replaced. A callable receives the whole request, so a test can compute the right answer from the
page geometry it knows (and the frame in the request) instead of hard-coding pixels.
"""

from __future__ import annotations

import inspect
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence

from anyres_agent.model.backends.base import BackendError
from anyres_agent.model.backends.images import image_tokens
from anyres_agent.model.conversation import ModelReply, ModelRequest
from anyres_agent.model.frame import QWEN_FACTOR

ScriptSource = Sequence[str] | Callable[[ModelRequest], "str | Awaitable[str]"]

CHARS_PER_TOKEN = 4
"""A rough text-token estimate (English and code average about 4 characters per BPE token)."""


class ScriptedBackend:
    """Replays scripted answers; reports estimated tokens and real timings, labelled 'scripted'."""

    name = "scripted"

    def __init__(self, answers: ScriptSource, *, model: str = "scripted") -> None:
        self._answers: list[str] | None = None if callable(answers) else list(answers)
        self._function = answers if callable(answers) else None
        if self._answers is not None and not all(isinstance(a, str) for a in self._answers):
            raise TypeError("scripted answers must be strings (raw model output)")
        self.model = model
        self.calls: list[ModelRequest] = []
        """Every request received, in order, so tests can check what the model was shown."""

    @classmethod
    def from_trajectory(cls, raw_answers: Iterable[str], *, model: str = "replay") -> ScriptedBackend:
        """Replay a recorded run: the raw answers the model gave, step by step."""
        return cls(list(raw_answers), model=model)

    @property
    def remaining(self) -> int | None:
        """Answers left in a list script; None for a callable script (never runs out)."""
        return None if self._answers is None else len(self._answers) - len(self.calls)

    async def complete(self, request: ModelRequest) -> ModelReply:
        start = time.perf_counter()
        index = len(self.calls)
        self.calls.append(request)
        if self._function is not None:
            result = self._function(request)
            text = await result if inspect.isawaitable(result) else result
            if not isinstance(text, str):
                raise BackendError(
                    f"the scripted function returned {type(text).__name__}, not the model's text"
                )
        else:
            assert self._answers is not None
            if index >= len(self._answers):
                raise BackendError(
                    f"the scripted backend has no answer for call {index + 1}: the script holds "
                    f"{len(self._answers)} answer(s); add answers or stop the run earlier"
                )
            text = self._answers[index]
        factor = request.frame.factor if request.frame else QWEN_FACTOR
        images = sum(image_tokens(image, factor) for image in request.images())
        prompt_text = sum(len(m.plain_text()) for m in request.messages)
        elapsed = time.perf_counter() - start
        return ModelReply(
            text=text,
            prompt_tokens=images + _estimate_tokens(prompt_text),
            completion_tokens=_estimate_tokens(len(text)),
            image_tokens=images,
            timings={"generate": elapsed, "total": elapsed},
            backend=self.name,
            model=self.model,
        )

    async def aclose(self) -> None:
        return None

    def __repr__(self) -> str:
        left = "callable" if self._answers is None else f"{self.remaining} answer(s) left"
        return f"ScriptedBackend(model={self.model!r}, {left})"


def _estimate_tokens(chars: int) -> int:
    return math.ceil(chars / CHARS_PER_TOKEN)
