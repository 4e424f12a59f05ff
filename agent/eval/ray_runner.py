"""The same study on a Ray cluster: one async actor per worker, each owning a long-lived Chromium (and,
for MiniWoB, its own loopback copy of the task pages), all talking to one OpenAI-compatible server.

Ray places the actors and moves the data; this module only keeps every actor busy with the next
(task, seed) and enforces the hard time limit. An actor runs one episode, so sends one model request,
at a time: the workers are the limit on requests in flight. Each actor times its episode out itself;
`ray.cancel` is the backstop, which for an async actor cancels the running asyncio task
(https://docs.ray.io/en/latest/ray-core/api/doc/ray.cancel.html), so the episode's own clean-up
runs. Each episode's trajectory comes back zipped with its result, so the
reports land in the driver's results folder even when the actor ran on another machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import shutil
import sys
import tempfile
import time
import zipfile
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anyres_agent.agent.eval.episode import failed_episode, guarded_episode, hard_limit, one_line, record_dir
from anyres_agent.agent.eval.models import ModelChoice, ModelProvider
from anyres_agent.agent.eval.protocol import Protocol, RunnerInfo
from anyres_agent.agent.eval.results import EpisodeResult
from anyres_agent.agent.eval.sources import SuiteSource, open_suite

log = logging.getLogger(__name__)

ACTOR_CPUS = 1.0
"""Ray resources per actor: one Chromium renderer keeps about one core busy while it draws."""


KILL_AFTER_CANCEL_S = 30.0
"""An actor whose episode ignores its cancellation this long is killed (its next task fails over)."""


class RayRunnerError(RuntimeError):
    """Ray is missing, the cluster cannot be reached, or every actor died."""


class EpisodeActor:
    """Runs episodes on its own browser; made a Ray actor with `ray.remote(EpisodeActor)`."""

    async def open(
        self, source: SuiteSource, protocol: Protocol, choice: ModelChoice, headless: bool, limit: float
    ) -> str:
        from playwright.async_api import async_playwright

        from anyres_agent.environments.browser_launch import start_browser

        self.protocol, self.limit = protocol, limit
        self.suite = open_suite(source)
        self.provider = ModelProvider(choice, max_inflight=1)
        self.provider.open()
        self.out = Path(tempfile.mkdtemp(prefix="anyres-eval-"))
        self.name = f"ray-{os.uname().nodename}-{os.getpid()}"
        self.playwright = await async_playwright().start()
        self.browser, _choice = await start_browser(self.playwright, headless=headless)
        return str(self.browser.version)

    async def run(self, task: str, seed: int) -> tuple[dict[str, Any], bytes | None, str | None]:
        """One episode; returns its result, its trajectory folder zipped, and the detected server kind.
        A harness failure or a time-out comes back as a failed episode, as it does locally (the
        driver's `ray.cancel` at the same limit stays the backstop for an actor that does not return)."""
        result = await guarded_episode(
            self.browser, self.suite, task, seed, protocol=self.protocol, provider=self.provider,
            out=self.out, limit=self.limit, worker=self.name,
        )  # fmt: skip
        folder = record_dir(self.out, task, seed)
        zipped = zip_folder(folder) if folder.is_dir() else None
        shutil.rmtree(folder, ignore_errors=True)
        return result.model_dump(mode="json"), zipped, self.provider.record().server_profile

    async def close(self) -> None:
        await self.browser.close()
        await self.playwright.stop()
        await self.provider.aclose()
        self.suite.close()
        shutil.rmtree(self.out, ignore_errors=True)


def zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def unzip_into(data: bytes, folder: Path) -> None:
    """Unpack an episode's trajectory; names that would escape the folder are refused."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    root = folder.resolve()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.namelist():
            target = (folder / member).resolve()
            if root not in target.parents:
                raise RayRunnerError(f"an episode archive holds a path outside its folder: {member!r}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(member))


@dataclass
class _Running:
    actor: Any
    ref: Any
    task: str
    seed: int
    started: float
    cancelled: bool = False


LOCAL_NODE_IP = "127.0.0.2"
"""A local instance's node address on Linux. Ray turns 127.0.0.1 into the machine's network address
(ray-project/ray#26293), so a local study would be reachable from the network; any other 127/8
address keeps its connections on loopback."""


TOKEN_MODE_SINCE = (2, 52)
"""The first Ray whose new local instance takes a token when RAY_AUTH_MODE=token (ray-project/ray#57835)."""
TOKEN_BY_DEFAULT_SINCE = (2, 59)
"""The first Ray whose new local instance takes a token by default (ray-project/ray#64755)."""


def connect(address: str | None, workers: int) -> Any:
    """ray.init: attach to `address`, or start a new local instance with room for the workers."""
    try:
        import ray
    except ModuleNotFoundError:
        raise RayRunnerError("Ray is not installed: pip install 'anyres-agent[ray]'") from None
    try:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            _require_token_auth(ray.__version__)
            local: dict[str, Any] = (
                {"_node_ip_address": LOCAL_NODE_IP} if sys.platform.startswith("linux") else {}
            )
            ray.init(
                address="local",  # a new instance: never the last `ray start` cluster or $RAY_ADDRESS
                num_cpus=max(workers, os.cpu_count() or 1),
                include_dashboard=False,
                log_to_driver=False,
                **local,
            )
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise RayRunnerError(
            f"cannot reach the Ray cluster at {address or 'a new local instance'}: {error}"
        ) from None
    return ray


def _require_token_auth(version: str) -> None:
    """A local instance's GCS and raylets listen on every interface whatever its node address (Ray
    2.60), and whoever reaches them can run code on this machine. So it must start with token
    authentication (Ray writes the token to ~/.ray/auth_token), unless RAY_AUTH_MODE opts out."""
    mode = os.environ.get("RAY_AUTH_MODE")
    if mode is not None and mode.lower() != "token":
        log.warning(
            "RAY_AUTH_MODE=%s: the local Ray instance accepts anyone who reaches its ports, which listen "
            "on every interface",
            mode,
        )
        return
    release = tuple(int(part) for part in version.split(".")[:2] if part.isdigit())
    if release < (TOKEN_MODE_SINCE if mode else TOKEN_BY_DEFAULT_SINCE):
        raise RayRunnerError(
            f"Ray {version} would start a local instance that anyone on your network can run code on "
            "(no authentication, every interface): install ray>=2.59, or with ray>=2.52 set "
            "RAY_AUTH_MODE=token before starting, or pass --ray-address to a cluster you secured"
        )


async def run_on_ray(
    source: SuiteSource,
    episodes: Sequence[tuple[str, int]],
    *,
    protocol: Protocol,
    choice: ModelChoice,
    out: Path,
    scale: Any,
    on_result: Callable[[EpisodeResult], None],
) -> RunnerInfo:
    """Run `episodes` on `scale.workers` actors; results arrive through `on_result` as they end."""
    ray = connect(scale.ray_address, scale.workers)
    from ray.exceptions import RayActorError, RayError, TaskCancelledError

    info = RunnerInfo()
    remote = ray.remote(num_cpus=ACTOR_CPUS)(EpisodeActor)
    count = max(1, min(scale.workers, len(episodes)))
    actors = [remote.remote() for _ in range(count)]
    limit = hard_limit(protocol, scale.hard_limit_s)
    try:
        try:
            versions = await asyncio.gather(
                *(a.open.remote(source, protocol, choice, scale.headless, limit) for a in actors)
            )
        except RayError as error:
            raise RayRunnerError(f"a Ray worker could not start: {one_line(error)}") from None
        info.browser = str(versions[0])
        queue = deque(episodes)
        running: dict[asyncio.Future[Any], _Running] = {}

        def submit(actor: Any) -> None:
            task, seed = queue.popleft()
            ref = actor.run.remote(task, seed)
            running[asyncio.wrap_future(ref.future())] = _Running(actor, ref, task, seed, time.perf_counter())

        for actor in actors:
            if queue:
                submit(actor)
        while running:
            finished, _ = await asyncio.wait(
                list(running),
                timeout=_next_deadline(running.values(), limit),
                return_when=asyncio.FIRST_COMPLETED,
            )
            for future in finished:
                job = running.pop(future)
                keep_actor = True
                try:
                    data, zipped, server = future.result()
                    result = EpisodeResult.model_validate(data)
                    if zipped is not None:
                        unzip_into(zipped, record_dir(out, job.task, job.seed))
                    info.server_profile = server or info.server_profile
                except TaskCancelledError:
                    result = _failed(job, "timeout", f"cancelled at the hard limit of {limit:g} s")
                except RayActorError as error:
                    keep_actor = False
                    if job.cancelled:  # killed after its cancellation was ignored
                        result = _failed(job, "timeout", f"killed after the hard limit of {limit:g} s")
                    else:
                        result = _failed(job, "error", f"the Ray worker died: {one_line(error)}")
                except RayError as error:
                    result = _failed(job, "error", one_line(error))
                on_result(result)
                if keep_actor and queue:
                    submit(job.actor)
            now = time.perf_counter()
            for job in running.values():
                if not job.cancelled and now >= job.started + limit:
                    job.cancelled = True
                    ray.cancel(job.ref)
                elif job.cancelled and now >= job.started + limit + KILL_AFTER_CANCEL_S:
                    ray.kill(job.actor)  # cancellation only lands at an await; a stuck call needs this
            if queue and not running:
                raise RayRunnerError("every Ray worker died; the remaining episodes were not run")
        return info
    finally:
        for actor in actors:
            with contextlib.suppress(Exception):  # a dead actor cannot close: Ray reclaims it
                await asyncio.wait_for(asyncio.wrap_future(actor.close.remote().future()), timeout=30)
        ray.shutdown()


def _next_deadline(jobs: Any, limit: float) -> float:
    """Seconds until the next job passes its limit (or its cancellation's grace)."""
    now = time.perf_counter()
    ends = [j.started + limit + (KILL_AFTER_CANCEL_S if j.cancelled else 0.0) for j in jobs]
    return max(0.0, min(ends) - now) if ends else limit


def _failed(job: _Running, harness: Any, reason: str) -> EpisodeResult:
    """No report: the episode's trajectory stayed on its actor."""
    return failed_episode(job.task, job.seed, harness, reason, job.started, None, "ray")
