"""Live device handles, kept outside the graph state and keyed by the graph's thread id.

A checkpoint must be plain data, but a run needs a browser, a model backend and a recorder. So the
graph stores only the serializable `RunState`, and each node asks the `SessionRegistry` for the live
`GuiSession` of its thread. The registry opens one on first use by calling your factory:

    async def open_session(thread_id: str) -> GuiSession:
        env = await BrowserEnvironment.launch("https://example.com")
        return GuiSession(env=env, backend=ScriptedBackend([...]), family="qwen25vl")

    registry = SessionRegistry(open_session)

After a process restart the new registry is empty, so the first node of the resumed run gets a fresh
device session from the factory; the run state from the checkpoint tells it where the run stood.
One thread drives one device: run one GUI run per thread at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from pydantic import ValidationError

from anyres_agent.agent.api import Agent
from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.guard_hooks import GuardLike
from anyres_agent.agent.loop import RunContext, RunState
from anyres_agent.agent.secrets import SecretStore
from anyres_agent.agent.state import call_maybe_async
from anyres_agent.model.backends.base import Backend
from anyres_agent.model.conversation import GenerationSettings
from anyres_agent.model.families.base import Family
from anyres_agent.tools import Tool, Toolbox
from anyres_agent.tools.schema import describe_validation_error

DEFAULT_THREAD = "default"


@dataclass
class LiveRun:
    """One run's live half: the `Agent` that builds and finalizes it, and its `RunContext`."""

    agent: Agent
    context: RunContext
    record_dir: Path | None


@dataclass
class GuiSession:
    """One device session: environment, model backend and family, plus the settings runs use.

    `owns_devices=True` (the default) closes the environment and the backend when the session closes;
    set it False when you lend them (e.g. a browser context your test closes itself). `on_close` runs
    after that, for anything else the factory started. Each run records into `config.record_dir /
    <run_id>` when a record_dir is set, so sub-runs of one job never overwrite each other.
    """

    env: Any
    backend: Backend
    family: Family | str
    config: AgentConfig = field(default_factory=AgentConfig)
    secrets: SecretStore | Mapping[str, str] | None = None
    settings: GenerationSettings | None = None
    model_name: str = ""
    owns_devices: bool = True
    on_close: Callable[[], Awaitable[None] | None] | None = None
    tools: Toolbox | Sequence[Tool] = ()
    """Custom tools the model may call (tools.custom)."""
    guards: Sequence[GuardLike] | None = None
    """The checks every planned action passes (agent.guard_hooks); None: the default list."""
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    """Unique per device session: a write-ahead claim from another session means a resumed run."""
    started: set[tuple[str, int]] = field(default_factory=set)
    """(run_id, step) whose actions this session began to run; never begun twice."""
    _runs: dict[str, LiveRun] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.secrets is None:
            self.secrets = SecretStore.load(file=self.config.secrets_file)
        elif not isinstance(self.secrets, SecretStore):
            self.secrets = SecretStore(self.secrets)

    def _agent(self, config: AgentConfig) -> Agent:
        assert isinstance(self.secrets, SecretStore)
        return Agent(
            self.env,
            self.backend,
            self.family,
            config,
            secrets=self.secrets,
            settings=self.settings,
            model_name=self.model_name,
            tools=self.tools,
            guards=self.guards,
        )

    def new_run(self, task: str) -> RunState:
        """A fresh run state for `task` (checks that every secret placeholder has a value)."""
        return self._agent(self.config).new_state(task)

    def live(self, run: RunState, overrides: Mapping[str, Any] | None = None) -> LiveRun:
        """The live half of `run`, built on first use (again after a resume: screenshots and the last
        observation are gone, which the loop handles). `overrides`: this run's settings (see
        `run_settings`), applied over the session's config."""
        found = self._runs.get(run.run_id)
        if found is None:
            base = self.config.record_dir
            record_dir = base / run.run_id if base is not None else None
            config = self.config.model_copy(update={**(overrides or {}), "record_dir": record_dir})
            agent = self._agent(config)
            found = LiveRun(agent=agent, context=agent.context(), record_dir=record_dir)
            self._runs[run.run_id] = found
        return found

    async def end_run(self, run_id: str) -> None:
        """Forget a finished run's live half, after its last screenshot reached the disk."""
        found = self._runs.pop(run_id, None)
        if found is not None:
            await found.context.flush()

    async def aclose(self) -> None:
        """Flush recordings, then close what the session owns; closing never raises."""
        for run_id in list(self._runs):
            with contextlib.suppress(Exception):  # a failed screenshot write must not keep the browser open
                await self.end_run(run_id)
        if self.owns_devices:
            for closer in (getattr(self.env, "close", None), getattr(self.backend, "aclose", None)):
                if closer is not None:
                    with contextlib.suppress(Exception):  # already gone
                        await call_maybe_async(closer)
        if self.on_close is not None:
            await call_maybe_async(self.on_close)


SessionFactory = Callable[[str], "GuiSession | Awaitable[GuiSession]"]


def thread_id_of(config: Mapping[str, Any] | None) -> str:
    """The graph's thread id from a node's config (`configurable.thread_id`), or 'default'."""
    configurable = (config or {}).get("configurable") or {}
    return str(configurable.get("thread_id") or DEFAULT_THREAD)


SERVER_SIDE = frozenset({"record_dir", "secrets_file", "min_pixels", "max_pixels"})
"""AgentConfig fields a run's config may not set: paths on the server, and the pixel budget that
must match the served model."""
RUN_SETTINGS = frozenset(AgentConfig.model_fields) - SERVER_SIDE
"""The settings a run may choose through its config (`configurable`): budgets, confirm, history..."""


def run_settings(config: Mapping[str, Any] | None, base: AgentConfig) -> dict[str, Any]:
    """This run's settings from the graph's config (`{"configurable": {"max_steps": 5}}`, as LangGraph
    Platform passes a run's or an assistant's config), validated against `base`; other keys of
    `configurable` are not ours and are left alone. A bad value raises ValueError naming it."""
    configurable = (config or {}).get("configurable") or {}
    chosen = {key: value for key, value in configurable.items() if key in RUN_SETTINGS}
    if not chosen:
        return {}
    try:
        checked = AgentConfig.model_validate({**base.model_dump(), **chosen})
    except ValidationError as error:
        raise ValueError(describe_validation_error(error, "run settings in the graph's config")) from None
    return {key: getattr(checked, key) for key in chosen}


class SessionRegistry:
    """Device sessions by thread id, opened on first use by `factory(thread_id)`.

    Use it as an async context manager (or call `aclose()`) so browsers close when you are done; the
    graphs close a thread's session themselves when its job ends (see `close_when_done`).
    """

    def __init__(self, factory: SessionFactory) -> None:
        self._factory = factory
        self._sessions: dict[str, GuiSession] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.opened = 0
        """How many sessions the factory has opened (a resumed run after a restart opens a new one)."""

    def __contains__(self, thread_id: object) -> bool:
        return thread_id in self._sessions

    def __len__(self) -> int:
        return len(self._sessions)

    async def get(self, thread_id: str) -> GuiSession:
        """The thread's session, opening one with the factory when there is none."""
        session = self._sessions.get(thread_id)
        if session is not None:
            return session
        lock = self._locks.setdefault(thread_id, asyncio.Lock())
        async with lock:
            session = self._sessions.get(thread_id)
            if session is None:
                session = await call_maybe_async(self._factory, thread_id)
                if not isinstance(session, GuiSession):
                    raise TypeError(
                        f"the session factory returned {type(session).__name__}; it must return a GuiSession"
                    )
                self._sessions[thread_id] = session
                self.opened += 1
        return session

    async def close(self, thread_id: str) -> None:
        """Close and forget the thread's session (a later node opens a fresh one)."""
        session = self._sessions.pop(thread_id, None)
        self._locks.pop(thread_id, None)
        if session is not None:
            await session.aclose()

    async def aclose(self) -> None:
        """Close every open session."""
        for thread_id in list(self._sessions):
            await self.close(thread_id)

    async def __aenter__(self) -> SessionRegistry:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()


def as_registry(sessions: SessionRegistry | SessionFactory) -> SessionRegistry:
    """Accept a registry or a bare factory wherever a graph needs sessions."""
    return sessions if isinstance(sessions, SessionRegistry) else SessionRegistry(sessions)


__all__ = [
    "DEFAULT_THREAD",
    "RUN_SETTINGS",
    "GuiSession",
    "LiveRun",
    "SessionFactory",
    "SessionRegistry",
    "as_registry",
    "run_settings",
    "thread_id_of",
]
