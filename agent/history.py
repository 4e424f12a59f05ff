"""History policy: recent screenshots as images, older steps as text, the oldest dropped, in chunks.

Every past screenshot re-enters the vision encoder on every call unless the server's prefix cache
(vLLM, SGLang) already holds it, and it does when each prompt begins with the whole previous one. So
the history only grows at its end (model.families.common.assemble), and the window moves in chunks:
screenshots pile up from `images` to `images + chunk - 1`, then the oldest `chunk` of them turn into
text at once; text steps likewise, in chunks of `text_chunk`. Between two moves every prompt starts
with all of the last one, so the larger the chunk, the more a prefix cache reuses (bench_loop_overhead
prints the share) and the longer the prompts; `image_tokens` caps what the piled-up screenshots take
(a 1080p screenshot is 2,691 tokens, so there the chunk shrinks to 4). Text memory (each answer,
bounded, plus its feedback) is cheap and keeps the plan; everything stays bounded over long runs.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, Field

from anyres_agent.agent.config import AgentConfig
from anyres_agent.model.conversation import ImageLike
from anyres_agent.model.families.base import HistoryStep
from anyres_agent.model.frame import Frame
from anyres_agent.tools import Action

ANSWER_CHARS = 4_000
"""The most of one past answer a later prompt carries (about 1,000 tokens; real answers are a few
hundred characters). A longer answer is shown as its parsed thought and actions, capped."""

NOTE_CHARS = 2_000
"""The most of one step's feedback a later prompt carries."""


def capped(text: str, limit: int) -> str:
    """`text` when it fits, else its head and tail around a marker saying how much was cut."""
    if len(text) <= limit:
        return text
    marker = f" [... {len(text) - limit} characters cut ...] "
    keep = max(0, limit - len(marker))
    return text[: keep - keep // 4] + marker + text[len(text) - keep // 4 :]


class StepMemory(BaseModel):
    """One finished step as the run state keeps it: plain, serializable, secrets already masked, and
    bounded (see `remember`), so neither later prompts nor checkpoints grow with a huge answer."""

    index: int
    thought: str = ""
    actions: list[Action] = Field(default_factory=list)
    raw: str = Field("", description="the answer as later prompts show it (the model's own, or bounded)")
    note: str = ""
    notes: list[str] = Field(default_factory=list, description="notes its prompt showed with its screenshot")
    frame: dict[str, Any] | None = None

    def as_history(self) -> HistoryStep:
        """This step for a prompt, without its picture."""
        return HistoryStep(
            index=self.index,
            notes=list(self.notes),
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


def remember(
    index: int,
    *,
    raw: str,
    thought: str,
    actions: list[Action],
    note: str,
    notes: list[str],
    frame: dict[str, Any] | None,
    render: Callable[[list[Action], str], str] | None = None,
) -> StepMemory:
    """A finished step as history keeps it. The model's own answer when it is short (so the assistant
    turn is byte for byte what the model wrote); else `render` (the family writing the parsed actions
    with the thought capped) or the thought and a description of each action, capped either way."""
    short_thought = capped(thought, ANSWER_CHARS // 2)
    if len(raw) > ANSWER_CHARS:
        shown = ""
        if render is not None:
            try:
                shown = render(actions, short_thought)
            except ValueError:  # an action the family cannot write
                shown = ""
        if not shown:
            shown = "\n".join(p for p in (short_thought, "; ".join(a.describe() for a in actions)) if p)
        raw = capped(shown, ANSWER_CHARS)
    return StepMemory(
        index=index,
        thought=short_thought,
        actions=actions,
        raw=raw,
        note=capped(note, NOTE_CHARS),
        notes=[capped(n, NOTE_CHARS) for n in notes],
        frame=frame,
    )


def window_start(last: int, keep: int, chunk: int) -> int:
    """Steps numbered above this stay in a window of `keep` to `keep + chunk - 1` steps that moves
    only when `last` crosses a multiple of `chunk`, so prompts change near their start only then."""
    if keep <= 0:
        return last
    return max(0, (last - keep) // chunk * chunk)


class HistoryPolicy(BaseModel):
    """How much of the past the next prompt carries, and in which steps the window moves."""

    @classmethod
    def of(cls, config: AgentConfig) -> HistoryPolicy:
        """The policy an AgentConfig describes (text steps move in chunks three times as large)."""
        chunk = config.history_chunk
        return cls(
            images=config.history_images,
            text_steps=config.history_text_steps,
            chunk=chunk,
            text_chunk=3 * chunk,
            image_tokens=config.history_image_tokens,
        )

    images: int = Field(2, ge=0, description="past screenshots always sent as images (the current is extra)")
    text_steps: int = Field(30, ge=0, description="past steps always sent; older ones are dropped")
    chunk: int = Field(8, ge=1, description="screenshots that pile up before the oldest turn into text")
    text_chunk: int = Field(24, ge=1, description="text steps that pile up before the oldest are dropped")
    image_tokens: int = Field(
        16_000, ge=0, description="most tokens the past screenshots may take: large screens pile up fewer"
    )

    @property
    def most_images(self) -> int:
        """The most past screenshots a prompt holds (what an ImageStore must keep)."""
        return self.images + self.chunk - 1 if self.images else 0

    @property
    def most_steps(self) -> int:
        """The most past steps a prompt holds (what the run state must keep)."""
        return self.text_steps + self.text_chunk - 1 if self.text_steps else 0

    def image_chunk(self, tokens_per_image: int) -> int:
        """The chunk for screenshots of this many tokens: at most `chunk`, and small enough that the
        most past screenshots (images + chunk - 1) stay within `image_tokens`, when that allows any."""
        if tokens_per_image <= 0 or not self.image_tokens:
            return self.chunk
        return max(1, min(self.chunk, self.image_tokens // tokens_per_image - self.images + 1))

    def select(
        self,
        memories: Sequence[StepMemory],
        store: ImageStore | None = None,
        built: dict[int, HistoryStep] | None = None,
    ) -> list[HistoryStep]:
        """The HistoryStep list for a family: the newest steps with pictures, the rest as text.

        `built` (kept by the caller across steps, on the live side of a run, since the serializable
        state is rebuilt between graph nodes) saves rebuilding each past step for every prompt: a
        finished step never changes. Entries that fall out of the window are dropped from it.
        """
        last = memories[-1].index if memories else 0
        frame = memories[-1].frame_object() if memories else None
        chunk = self.image_chunk(frame.image_tokens if frame is not None else 0)
        text_from = window_start(last, self.text_steps, self.text_chunk)
        image_from = window_start(last, self.images, chunk)
        kept = [m for m in memories if m.index > text_from]
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
            image = store.get(memory.index) if store is not None and memory.index > image_from else None
            steps.append(step if image is None else step.model_copy(update={"screenshot": image}))
        return steps
