"""Who answers during a study: a real model (usually one OpenAI-compatible server shared by every
worker, behind a global cap on requests in flight) or one of the harness stand-ins (oracle, random).

`ModelChoice` is plain data, so a Ray actor can open the same provider on its own machine.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from anyres_agent.agent.eval.oracle import MiniWoBOracle, RandomClicker
from anyres_agent.agent.eval.protocol import ModelRecord
from anyres_agent.model.backends import ScriptedBackend, open_backend
from anyres_agent.model.backends.base import Backend
from anyres_agent.model.conversation import ModelReply, ModelRequest
from anyres_agent.model.families import get_family

STAND_INS = ("oracle", "random")
DEFAULT_STAND_IN_FAMILY = "qwen25vl"


class ModelChoice(BaseModel):
    """What `--model/--endpoint/--family/--server` asked for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str | None = Field(None, description="preset, hub id or served name; 'oracle' or 'random'")
    endpoint: str | None = None
    family: str | None = None
    server: str = "auto"
    min_pixels: int | None = None
    max_pixels: int | None = None

    @property
    def stand_in(self) -> bool:
        return self.model in STAND_INS

    @property
    def local_weights(self) -> bool:
        """One model loaded in this process: it answers one request at a time."""
        return not self.stand_in and not self.endpoint


class CappedBackend:
    """A backend shared by all workers, with at most `limit` requests in flight at once.

    Time spent waiting for a slot counts as model time in the episode: it is what a worker would wait
    for a busy server too."""

    def __init__(self, backend: Backend, limit: asyncio.Semaphore) -> None:
        self.inner = backend
        self.limit = limit
        self.name = getattr(backend, "name", type(backend).__name__)
        self.model = getattr(backend, "model", "")
        self.spec = getattr(backend, "spec", None)

    async def complete(self, request: ModelRequest) -> ModelReply:
        async with self.limit:
            return await self.inner.complete(request)

    async def aclose(self) -> None:
        return None  # the provider owns the shared backend


class ModelProvider:
    """Hands each episode its backend and describes the model for study.json."""

    def __init__(self, choice: ModelChoice, *, max_inflight: int = 1) -> None:
        self.choice = choice
        self.family = get_family(choice.family or DEFAULT_STAND_IN_FAMILY) if choice.stand_in else None
        self._shared: Backend | None = None
        self._spec: Any = None
        self._limit = max(1, max_inflight)
        self._semaphore: asyncio.Semaphore | None = None

    def open(self) -> None:
        """Resolve and open the real model (no-op for stand-ins); raises ModelSpecError/BackendError."""
        if self.choice.stand_in or self._shared is not None:
            return
        backend, spec = open_backend(
            self.choice.model,
            endpoint=self.choice.endpoint,
            family=self.choice.family,
            server=self.choice.server,
            min_pixels=self.choice.min_pixels,
            max_pixels=self.choice.max_pixels,
        )
        self._shared, self._spec = backend, spec
        self.family = get_family(spec.family)

    def record(self) -> ModelRecord:
        spec = self._spec
        family = self.family.name if self.family is not None else (self.choice.family or "")
        return ModelRecord(
            model=self.choice.model
            if self.choice.stand_in
            else (spec.source if spec else self.choice.model or ""),
            endpoint=self.choice.endpoint,
            family=family,
            min_pixels=spec.min_pixels if spec else self.choice.min_pixels,
            max_pixels=spec.max_pixels if spec else self.choice.max_pixels,
            server_profile=getattr(self._shared, "server", None) if self.choice.endpoint else None,
            stand_in=self.choice.stand_in,
        )

    def backend_for(self, env: Any, task: str, seed: int) -> Backend:
        """The backend one episode talks to (shared and capped for a real model)."""
        assert self.family is not None, "open() the provider first"
        if self.choice.model == "oracle":
            return ScriptedBackend(MiniWoBOracle(env, task, self.family), model="oracle")
        if self.choice.model == "random":
            return ScriptedBackend(RandomClicker(self.family, f"{task}@{seed}"), model="random")
        assert self._shared is not None, "open() the provider first"
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self._limit)
        return CappedBackend(self._shared, self._semaphore)

    async def aclose(self) -> None:
        if self._shared is not None:
            await self._shared.aclose()
            self._shared = None
