"""The same study on Ray: a cluster started by the test (`ray start --head`, on loopback), two actors
each owning a Chromium, one stand-in OpenAI server for all of them, trajectories shipped back to the
driver, and a stuck episode cancelled with ray.cancel while its actor lives on.

The stand-in clicks a random pixel of the image it receives (the actors run in other processes, so
no DOM side channel reaches them); each episode's reward is then checked against what its recorded
clicks deserve on that seed's page."""

from __future__ import annotations

import json
import random
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agent_fakes import Run
from click_geometry import clicks_of, deserved, hit_maps
from standin_model import ChatRequest, standin

from anyres_agent.agent.cli import main
from anyres_agent.agent.eval.miniwob import MiniWoBSuite
from anyres_agent.agent.eval.models import ModelChoice, ModelProvider
from anyres_agent.agent.eval.protocol import Protocol, Selection
from anyres_agent.agent.eval.results import EpisodeResult
from anyres_agent.agent.eval.study import Scale, run_study
from anyres_agent.model.families import get_family
from anyres_agent.model.frame import Frame
from anyres_agent.tools import Click

RAY_NODE_IP = "127.0.0.2"  # Ray maps 127.0.0.1 to the machine's address (ray-project/ray#26293)
FAMILY = "uitars15"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[str]:
    """`ray start --head --block` as a child process; SIGTERM to it stops everything it started.
    A loopback cluster of the test's own: no token authentication, on it or in this driver."""
    ray = Path(sys.executable).parent / "ray"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RAY_AUTH_MODE", "disabled")
        yield from _cluster(ray)


def _cluster(ray: Path, attempts: int = 3) -> Iterator[str]:
    """The free port is only probed, so another process may take it first: `ray start` then exits
    before coming up, and a new port is tried (a few times, each failure kept for the message)."""
    failures: list[str] = []
    for _ in range(attempts):
        port = _free_port()
        process = subprocess.Popen(
            [str(ray), "start", "--head", "--block", f"--port={port}", f"--node-ip-address={RAY_NODE_IP}",
             "--num-cpus=4", "--include-dashboard=false", "--disable-usage-stats"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        seen: list[str] = []
        started, settled = threading.Event(), threading.Event()
        threading.Thread(target=_read, args=(process, seen, started, settled), daemon=True).start()
        try:
            if not settled.wait(120):
                pytest.fail("ray start did not come up:\n" + "".join(seen[-20:]))
            if started.is_set():
                yield f"{RAY_NODE_IP}:{port}"
                return
            failures.append(f"port {port}:\n" + "".join(seen[-20:]))
        finally:
            process.terminate()
            process.wait(60)
    pytest.fail("ray start did not come up:\n" + "\n".join(failures))


def _read(
    process: subprocess.Popen[str], seen: list[str], started: threading.Event, settled: threading.Event
) -> None:
    """Keeps `ray start`'s output; settled once it is up, or once its output ends (it exited)."""
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        if "Ray runtime started" in line:
            started.set()
            settled.set()
    settled.set()


def _random_clicks(seed: int, hang_first: float = 0.0) -> Any:
    """A model that clicks a random pixel of the image it was sent, in UI-TARS-1.5's own text."""
    family = get_family(FAMILY)
    rng = random.Random(seed)
    lock = threading.Lock()
    calls = [0]

    def answer(request: ChatRequest) -> str:
        with lock:
            calls[0] += 1
            first = calls[0] == 1
            image = request.images[-1]
            x, y = rng.randrange(image.width), rng.randrange(image.height)
        if first and hang_first:
            time.sleep(hang_first)  # a model stuck on this request
        frame = Frame(
            "resized", image.width, image.height, image.width, image.height, image.width, image.height
        )
        return family.render([Click(x=x, y=y)], frame, thought="A random click.")

    return answer


def _check_rewards(arun: Run, chromium: Any, miniwob: MiniWoBSuite, out: Path, results: list[Any]) -> None:
    maps = arun(hit_maps(chromium, miniwob, [r.seed for r in results]))
    for result in results:
        hits = maps[result.seed]
        clicks = clicks_of(out, result)
        assert clicks and result.raw_reward == deserved(hits, clicks), (result.seed, clicks, result.reason)


@pytest.mark.slow
def test_a_study_runs_on_ray_actors_against_one_server(
    ray_cluster: str, arun: Run, chromium: Any, miniwob: MiniWoBSuite, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    out = tmp_path / "study"
    with standin(_random_clicks(1)) as server:
        code = main([
            "eval", "miniwob", "--tasks", "click-test-2", "--endpoint", server.url,
            "--model", "ui-tars-1.5-7b", "--ray-address", ray_cluster, "--workers", "2",
            "--episodes", "6", "--max-steps", "4", "--out", str(out),
        ])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    results = [EpisodeResult.model_validate_json(line) for line in (out / "episodes.jsonl").open()]
    assert sorted(r.seed for r in results) == list(range(6))
    assert all(r.harness == "finished" for r in results)
    assert len({r.worker for r in results}) == 2 and all(r.worker.startswith("ray-") for r in results)
    assert sum(len(r.report or "") > 0 for r in results) == 6  # trajectories came back to the driver
    _check_rewards(arun, chromium, miniwob, out, results)
    study = json.loads((out / "study.json").read_text())
    assert study["runner"] == "ray" and study["model"]["server_profile"] == "vllm" and study["browser"]
    assert len(re.findall(r'href="episodes/', (out / "index.html").read_text())) == 6


@pytest.mark.slow
def test_a_stuck_episode_is_cancelled_and_its_actor_goes_on(
    ray_cluster: str, arun: Run, chromium: Any, miniwob: MiniWoBSuite, tmp_path: Path
) -> None:
    with standin(_random_clicks(2, hang_first=30.0)) as server:
        provider = ModelProvider(ModelChoice(model="ui-tars-1.5-7b", endpoint=server.url, family=FAMILY))
        provider.open()
        outcome = arun(
            run_study(
                miniwob, Selection(suite="miniwob", tasks=("click-test-2",), seeds=(0, 1)),
                Protocol(max_steps=3, max_seconds=100), provider, tmp_path,
                Scale(runner="ray", ray_address=ray_cluster, workers=1, hard_limit_s=10),
                suite_source="miniwob",
            )
        )  # fmt: skip
        arun(provider.aclose())
    stuck, after = outcome.results
    assert stuck.harness == "timeout" and "cancelled at the hard limit of 10 s" in stuck.reason
    assert after.harness == "finished" and after.steps >= 1  # the same actor ran the next episode
    _check_rewards(arun, chromium, miniwob, tmp_path, [after])
