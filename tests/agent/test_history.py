"""History stays bounded: the newest steps carry images, older ones text, the oldest are dropped."""

from __future__ import annotations

from PIL import Image

from anyres_agent.agent.history import HistoryPolicy, ImageStore, StepMemory
from anyres_agent.model.families.base import HistoryStep


def _memories(count: int) -> list[StepMemory]:
    return [
        StepMemory(
            index=i, thought=f"thought {i}", actions=[{"type": "click", "x": i, "y": i}], raw=f"raw {i}"
        )
        for i in range(1, count + 1)
    ]


def test_last_n_steps_have_images_older_ones_are_text() -> None:
    store = ImageStore(keep=2)
    for i in range(1, 6):
        store.put(i, Image.new("RGB", (28, 28), (i, i, i)))
    assert len(store) == 2  # only what the policy can use stays in memory
    steps = HistoryPolicy(images=2, text_steps=4).select(_memories(5), store)
    assert [s.thought for s in steps] == ["thought 2", "thought 3", "thought 4", "thought 5"]
    assert [s.screenshot is not None for s in steps] == [False, False, True, True]
    assert steps[-1].actions[0].x == 5


def test_a_resumed_run_reloads_images_through_the_loader() -> None:
    loaded: list[int] = []

    def loader(index: int) -> Image.Image:
        loaded.append(index)
        return Image.new("RGB", (28, 28))

    steps = HistoryPolicy(images=1, text_steps=10).select(_memories(3), ImageStore(keep=1, loader=loader))
    assert loaded == [3]
    assert steps[-1].screenshot is not None


def test_zero_images_means_text_only() -> None:
    steps = HistoryPolicy(images=0, text_steps=10).select(_memories(3), ImageStore(keep=0))
    assert all(s.screenshot is None for s in steps)


def test_past_steps_are_built_once_and_leave_with_the_window() -> None:
    built: dict[int, HistoryStep] = {}
    policy = HistoryPolicy(images=0, text_steps=3)
    first = policy.select(_memories(3), None, built)
    again = policy.select(_memories(4), None, built)  # state rebuilt from a checkpoint: new objects
    assert again[0] is first[1] and again[1] is first[2]  # the same built steps, not rebuilt
    assert sorted(built) == [2, 3, 4]  # step 1 left the window and the cache
