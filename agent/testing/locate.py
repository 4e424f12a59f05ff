"""Grounding one description to a box in screen space: one model call, or the locate cache.

The path of a cold locate is the same as the agent loop's: observe, build the family's frame for this
screenshot with the model's pixel budget, resize on the client, ask with the family's grounding
prompt, parse back to screen space. A warm locate skips the model when the cached region still looks
the same, and re-grounds (heals) when it does not.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Literal

from PIL import Image

from anyres_agent.agent.env_hints import element_at
from anyres_agent.agent.testing.locate_cache import CacheEntry, LocateCache, make_key, normalize_page
from anyres_agent.agent.testing.phash import hash_region, region_hash
from anyres_agent.environments.base import Environment, Observation
from anyres_agent.model.answer import Box, ParseError
from anyres_agent.model.backends.base import Backend
from anyres_agent.model.conversation import GenerationSettings, Message, ModelReply, ModelRequest
from anyres_agent.model.families.base import Family
from anyres_agent.model.frame import Frame

Source = Literal["cache", "model", "healed"]
"""cache: a valid cached entry; model: grounded (no entry); healed: the entry was stale and re-grounded."""

RECHECK_DELAY_S = 0.2
"""A stale-looking region is looked at once more after this delay: a page still settling (a fade, a
late font) should not cost a model call."""


class Target(Box):
    """The box an element was found at (screen space), and how it was found; for a healed one, why
    the cached entry no longer held."""

    source: Source = "model"
    distance: float | None = None
    stale: str = ""

    @property
    def cached(self) -> bool:
        return self.source == "cache"


class LocateError(AssertionError):
    """The model's grounding answer could not be read as a box; the message has its answer."""

    def __init__(self, message: str, *, raw: str = "", screenshot: str | None = None) -> None:
        super().__init__(message + (f"\n  screenshot: {screenshot}" if screenshot else ""))
        self.raw = raw
        self.screenshot = screenshot


@dataclass
class ModelSetup:
    """What the UI needs of a model: the backend, its family, and the pixel budget it was served with."""

    backend: Backend
    family: Family
    min_pixels: int | None = None
    max_pixels: int | None = None
    settings: GenerationSettings = field(default_factory=GenerationSettings)
    model: str = ""

    @classmethod
    def open(
        cls,
        *,
        model: str | None = None,
        endpoint: str | None = None,
        family: str | None = None,
        backend: Backend | None = None,
    ) -> ModelSetup:
        """Resolve `--model`/`--endpoint` the way `agent run` does; a given backend (scripted) is kept."""
        from anyres_agent.model.backends.spec import resolve_model
        from anyres_agent.model.families import get_family

        if backend is None:
            from anyres_agent.model.backends import open_backend

            backend, spec = open_backend(model=model, endpoint=endpoint, family=family)
        else:
            spec = resolve_model(model, endpoint=endpoint, family=family)
        return cls(
            backend=backend,
            family=get_family(spec.family),
            min_pixels=spec.min_pixels,
            max_pixels=spec.max_pixels,
            settings=spec.settings,
            model=spec.name,
        )

    def frame(self, observation: Observation) -> Frame:
        return self.family.frame(
            screen=(observation.screen.width, observation.screen.height),
            image=observation.screenshot.size,
            min_pixels=self.min_pixels,
            max_pixels=self.max_pixels,
        )

    def model_image(self, observation: Observation, frame: Frame) -> Image.Image:
        """The screenshot resized on the client to exactly what the model sees (the frame's size)."""
        from anyres_agent.model.backends.images import prepare_screenshot

        return prepare_screenshot(observation.screenshot.image, frame)

    async def ask(self, messages: list[Message], frame: Frame) -> tuple[ModelReply, float]:
        """One model call; returns the reply and its wall-clock seconds."""
        start = time.perf_counter()
        reply = await self.backend.complete(
            ModelRequest(messages=messages, frame=frame, settings=self.settings)
        )
        return reply, time.perf_counter() - start


@dataclass
class Located:
    """A located element with everything the step record wants: the observation, calls, timings."""

    target: Target
    observation: Observation
    frame: Frame | None = None
    calls: list[tuple[list[Message], ModelReply, float, str | None]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


CacheKey = tuple[str, str, str]  # page, screen, instruction as make_key writes them


@dataclass(frozen=True)
class Stale:
    """Why a cached entry did not hold: the hash distance (when measured) and the reason in words."""

    distance: float | None
    reason: str


async def _observed(
    env: Environment, observation: Observation | None
) -> tuple[Observation, dict[str, float]]:
    """The given screen, or a fresh capture (timed)."""
    if observation is not None:
        return observation, {}
    start = time.perf_counter()
    observation = await env.observe()
    return observation, {"capture": time.perf_counter() - start}


def _key(instruction: str, observation: Observation) -> CacheKey:
    page = normalize_page(observation.url, observation.app)
    return make_key(instruction, page, (observation.screen.width, observation.screen.height), observation.dpr)


def _hash_now(observation: Observation, region: Box, box: Box) -> str:
    return region_hash(observation.screenshot.image, region, (observation.dpr, observation.dpr_y), box)


class Locator:
    """Grounds descriptions on an environment, through the cache when one is given."""

    def __init__(self, setup: ModelSetup, cache: LocateCache | None = None, *, retries: int = 1) -> None:
        self.setup = setup
        self.cache = cache
        self.retries = retries

    async def cached(
        self, env: Environment, instruction: str, observation: Observation | None = None
    ) -> Located | None:
        """The cached target if it still holds right now, else None (no model call).
        `observation`: a screen just captured, so it is not captured again."""
        observation, timings = await _observed(env, observation)
        key = _key(instruction, observation)
        hit, _entry, _stale, observation = await self._check(env, key, observation, timings)
        return hit

    async def _check(
        self, env: Environment, key: CacheKey, observation: Observation, timings: dict[str, float]
    ) -> tuple[Located | None, CacheEntry | None, Stale | None, Observation]:
        """Look the key up and check the entry against the screen now (once more after a short delay
        if it does not hold: a page still settling should not cost a model call)."""
        if self.cache is None:
            return None, None, None, observation
        entry = self.cache.get(key)
        if entry is None:
            return None, entry, None, observation
        check = time.perf_counter()
        distance, stale = await self._compare(env, entry, observation)
        if stale is not None:
            await asyncio.sleep(RECHECK_DELAY_S)
            observation = await env.observe()
            distance, stale = await self._compare(env, entry, observation)
        timings["cache"] = time.perf_counter() - check
        if stale is not None:
            return None, entry, stale, observation
        target = Target(**entry.as_box().model_dump(), source="cache", distance=distance)
        return Located(target, observation, timings=timings), entry, None, observation

    async def _compare(
        self, env: Environment, entry: CacheEntry, observation: Observation
    ) -> tuple[float, Stale | None]:
        """How far the region is from the cached one, and why the entry no longer holds, or None: the
        region must look the same, and the element at the box's centre must be the one grounded there
        (where the device can tell). The hash alone cannot tell two empty inputs apart."""
        assert self.cache is not None
        same, distance = self.cache.matches(entry, _hash_now(observation, entry.as_region(), entry.as_box()))
        if not same:
            return distance, Stale(distance, f"region changed: {distance:.0%} of hash bits")
        if entry.element:
            now = await element_at(env, *entry.as_box().center)
            if now is not None and now != entry.element:
                return distance, Stale(distance, f"another element is there now: {now} (was {entry.element})")
        return distance, None

    async def locate(
        self,
        env: Environment,
        instruction: str,
        observation: Observation | None = None,
        *,
        distrust: str = "",
    ) -> Located:
        """The element's box: from the cache when its entry still holds, else from the model.
        `observation`: a screen just captured, so it is not captured again. `distrust`: why a cached
        entry must not be used this time (a step found it wrong): the element is re-grounded."""
        start = time.perf_counter()
        observation, timings = await _observed(env, observation)
        key = _key(instruction, observation)
        hit: Located | None = None
        stale: Stale | None = None
        entry = self.cache.get(key) if self.cache is not None else None
        if distrust and entry is not None:
            stale = Stale(None, distrust)
        else:
            hit, entry, stale, observation = await self._check(env, key, observation, timings)
        if hit is not None:
            hit.timings["total"] = time.perf_counter() - start
            return hit
        located = await self.ground(observation, instruction, timings)
        box = located.target
        source: Source = "healed" if entry is not None else "model"
        located.target = box.model_copy(
            update={
                "source": source,
                "distance": stale.distance if stale else None,
                "stale": stale.reason if stale else "",
            }
        )
        if self.cache is not None and located.frame is not None:
            screen = (observation.screen.width, observation.screen.height)
            region = hash_region(box, screen)
            self.cache.put(
                CacheEntry(
                    instruction=key[2],
                    page=key[0],
                    screen=key[1],
                    box=(box.x1, box.y1, box.x2, box.y2),
                    region=(region.x1, region.y1, region.x2, region.y2),
                    hash=_hash_now(observation, region, box),
                    frame=_frame_text(located.frame),
                    family=self.setup.family.name,
                    element=await element_at(env, *box.center) or "",
                )
            )
        located.timings["total"] = time.perf_counter() - start
        return located

    async def ground(self, observation: Observation, instruction: str, timings: dict[str, float]) -> Located:
        """Ask the model where the element is; a ParseError is retried with the error fed back."""
        setup = self.setup
        prepare = time.perf_counter()
        frame = setup.frame(observation)
        image = setup.model_image(observation, frame)
        messages = setup.family.grounding_messages(instruction=instruction, frame=frame, screenshot=image)
        timings["prepare"] = time.perf_counter() - prepare
        calls: list[tuple[list[Message], ModelReply, float, str | None]] = []
        for attempt in range(self.retries + 1):
            reply, seconds = await setup.ask(messages, frame)
            timings["model"] = timings.get("model", 0.0) + seconds
            try:
                box = setup.family.parse_grounding(reply.text, frame)  # off the image: fed back
            except ParseError as error:
                calls.append((messages, reply, seconds, str(error)))
                if attempt == self.retries:
                    located = Located(Target(x1=0, y1=0, x2=0, y2=0), observation, frame, calls, timings)
                    raise _LocateFailed(
                        f"could not locate {instruction!r}: the model's answer is not a box ({error}); "
                        f"it answered {reply.text[:300]!r}",
                        located,
                    ) from None
                messages = [
                    *messages,
                    Message.text("assistant", reply.text),
                    Message.text("user", f"That answer could not be read: {error}. Answer again."),
                ]
                continue
            calls.append((messages, reply, seconds, None))
            return Located(
                Target(x1=box.x1, y1=box.y1, x2=box.x2, y2=box.y2), observation, frame, calls, timings
            )
        raise AssertionError("unreachable")  # pragma: no cover


class _LocateFailed(Exception):
    """Carries what was seen up to the UI, which saves the screenshot and raises LocateError."""

    def __init__(self, message: str, located: Located) -> None:
        super().__init__(message)
        self.located = located


def _frame_text(frame: Frame) -> str:
    return (
        f"{frame.space} screen {frame.screen_width}x{frame.screen_height} image "
        f"{frame.image_width}x{frame.image_height} resized {frame.resized_width}x{frame.resized_height}"
    )
