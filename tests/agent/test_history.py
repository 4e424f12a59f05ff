"""History stays bounded and append-only: recent steps carry images, older ones text, the oldest are
dropped, and the window moves in chunks so that each prompt begins with the whole previous one."""

from __future__ import annotations

from PIL import Image

from anyres_agent.agent.history import (
    ANSWER_CHARS,
    HistoryPolicy,
    ImageStore,
    StepMemory,
    remember,
    window_start,
)
from anyres_agent.model.conversation import ImagePart, Message, TextPart
from anyres_agent.model.families import get_family
from anyres_agent.model.families.base import HistoryStep
from anyres_agent.tools import Click


def _memories(count: int, start: int = 1) -> list[StepMemory]:
    return [
        StepMemory(index=i, thought=f"thought {i}", actions=[Click(x=i, y=i)], raw=f"raw {i}")
        for i in range(start, start + count)
    ]


def _store(count: int, keep: int) -> ImageStore:
    store = ImageStore(keep=keep)
    for i in range(1, count + 1):
        store.put(i, Image.new("RGB", (28, 28), (i, i, i)))
    return store


def test_images_pile_up_then_the_oldest_chunk_turns_into_text_at_once() -> None:
    policy = HistoryPolicy(images=2, text_steps=30, chunk=4)
    with_images = []
    for done in range(1, 15):
        steps = policy.select(_memories(done), _store(done, policy.most_images))
        with_images.append(sum(s.screenshot is not None for s in steps))
    # 2 to 5 past screenshots; the count drops by the chunk (4) only at steps 6, 10, 14
    assert with_images == [1, 2, 3, 4, 5, 2, 3, 4, 5, 2, 3, 4, 5, 2]
    assert policy.most_images == 5


def test_large_screenshots_pile_up_fewer_so_the_prompt_stays_within_the_image_token_cap() -> None:
    policy = HistoryPolicy(images=2, chunk=8, image_tokens=16_000)
    assert policy.image_chunk(1196) == 8  # 1288x728: up to 9 past screenshots, 10,764 tokens
    assert policy.image_chunk(2691) == 4  # 1920x1080 (1932x1092): up to 5, 13,455 tokens
    assert policy.image_chunk(16_384) == 1  # one huge screenshot: the window moves every step
    assert HistoryPolicy(images=2, chunk=8, image_tokens=0).image_chunk(2691) == 8  # no cap
    frame = {"space": "resized", "screen_width": 1920, "screen_height": 1080, "image_width": 1920,
             "image_height": 1080, "resized_width": 1932, "resized_height": 1092}  # fmt: skip
    memories = [m.model_copy(update={"frame": frame}) for m in _memories(9)]
    steps = policy.select(memories, _store(9, policy.most_images))
    assert [s.index for s in steps if s.screenshot is not None] == [5, 6, 7, 8, 9]  # not 1 to 9


def test_text_steps_are_dropped_in_chunks_too_and_named_by_their_own_number() -> None:
    policy = HistoryPolicy(images=0, text_steps=4, text_chunk=3)
    kept = [[s.index for s in policy.select(_memories(done))] for done in (6, 7, 9, 10)]
    assert kept == [[1, 2, 3, 4, 5, 6], [4, 5, 6, 7], [4, 5, 6, 7, 8, 9], [7, 8, 9, 10]]
    assert policy.most_steps == 6
    assert window_start(9, 0, 3) == 9  # keep nothing


def test_a_resumed_run_reloads_images_through_the_loader() -> None:
    loaded: list[int] = []

    def loader(index: int) -> Image.Image:
        loaded.append(index)
        return Image.new("RGB", (28, 28))

    steps = HistoryPolicy(images=1, text_steps=10, chunk=1).select(
        _memories(3), ImageStore(keep=1, loader=loader)
    )
    assert loaded == [3]
    assert steps[-1].screenshot is not None


def test_zero_images_means_text_only() -> None:
    steps = HistoryPolicy(images=0, text_steps=10).select(_memories(3), _store(3, 3))
    assert all(s.screenshot is None for s in steps)


def test_past_steps_are_built_once_and_leave_with_the_window() -> None:
    built: dict[int, HistoryStep] = {}
    policy = HistoryPolicy(images=0, text_steps=3, text_chunk=1)
    first = policy.select(_memories(3), None, built)
    again = policy.select(_memories(4), None, built)  # state rebuilt from a checkpoint: new objects
    assert again[0] is first[1] and again[1] is first[2]  # the same built steps, not rebuilt
    assert sorted(built) == [2, 3, 4]  # step 1 left the window and the cache


def _flat(messages: list[Message]) -> list[object]:
    """A prompt as a sequence a prefix cache compares: role marks, text characters, image identities."""
    units: list[object] = []
    for message in messages:
        units.append(("<start>", message.role))
        for part in message.content:
            if isinstance(part, TextPart):
                units.extend(part.text)
            else:
                assert isinstance(part, ImagePart)
                units.append(("<image>", id(part.image)))
        units.append("<end>")
    return units


def _common_prefix(a: list[object], b: list[object]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def test_each_prompt_begins_with_the_whole_previous_one_between_window_moves() -> None:
    family = get_family("qwen25vl")
    frame = family.frame(screen=(1288, 728), image=(1288, 728))
    policy = HistoryPolicy(images=2, text_steps=8, chunk=4, text_chunk=4)
    store = ImageStore(keep=policy.most_images)
    shots = {i: Image.new("RGB", (1288, 728), (i, 0, 0)) for i in range(1, 31)}
    memories: list[StepMemory] = []
    previous: list[object] | None = None
    extended = []
    for index in range(1, 31):
        notes = ["Budget: 80% of the steps are used."] if index == 20 else []
        messages = family.build_messages(
            task="fill the form",
            actions=frozenset({"click", "type"}),
            frame=frame,
            screenshot=shots[index],
            history=policy.select(memories, store),
            notes=notes,
            context=["For choose, the option must be one of: a, b."],
        )
        flat = _flat(messages)
        if previous is not None:
            extended.append(_common_prefix(previous, flat) == len(previous))
        previous = flat
        store.put(index, shots[index])
        memories.append(
            remember(
                index,
                raw=family.render([Click(x=index, y=index)], frame, thought=f"step {index}"),
                thought=f"step {index}",
                actions=[Click(x=index, y=index)],
                note=f"clicked {index}" if index % 3 == 0 else "",
                notes=notes,
                frame=None,
            )
        )
    # the image window moves after steps 6, 10, 14...; the text window after 12, 16, 20...
    moves = [7, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29]
    assert [i + 2 for i, ok in enumerate(extended) if not ok] == moves
    text = "".join(str(u) for u in previous if isinstance(u, str) and len(u) == 1)
    assert "Step 21 (done):" in text and "Step 1 (done)" not in text  # named by their own number
    assert "Note after step 27: clicked 27" in text


def test_a_huge_answer_is_remembered_bounded_by_its_parsed_thought_and_actions() -> None:
    family = get_family("qwen25vl")
    frame = family.frame(screen=(1288, 728), image=(1288, 728))
    thought = "very long reasoning " * 500_000  # 10 MB
    raw = family.render([Click(x=10, y=20)], frame, thought=thought)
    memory = remember(
        3,
        raw=raw,
        thought=thought,
        actions=[Click(x=10, y=20)],
        note="n" * 100_000,
        notes=[],
        frame=None,
        render=lambda actions, short: family.render(actions, frame, thought=short),
    )
    assert len(memory.raw) <= ANSWER_CHARS and len(memory.thought) <= ANSWER_CHARS
    assert "characters cut" in memory.raw and '"coordinate": [10, 20]' in memory.raw  # the action survives
    assert len(memory.note) <= 2_000
    short = remember(4, raw="Click.", thought="Click.", actions=[], note="", notes=[], frame=None)
    assert short.raw == "Click."  # a normal answer is kept exactly as the model wrote it
