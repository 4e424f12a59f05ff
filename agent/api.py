"""The public Python API: `Agent(env, backend, family, config).run(task)` and a synchronous facade.

    agent = Agent(env, backend, "qwen25vl", AgentConfig(max_steps=20), confirm=my_callback)
    result = await agent.run("Sign up as Ada with {{secret:EMAIL}}")
    result.status, result.reason, result.answer, result.steps, result.record_dir

`run_sync` serves scripts: it creates the environment and backend inside its own event loop (they
are usually bound to one), runs the task and closes what it created.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.guard_hooks import GuardLike, as_guards
from anyres_agent.agent.loop import ConfirmCallback, EventCallback, RunContext, RunState, StepEvent, run_steps
from anyres_agent.agent.report import write_report
from anyres_agent.agent.secrets import SecretStore
from anyres_agent.agent.state import call_maybe_async
from anyres_agent.agent.trajectory import (
    RecordingError,
    RunRecord,
    RunStatus,
    TrajectoryError,
    TrajectoryRecorder,
)
from anyres_agent.environments.browser_page import as_environment, bridge_of
from anyres_agent.model.backends.base import Backend
from anyres_agent.model.conversation import GenerationSettings
from anyres_agent.model.families.base import Family
from anyres_agent.tools import Tool, Toolbox


class RunResult(BaseModel):
    """How a run ended. `status` is success only when the model declared success."""

    status: RunStatus
    reason: str = ""
    answer: str | None = None
    steps: int = 0
    tokens: int = 0
    seconds: float = 0.0
    record_dir: Path | None = None
    report: Path | None = None
    record_error: str | None = Field(None, description="what could not be written (disk full...)")
    state: RunState | None = Field(
        None, repr=False, description="the final run state (for resume or debugging)"
    )

    @property
    def ok(self) -> bool:
        return self.status == "success"


def _resolve_family(family: Family | str) -> Family:
    if not isinstance(family, str):
        return family
    from anyres_agent.model.families import get_family

    return get_family(family)


def _with_model_budget(config: AgentConfig, spec: Any) -> AgentConfig:
    """Frames must use the pixel budget the model (or its server) really uses, or every absolute
    coordinate lands in the wrong place; a budget set in the config wins, else the backend's."""
    update = {
        key: getattr(spec, key)
        for key in ("min_pixels", "max_pixels")
        if getattr(config, key) is None and getattr(spec, key, None) is not None
    }
    return config.model_copy(update=update) if update else config


class Agent:
    """One agent on one environment with one model. `run` may be called again for a new task."""

    def __init__(
        self,
        env: Any,
        backend: Backend,
        family: Family | str,
        config: AgentConfig | None = None,
        *,
        confirm: ConfirmCallback | None = None,
        secrets: SecretStore | dict[str, str] | None = None,
        on_event: EventCallback | None = None,
        settings: GenerationSettings | None = None,
        model_name: str = "",
        scripted: bool | None = None,
        tools: Toolbox | Sequence[Tool] = (),
        guards: Sequence[GuardLike] | None = None,
    ) -> None:
        """`env` may be an environment or your own Playwright Page / BrowserContext (sync or async; it
        is never closed by the agent). `tools`: custom tools the model may call (see tools.custom);
        `guards`: the checks every planned action passes (agent.guard_hooks; None: `default_guards()`)."""
        self.env = as_environment(env)
        self.backend = backend
        self.family = _resolve_family(family)
        self.tools = tools if isinstance(tools, Toolbox) else Toolbox(tools)
        if self.tools:
            self.family.check_tools(self.tools)
        self.guards = as_guards(guards)
        spec = getattr(backend, "spec", None)  # the model's own pixel budget and sampling settings
        self.config = _with_model_budget(config or AgentConfig(), spec)
        self.confirm = confirm
        if isinstance(secrets, dict):
            secrets = SecretStore(secrets)
        self.secrets = secrets if secrets is not None else SecretStore.load(file=self.config.secrets_file)
        self.on_event = on_event
        self.settings = settings or getattr(spec, "settings", None)
        self.model_name = model_name or getattr(backend, "model", "") or ""
        self.scripted = getattr(backend, "name", "") == "scripted" if scripted is None else scripted
        self._context: RunContext | None = None
        self._stop = False
        self.stop_reason = "interrupted by the user"
        """The reason a cancelled run records (the CLI names the signal that ended it)."""

    def request_stop(self) -> None:
        """Stop after the current step (the first Ctrl-C): the step is recorded, the report written."""
        self._stop = True
        if self._context is not None:
            self._context.stop_requested = True

    def new_state(self, task: str) -> RunState:
        """A fresh serializable state for `task` (what a LangGraph graph starts from)."""
        self.secrets.require(task)
        return RunState(run_id=time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6], task=task)

    def context(self) -> RunContext:
        """The live half of a run, rebuilt the same way for a fresh run or a resumed checkpoint."""
        record_dir = self.config.record_dir
        return RunContext(
            env=self.env,
            backend=self.backend,
            family=self.family,
            config=self.config,
            secrets=self.secrets,
            confirm=self.confirm,
            recorder=TrajectoryRecorder(record_dir, self.secrets) if record_dir is not None else None,
            on_event=self.on_event,
            settings=self.settings,
            stop_requested=self._stop,
            tools=self.tools,
            guards=self.guards,
        )

    async def begin(self, state: RunState, ctx: RunContext) -> float:
        """Start a run: run.json written, `run_started` emitted; returns the start time (for
        `run_record` and `finalize`). The Python API and the LangGraph start node share it."""
        started = time.time()
        if ctx.recorder is not None:  # file I/O off the event loop: a server's loop serves others too
            await asyncio.to_thread(ctx.recorder.write_run, self.run_record(state, started))
        await ctx.emit(StepEvent(kind="run_started", message=self.secrets.mask(state.task)))
        return started

    def run_record(self, state: RunState, started: float) -> RunRecord:
        """The run.json summary of `state` (also written by a graph's start and finish nodes)."""
        return RunRecord(
            id=state.run_id,
            task=self.secrets.mask(state.task),
            status=state.status,
            reason=state.reason,
            answer=state.answer,
            started_at=started,
            finished_at=time.time() if state.phase == "done" else None,
            env=getattr(self.env, "name", type(self.env).__name__),
            backend=getattr(self.backend, "name", type(self.backend).__name__),
            model=self.model_name,
            family=getattr(self.family, "name", ""),
            scripted=self.scripted,
            steps=state.steps_done,
            tokens=state.tokens.model_dump(),
            config=self.config.model_dump(mode="json"),
        )

    async def run(self, task: str, *, state: RunState | None = None) -> RunResult:
        """Run `task` to the end (or continue `state`); never raises for a run that merely fails."""
        bridge = bridge_of(self.env)
        if bridge is not None and bridge.on_owner_thread():
            raise RuntimeError(
                "this agent drives a sync Playwright page, whose calls must run on its own thread: "
                "use agent.run_sync(task) there, or pass an async page to await agent.run(task)"
            )
        state = state or self.new_state(task)
        ctx = self.context()
        self._context = ctx
        started = await self.begin(state, ctx)
        try:
            state = await run_steps(state, ctx)
        except (asyncio.CancelledError, KeyboardInterrupt):
            state.status, state.reason, state.phase = "stopped", self.stop_reason, "done"
            raise
        finally:
            self._context = None
            report = await asyncio.shield(self.finalize(state, ctx, started))
        await ctx.emit(StepEvent(kind="run_finished", step=state.steps_done, message=state.reason))
        return RunResult(
            status=state.status,
            reason=state.reason,
            answer=state.answer,
            steps=state.steps_done,
            tokens=state.tokens.total,
            seconds=state.seconds_spent,
            record_dir=self.config.record_dir,
            report=report,
            record_error="; ".join(ctx.record_problems) or None,
            state=state,
        )

    async def finalize(self, state: RunState, ctx: RunContext, started: float) -> Path | None:
        """End the run for good: wait for the last step's files, count a run still going as stopped,
        write run.json and the report (on a worker thread). Shared by `run`, the graph's finish node and
        `agent eval`, so every face leaves the same files. Never raises: what cannot be written is kept
        in `ctx.record_problems` (and the result's `record_error`), and the report is drawn from
        whatever reached the disk."""
        try:
            await ctx.flush()
        except RecordingError as error:
            _recording_failed(state, ctx, str(error))
        if state.status == "running":
            state.status, state.reason = "stopped", state.reason or "the run was interrupted"
        state.phase = "done"
        recorder = ctx.recorder
        if recorder is None:
            return None
        record = self.run_record(state, started)

        def write() -> Path | None:
            try:
                recorder.write_run(record)
            except RecordingError as error:
                ctx.record_problems.append(str(error))
            if not self.config.report:
                return None
            try:
                return write_report(recorder.root)
            except (OSError, TrajectoryError) as error:
                ctx.record_problems.append(f"could not write the report: {error}")
                return None

        return await asyncio.to_thread(write)

    async def stream(self, task: str) -> AsyncIterator[StepEvent]:
        """The run's events as they happen; the last one is `run_finished`."""
        queue: asyncio.Queue[StepEvent | None] = asyncio.Queue()
        previous = self.on_event

        async def forward(event: StepEvent) -> None:
            if previous is not None:
                await call_maybe_async(previous, event)
            await queue.put(event)

        self.on_event = forward
        runner = asyncio.ensure_future(self.run(task))
        runner.add_done_callback(lambda _: queue.put_nowait(None))
        try:
            while (event := await queue.get()) is not None:
                yield event
            runner.result()
        finally:
            self.on_event = previous
            if not runner.done():
                runner.cancel()

    def run_sync(self, task: str) -> RunResult:
        """Run in a fresh event loop: for environments and backends not bound to another loop. On a
        sync Playwright page the loop runs in a worker thread while this thread serves the page."""
        bridge = bridge_of(self.env)
        if bridge is None:
            return asyncio.run(self.run(task))
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="agent-loop") as pool:
            future = pool.submit(asyncio.run, self.run(task))
            bridge.serve_until(future)
            return future.result()


def _recording_failed(state: RunState, ctx: RunContext, message: str) -> None:
    """A write that failed after the loop ended: the run's status says so unless it already failed."""
    ctx.record_problems.append(message)
    if state.status in ("running", "success", "failure"):
        outcome = (
            f" (the run itself ended: {state.status}: {state.reason})" if state.status != "running" else ""
        )
        state.status, state.reason = "error", f"recording failed: {message}{outcome}"


Factory = Callable[[], Any]


async def _build(thing: Any) -> tuple[Any, bool]:
    """An object as is, or the result of calling a (possibly async) factory, which we then own."""
    if callable(thing) and not hasattr(thing, "observe") and not hasattr(thing, "complete"):
        return await call_maybe_async(thing), True
    return thing, False


def run_sync(
    task: str,
    *,
    env: Any | Factory,
    backend: Backend | Factory,
    family: Family | str,
    config: AgentConfig | None = None,
    confirm: ConfirmCallback | None = None,
    secrets: SecretStore | dict[str, str] | None = None,
    on_event: EventCallback | None = None,
) -> RunResult:
    """Synchronous one-shot run for scripts; factories (e.g. `lambda: BrowserEnvironment.launch(url)`)
    are called inside the run's event loop, and what they made is closed afterwards."""

    async def main() -> RunResult:
        environment, own_env = await _build(env)
        try:
            model, own_backend = await _build(backend)
            try:
                agent = Agent(
                    environment, model, family, config, confirm=confirm, secrets=secrets, on_event=on_event
                )
                return await agent.run(task)
            finally:
                if own_backend:
                    await model.aclose()
        finally:
            if own_env:
                await environment.close()

    return asyncio.run(main())
