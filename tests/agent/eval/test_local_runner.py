"""The local runner: several browsers in one process, a global cap on model requests in flight, and
a stuck episode cancelled at the hard limit with its trajectory and report still written."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from agent_fakes import Run
from standin_model import ChatRequest, standin

from anyres_agent.agent.eval.miniwob import MiniWoBSuite
from anyres_agent.agent.eval.models import ModelChoice, ModelProvider
from anyres_agent.agent.eval.protocol import Protocol, Selection
from anyres_agent.agent.eval.study import Scale, StudyOutcome, run_study
from anyres_agent.model.families import get_family
from anyres_agent.model.frame import Frame
from anyres_agent.tools import Click

FAMILY = "uitars15"


def _corner_click(request: ChatRequest) -> str:
    """Click the top-left pixel: on click-test-2 that reaches no button, so the episode runs on."""
    image = request.images[-1]
    frame = Frame("resized", image.width, image.height, image.width, image.height, image.width, image.height)
    return get_family(FAMILY).render([Click(x=0, y=0)], frame)


def _study(
    arun: Run, miniwob: MiniWoBSuite, url: str, out: Path, seeds: tuple[int, ...], **scale: Any
) -> StudyOutcome:
    provider = ModelProvider(
        ModelChoice(model="ui-tars-1.5-7b", endpoint=url, family=FAMILY),
        max_inflight=scale.pop("inflight", 1),
    )
    provider.open()
    try:
        return arun(
            run_study(
                miniwob, Selection(suite="miniwob", tasks=("click-test-2",), seeds=seeds),
                Protocol(max_steps=2, max_seconds=100), provider, out, Scale(**scale),
            )
        )  # fmt: skip
    finally:
        arun(provider.aclose())


@pytest.mark.parametrize("inflight", [1, 3])
def test_requests_in_flight_never_exceed_the_cap(
    inflight: int, arun: Run, miniwob: MiniWoBSuite, tmp_path: Path
) -> None:
    """Each request is held until a second one arrives (or 2 s pass): with a cap of 1 none ever
    arrives meanwhile; with 3 workers and a cap of 3 they overlap."""
    lock, arrived = threading.Lock(), threading.Condition()
    state = {"now": 0, "most": 0}

    def answer(request: ChatRequest) -> str:
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        with arrived:
            arrived.notify_all()
            arrived.wait_for(lambda: state["now"] >= 2, timeout=2.0)
        with lock:
            state["now"] -= 1
        return _corner_click(request)

    with standin(answer) as server:
        outcome = _study(arun, miniwob, server.url, tmp_path, (0, 1, 2), workers=3, max_inflight=inflight,
                         inflight=inflight)  # fmt: skip
    assert [r.harness for r in outcome.results] == ["finished"] * 3
    assert len({r.worker for r in outcome.results}) == 3  # one browser each
    assert (state["most"] == 1) if inflight == 1 else (state["most"] >= 2)


def test_a_stuck_episode_is_cancelled_and_keeps_its_record(
    arun: Run, miniwob: MiniWoBSuite, tmp_path: Path
) -> None:
    calls = [0]

    def answer(request: ChatRequest) -> str:
        calls[0] += 1
        if calls[0] == 1:
            time.sleep(60)  # the model never answers this episode in time (well past the limit)
        return _corner_click(request)

    with standin(answer) as server:
        outcome = _study(arun, miniwob, server.url, tmp_path, (0, 1), workers=1, hard_limit_s=10)
    stuck, after = outcome.results
    assert stuck.harness == "timeout" and stuck.reason == "cancelled at the hard limit of 10 s"
    assert stuck.report == "episodes/click-test-2-s0/report.html" and (tmp_path / stuck.report).is_file()
    run = json.loads((tmp_path / "episodes/click-test-2-s0/run.json").read_text())
    assert run["status"] == "stopped" and run["finished_at"] is not None
    assert after.harness == "finished" and after.steps == 2  # the same browser went on
