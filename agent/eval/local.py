"""Parallel episodes in one process: asyncio workers, each with its own long-lived Chromium, pulling
(task, seed) pairs from one queue. Real-model requests share a global cap (ModelProvider)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path

from anyres_agent.agent.eval.episode import guarded_episode
from anyres_agent.agent.eval.models import ModelProvider
from anyres_agent.agent.eval.protocol import Protocol, RunnerInfo
from anyres_agent.agent.eval.results import EpisodeResult
from anyres_agent.agent.eval.suite import Suite
from anyres_agent.environments.browser_launch import start_browser

ResultCallback = Callable[[EpisodeResult], None]


async def run_local(
    suite: Suite,
    episodes: Sequence[tuple[str, int]],
    *,
    protocol: Protocol,
    provider: ModelProvider,
    out: Path | None,
    workers: int,
    on_result: ResultCallback,
    limit: float,
    headless: bool = True,
) -> RunnerInfo:
    """Run `episodes` on `workers` browsers; returns the browser's version for the study record."""
    from playwright.async_api import async_playwright

    queue: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
    for pair in episodes:
        queue.put_nowait(pair)
    version = ""

    async def worker(index: int, playwright: object) -> None:
        nonlocal version
        browser, _choice = await start_browser(playwright, headless=headless)  # type: ignore[arg-type]
        version = version or browser.version
        try:
            while True:
                try:
                    task, seed = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                result = await guarded_episode(
                    browser, suite, task, seed, protocol=protocol, provider=provider, out=out,
                    limit=limit, worker=f"local-{index}",
                )  # fmt: skip
                on_result(result)
        finally:
            await browser.close()

    async with async_playwright() as playwright:
        count = max(1, min(workers, len(episodes)))
        try:
            async with asyncio.TaskGroup() as group:  # a browser that cannot start stops the others
                for index in range(count):
                    group.create_task(worker(index, playwright))
        except ExceptionGroup as failed:  # one line for the user: the first worker's failure
            raise failed.exceptions[0] from None
    return RunnerInfo(browser=version, server_profile=provider.record().server_profile)
