"""The one backend protocol: a conversation in, the model's raw text with its costs out."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from anyres_agent.model.conversation import ModelReply, ModelRequest


class BackendError(RuntimeError):
    """A backend could not answer (model missing, server down after retries); the message says what to do."""


@runtime_checkable
class Backend(Protocol):
    name: str

    async def complete(self, request: ModelRequest) -> ModelReply: ...

    async def aclose(self) -> None: ...
