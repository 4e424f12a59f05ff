"""One episode: a fresh browser context on a worker's long-lived browser, the suite's page, the agent
loop step by step, and the score read from the page.

The loop's own step functions are driven here (as the LangGraph node drives them) so that the page
can end the run between two steps: a MiniWoB page that has given its reward is over, whatever the
model would do next. The run then ends as success or failure by that reward, with the page's reason.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from typing import Any

from anyres_agent.agent.api import Agent
from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.eval.models import ModelProvider
from anyres_agent.agent.eval.protocol import Protocol
from anyres_agent.agent.eval.results import EpisodeResult
from anyres_agent.agent.eval.suite import PageOutcome, Suite
from anyres_agent.agent.loop import run_step
from anyres_agent.agent.state import StepEvent
from anyres_agent.environments.browser import BrowserEnvironment

HARD_LIMIT_GRACE_S = 20.0
"""Set-up and tear-down time allowed beyond `max_seconds` before an episode is cancelled."""


def hard_limit(protocol: Protocol, override: float | None = None) -> float:
    """Seconds after which a runner cancels an episode outright (its task, locally or on Ray)."""
    return override if override is not None else protocol.max_seconds + HARD_LIMIT_GRACE_S


def record_dir(out: Path, task: str, seed: int) -> Path:
    return out / "episodes" / f"{task}-s{seed}"


class _Tally:
    """Sums the loop's per-step timings as the steps are reported."""

    def __init__(self) -> None:
        self.model = 0.0
        self.total = 0.0

    def __call__(self, event: StepEvent) -> None:
        if event.kind == "step":
            timings = event.data.get("timings", {})
            self.model += float(timings.get("model", 0.0))
            self.total += float(timings.get("total", 0.0))


async def run_episode(
    browser: Any,
    suite: Suite,
    task: str,
    seed: int,
    *,
    protocol: Protocol,
    provider: ModelProvider,
    out: Path | None,
    worker: str = "",
) -> EpisodeResult:
    """Run one episode to its end and score it. Cancellation (a runner's hard limit) propagates after
    the trajectory and report are written."""
    began = time.perf_counter()
    folder = record_dir(out, task, seed) if out is not None else None
    if folder is not None and folder.exists():
        shutil.rmtree(folder)  # an earlier attempt that never finished: start clean
    env = await BrowserEnvironment.from_browser(
        browser, suite.url(task), viewport=suite.viewport(task), dpr=protocol.dpr,
        settle_s=protocol.settle_seconds,
    )  # fmt: skip
    try:
        start = await suite.start(env, task, seed, protocol)
        backend = provider.backend_for(env, task, seed)
        assert provider.family is not None
        config = AgentConfig(
            max_steps=protocol.max_steps, max_seconds=protocol.max_seconds,
            history_images=protocol.history_images, confirm="approve", record_dir=folder,
        )  # fmt: skip
        tally = _Tally()
        agent = Agent(
            env,
            backend,
            provider.family,
            config,
            secrets={},
            on_event=tally,
            scripted=provider.choice.stand_in,
        )
        state = agent.new_state(start.task)
        ctx = agent.context()
        started = await agent.begin(state, ctx)
        page_end: PageOutcome | None = None
        try:
            while state.phase != "done":
                state = await run_step(state, ctx)
                if state.phase == "observe":
                    page_end = await suite.is_over(env)
                    if page_end is not None:
                        state.end("success" if page_end.success else "failure", page_end.reason)
        finally:
            report = await asyncio.shield(agent.finalize(state, ctx, started))
        outcome = page_end or await suite.outcome(env, task, state, backend)
    finally:
        await env.close()
    return EpisodeResult(
        task=task,
        seed=seed,
        success=outcome.success,
        reward=outcome.reward,
        raw_reward=outcome.raw_reward,
        page_done=outcome.done,
        reason=outcome.reason,
        utterance=start.utterance,
        run_status=state.status,
        run_reason=state.reason,
        steps=state.steps_done,
        prompt_tokens=state.tokens.prompt,
        completion_tokens=state.tokens.completion,
        image_tokens=state.tokens.image,
        seconds=time.perf_counter() - began,
        model_seconds=tally.model,
        overhead_seconds=max(0.0, tally.total - tally.model),
        report=str(report.relative_to(out)) if report is not None and out is not None else None,
        worker=worker,
    )


async def guarded_episode(
    browser: Any,
    suite: Suite,
    task: str,
    seed: int,
    *,
    protocol: Protocol,
    provider: ModelProvider,
    out: Path | None,
    limit: float,
    worker: str = "",
) -> EpisodeResult:
    """`run_episode` cancelled after `limit` seconds; a time-out or a harness failure becomes a failed
    episode with the reason, so one bad page never stops a study."""
    began = time.perf_counter()
    try:
        return await asyncio.wait_for(
            run_episode(
                browser, suite, task, seed, protocol=protocol, provider=provider, out=out, worker=worker
            ),
            timeout=limit,
        )
    except TimeoutError:
        return failed_episode(
            task, seed, "timeout", f"cancelled at the hard limit of {limit:g} s", began, out, worker
        )
    except Exception as error:  # the harness failed on this episode (a page that never loads...)
        reason = f"{type(error).__name__}: {one_line(error)}"
        return failed_episode(task, seed, "error", reason, began, out, worker)


def one_line(error: BaseException) -> str:
    """An error's message as one line of at most 300 characters (its type's name when it has none)."""
    return " ".join(str(error).split())[:300] or type(error).__name__


def failed_episode(
    task: str, seed: int, harness: Any, reason: str, began: float, out: Path | None, worker: str
) -> EpisodeResult:
    """An episode the harness could not finish; `began` is its `time.perf_counter()` at the start."""
    report = None
    if out is not None and (record_dir(out, task, seed) / "report.html").exists():
        report = str((record_dir(out, task, seed) / "report.html").relative_to(out))
    return EpisodeResult(
        task=task, seed=seed, harness=harness, success=False, reason=reason,
        seconds=time.perf_counter() - began, report=report, worker=worker,
    )  # fmt: skip
