"""History policy: the last few screenshots as images, older steps as text, the oldest dropped.

Every past screenshot re-enters the vision encoder on every call, so images are the expensive part of
a long run; a few recent ones are what the model needs to see what its last actions did. Text memory
(thought + action + feedback) is cheap and keeps the plan. Both are bounded, so context stays flat
over hundreds of steps.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, Field

from anyres_agent.model.conversation import ImageLike
from anyres_agent.model.families.base import HistoryStep
from anyres_agent.model.frame import Frame
from anyres_agent.tools import Action


class StepMemory(BaseModel):
    """One finished step as the run state keeps it: plain, serializable, secrets already masked."""

    index: int
    thought: str = ""
    actions: list[Action] = Field(default_factory=list)
    raw: str = ""
    note: str = ""
    frame: dict[str, Any] | None = None

    def as_history(self) -> HistoryStep:
        """This step for a prompt, without its picture."""
        return HistoryStep(
            thought=self.thought,
            actions=list(self.actions),
            raw=self.raw,
            frame=self.frame_object(),
            note=self.note,
        )

    def frame_object(self) -> Frame | None:
        return Frame(**self.frame) if self.frame else None


ImageLoader = Callable[[int], ImageLike | None]


class ImageStore:
    """Resized screenshots of recent steps, by step index; a live object, never part of the run state.

    It keeps only as many images as the policy can use. After a resume from a checkpoint the store is
    empty; `loader` (e.g. reading the trajectory) refills it, or those steps go in as text only.
    """

    def __init__(self, keep: int, loader: ImageLoader | None = None) -> None:
        self.keep = keep
        self.loader = loader
        self._images: OrderedDict[int, ImageLike] = OrderedDict()

    def put(self, index: int, image: ImageLike) -> None:
        if self.keep <= 0:
            return
        self._images[index] = image
        self._images.move_to_end(index)
        while len(self._images) > self.keep:
            self._images.popitem(last=False)

    def get(self, index: int) -> ImageLike | None:
        image = self._images.get(index)
        if image is None and self.loader is not None:
            image = self.loader(index)
        return image

    def __len__(self) -> int:
        return len(self._images)


class HistoryPolicy(BaseModel):
    """How much of the past the next prompt carries."""

    images: int = Field(2, ge=0, description="past screenshots sent as images (the current one is extra)")
    text_steps: int = Field(30, ge=0, description="past steps sent at all; older ones are dropped")

    def select(
        self,
        memories: Sequence[StepMemory],
        store: ImageStore | None = None,
        built: dict[int, HistoryStep] | None = None,
    ) -> list[HistoryStep]:
        """The HistoryStep list for a family: newest `images` steps with pictures, the rest as text.

        `built` (kept by the caller across steps, on the live side of a run, since the serializable
        state is rebuilt between graph nodes) saves rebuilding each past step for every prompt: a
        finished step never changes. Entries that fall out of the window are dropped from it.
        """
        kept = list(memories[-self.text_steps :]) if self.text_steps else []
        with_images = {m.index for m in kept[-self.images :]} if self.images else set()
        if built is not None:
            for index in built.keys() - {m.index for m in kept}:
                del built[index]
        steps = []
        for memory in kept:
            step = built.get(memory.index) if built is not None else None
            if step is None:
                step = memory.as_history()
                if built is not None:
                    built[memory.index] = step
            image = store.get(memory.index) if store is not None and memory.index in with_images else None
            steps.append(step if image is None else step.model_copy(update={"screenshot": image}))
        return steps
