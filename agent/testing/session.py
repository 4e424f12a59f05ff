"""The async test API: the model as a locator and a judge inside ordinary tests (no planning loop).

Every call is one recorded step. Locating goes through `Locator` (the cache first when there is one);
judging (assert_that, query, wait_until) always asks the model, because a cached verdict would assert
nothing about the screen as it is now.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from anyres_agent.agent.env_hints import focused_text
from anyres_agent.agent.secrets import SecretStore, execute_with_secrets
from anyres_agent.agent.testing.judge import (
    JudgeAnswerError,
    Verdict,
    assert_messages,
    parse_query,
    parse_verdict,
    query_messages,
)
from anyres_agent.agent.testing.locate import Located, LocateError, Locator, ModelSetup, Target, _LocateFailed
from anyres_agent.agent.testing.locate_cache import LocateCache
from anyres_agent.agent.testing.record import StepLog, StepSummary
from anyres_agent.agent.trajectory import StepRecord
from anyres_agent.environments.base import Environment, EnvironmentError_, Observation
from anyres_agent.environments.browser_page import as_environment
from anyres_agent.model.conversation import Message
from anyres_agent.model.frame import Frame
from anyres_agent.tools import Action, Click, Drag, Key, LongPress, Navigate, Scroll, Type, scroll_vector

T = TypeVar("T")
SOURCE_WORDS = {"cache": "from the cache", "model": "grounded by the model", "healed": "re-grounded"}


class UIAssertionError(AssertionError):
    """A statement about the screen was false; carries the model's reason and the screenshot path."""

    def __init__(self, message: str, *, reason: str = "", screenshot: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.screenshot = screenshot


class AsyncUI:
    """Test steps over any `Environment`; see `agent.testing.UI` for the synchronous face."""

    def __init__(
        self,
        env: Environment | Any,
        setup: ModelSetup,
        *,
        cache: LocateCache | None = None,
        record_dir: str | os.PathLike[str] | None = None,
        name: str = "ui test",
        judge_retries: int = 1,
        secrets: SecretStore | None = None,
    ) -> None:
        self.env: Environment = as_environment(env)  # your own Playwright page is wrapped, never closed
        self.secrets = secrets if secrets is not None else SecretStore.load()
        self.setup = setup
        self.cache = cache
        self.locator = Locator(setup, cache)
        self.judge_retries = judge_retries
        root = Path(record_dir) if record_dir is not None else Path(tempfile.mkdtemp(prefix="agent-ui-"))
        self.log = StepLog(
            root,
            secrets=self.secrets,
            name=name,
            env=getattr(env, "name", type(env).__name__),
            backend=getattr(setup.backend, "name", type(setup.backend).__name__),
            model=setup.model,
            family=setup.family.name,
        )

    @property
    def steps(self) -> list[StepSummary]:
        return self.log.summaries

    @property
    def record_dir(self) -> Path:
        return self.log.root

    # ---- acting on located elements ----------------------------------------------------------

    async def locate(self, description: str) -> Target:
        """Where an element is, without acting on it."""
        return await self._located_step("locate", description, [description], lambda _t: [])

    async def tap(self, description: str) -> Target:
        return await self._located_step(
            "tap", description, [description], lambda t: [Click(x=t[0].center[0], y=t[0].center[1])]
        )

    async def double_tap(self, description: str) -> Target:
        return await self._located_step(
            "double_tap",
            description,
            [description],
            lambda t: [Click(x=t[0].center[0], y=t[0].center[1], count=2)],
        )

    async def long_press(self, description: str, duration: float = 1.0) -> Target:
        return await self._located_step(
            "long_press",
            description,
            [description],
            lambda t: [LongPress(x=t[0].center[0], y=t[0].center[1], duration=duration)],
        )

    async def type(self, text: str, into: str | None = None, *, clear: bool = False) -> Target | None:
        """Click into the described field (when given), optionally clear it, then type.

        Where the device can tell (a browser), the text must arrive: a step whose typing reached no
        text field fails, after one re-ground when the field's place came from the cache.
        `{{secret:PASSWORD}}` types the value of ANYRES_SECRET_PASSWORD; records show the placeholder.
        """
        self.secrets.require(text)  # a missing value is named before anything is clicked or typed
        tail: list[Action] = [Key(keys=["ctrl", "a"]), Key(keys=["backspace"])] if clear else []
        if into is None:
            await self._plain_step("type", repr(text), [*tail, Type(text=text)])
            return None
        step = self.log.begin("type", f"{text!r} into {into}")
        distrust = ""
        while True:
            located = await self._locate_into(step, into, distrust=distrust)
            target = located.target
            await self._execute(step, Click(x=target.center[0], y=target.center[1]), target)
            for action in tail:
                await self._execute(step, action, None)
            missed = await self._typed(step, text)
            if not missed:
                self._finish_located(step, [located])
                return target
            if target.source != "cache" or distrust:
                break
            distrust = f"typing through the cached place reached no text field ({missed})"
        shot = self.log.finish(step, None, outcome=f"typing went nowhere: {missed}", ok=False)
        raise UIAssertionError(
            f"typed {text!r} into {into!r}, but no text field took it: {missed}"
            + (f"\n  screenshot: {shot}" if shot else ""),
            reason=missed,
            screenshot=shot,
        )

    async def _typed(self, step: StepRecord, text: str) -> str:
        """Type `text` into the focus and say why it did not arrive ("" when it did, or when the
        device cannot tell, or when the text submits: a new line may leave the field)."""
        if "\n" in text:
            await self._execute(step, Type(text=text), None)
            return ""
        known, before = await focused_text(self.env)
        await self._execute(step, Type(text=text), None)
        if not known:
            return ""
        known, after = await focused_text(self.env)
        if not known:
            return ""
        if after is None:
            return "no text field has the focus"
        if after == before:
            return "the focused field did not change"
        return ""

    async def drag(self, source: str, target: str) -> tuple[Target, Target]:
        def build(found: Sequence[Target]) -> list[Action]:
            (x, y), (to_x, to_y) = found[0].center, found[1].center
            return [Drag(x=x, y=y, to_x=to_x, to_y=to_y)]

        found = await self._located_steps("drag", f"{source} to {target}", [source, target], build)
        return found[0], found[1]

    async def key(self, keys: str | Sequence[str]) -> None:
        """Press a key or a combination: "enter", "ctrl+a", ["ctrl", "shift", "t"]."""
        action = Key(keys=keys if isinstance(keys, str) else list(keys))
        await self._plain_step("key", "+".join(action.keys), [action])

    async def goto(self, url: str) -> None:
        await self._plain_step("navigate", url, [Navigate(url=url)])

    async def scroll(
        self, until: str | None = None, *, direction: str = "down", distance: int = 400, max_scrolls: int = 10
    ) -> Target | None:
        """Scroll once, or until the described element is visible (then return where it is)."""
        ux, uy = scroll_vector(direction)  # an unknown word is a ValueError naming the four
        dx, dy = ux * distance, uy * distance
        if until is None:
            await self._plain_step("scroll", direction, [Scroll(dx=dx, dy=dy)])
            return None
        step = self.log.begin("scroll", f"{direction} until {until}")
        verdict = Verdict(result=False)
        for scrolls in range(max_scrolls + 1):
            screen = await self.env.observe()  # one capture: cache check, judge and grounding
            located = await self.locator.cached(self.env, until, screen)
            if located is not None:
                return self._finish_scroll(step, located, scrolls)
            statement = f"{until} is visible on the screen"
            verdict, observation, frame = await self._judge(
                step, assert_messages, statement, parse_verdict, observation=screen
            )
            if verdict.result:
                located = await self._locate_into(step, until, screen)
                return self._finish_scroll(step, located, scrolls)
            if scrolls < max_scrolls:
                await self._execute(step, Scroll(dx=dx, dy=dy), None)
        shot = self.log.finish(step, observation, outcome="not found", ok=False, frame=frame)
        raise UIAssertionError(
            f"scrolled {direction} {max_scrolls} times and {until!r} is still not visible\n"
            f"  the model saw: {verdict.reason or '(no reason given)'}\n  screenshot: {shot}",
            reason=verdict.reason,
            screenshot=shot,
        )

    def _finish_scroll(self, step: StepRecord, located: Located, scrolls: int) -> Target:
        target = located.target
        outcome = f"visible after {scrolls} scroll(s), {SOURCE_WORDS[target.source]}"
        self.log.finish(
            step, located.observation, outcome=outcome, ok=True, frame=located.frame, source=target.source
        )
        return target

    # ---- judging -----------------------------------------------------------------------------

    async def assert_that(self, statement: str) -> str:
        """Raise UIAssertionError (an AssertionError) unless the model judges the statement true."""
        step = self.log.begin("assert", statement)
        verdict, observation, frame = await self._judge(step, assert_messages, statement, parse_verdict)
        outcome = f"{'true' if verdict.result else 'FALSE'}: {verdict.reason}"
        shot = self.log.finish(
            step, observation, outcome=outcome, ok=verdict.result, frame=frame, source="model"
        )
        if not verdict.result:
            raise UIAssertionError(
                f"UI assertion failed: {statement!r}\n"
                f"  the model saw: {verdict.reason or '(no reason given)'}\n"
                f"  page: {observation.url or observation.app or '-'}\n  screenshot: {shot}",
                reason=verdict.reason,
                screenshot=shot,
            )
        return verdict.reason

    async def query(self, question: str, kind: Any = str) -> Any:
        """Ask about the screen; the answer is validated as `kind` (int, list[str], a pydantic model...)."""
        step = self.log.begin("query", question)
        value, observation, frame = await self._judge(
            step,
            lambda q, image: query_messages(q, kind, image),
            question,
            lambda text: parse_query(text, kind),
        )
        self.log.finish(step, observation, outcome=f"answer: {value!r}", ok=True, frame=frame, source="model")
        return value

    async def wait_until(self, statement: str, timeout: float = 10.0, interval: float = 0.5) -> str:
        """Judge the statement until true; after `timeout` seconds raise UIAssertionError."""
        step = self.log.begin("wait_until", statement)
        deadline = time.monotonic() + timeout
        while True:
            verdict, observation, frame = await self._judge(step, assert_messages, statement, parse_verdict)
            if verdict.result:
                self.log.finish(step, observation, outcome=f"true: {verdict.reason}", ok=True, frame=frame)
                return verdict.reason
            if time.monotonic() + interval > deadline:
                break
            await asyncio.sleep(interval)
        shot = self.log.finish(
            step, observation, outcome=f"timed out: {verdict.reason}", ok=False, frame=frame
        )
        raise UIAssertionError(
            f"waited {timeout:g} s for {statement!r}, still not true\n"
            f"  the model last saw: {verdict.reason or '(no reason given)'}\n  screenshot: {shot}",
            reason=verdict.reason,
            screenshot=shot,
        )

    async def _judge(
        self,
        step: StepRecord,
        build: Callable[[str, Any], list[Message]],
        text: str,
        parse: Callable[[str], T],
        *,
        observation: Observation | None = None,
    ) -> tuple[T, Observation, Frame]:
        observation = observation or await self.env.observe()
        frame = self.setup.frame(observation)
        messages = build(text, self.setup.model_image(observation, frame))
        for attempt in range(self.judge_retries + 1):
            reply, seconds = await self.setup.ask(messages, frame)
            step.timings["model"] = step.timings.get("model", 0.0) + seconds
            try:
                value = parse(reply.text)
            except JudgeAnswerError as error:
                self.log.attempt(step, messages, reply, seconds, str(error))
                if attempt == self.judge_retries:
                    self.log.finish(step, observation, outcome="unreadable answer", ok=False, frame=frame)
                    raise
                messages = [
                    *messages,
                    Message.text("assistant", reply.text),
                    Message.text(
                        "user", f"That answer could not be read: {error}. Answer again with JSON only."
                    ),
                ]
                continue
            self.log.attempt(step, messages, reply, seconds, None)
            return value, observation, frame
        raise AssertionError("unreachable")  # pragma: no cover

    # ---- steps -------------------------------------------------------------------------------

    async def _locate_into(
        self,
        step: StepRecord,
        description: str,
        observation: Observation | None = None,
        *,
        distrust: str = "",
    ) -> Located:
        try:
            located = await self.locator.locate(self.env, description, observation, distrust=distrust)
        except _LocateFailed as failed:
            for messages, reply, seconds, error in failed.located.calls:
                self.log.attempt(step, messages, reply, seconds, error)
            seen = failed.located
            shot = self.log.finish(
                step,
                seen.observation,
                outcome="not located",
                ok=False,
                frame=seen.frame,
                timings=seen.timings,
            )
            raise LocateError(str(failed), raw=failed.located.calls[-1][1].text, screenshot=shot) from None
        for messages, reply, seconds, error in located.calls:
            self.log.attempt(step, messages, reply, seconds, error)
        for name, value in located.timings.items():
            if name != "total":
                step.timings[name] = step.timings.get(name, 0.0) + value
        return located

    async def _located_step(
        self, kind: str, text: str, descriptions: list[str], build: Callable[[Sequence[Target]], list[Action]]
    ) -> Target:
        return (await self._located_steps(kind, text, descriptions, build))[0]

    async def _located_steps(
        self, kind: str, text: str, descriptions: list[str], build: Callable[[Sequence[Target]], list[Action]]
    ) -> list[Target]:
        step = self.log.begin(kind, text)
        found = [await self._locate_into(step, d) for d in descriptions]
        targets = [f.target for f in found]
        for action in build(targets):
            await self._execute(step, action, targets[-1] if action.positional else None)
        self._finish_located(step, found)
        return targets

    def _finish_located(self, step: StepRecord, found: Sequence[Located]) -> None:
        """Close a step that acted on located elements: where each was and how it was found."""
        targets = [f.target for f in found]
        words = "; ".join(
            f"({t.center[0]}, {t.center[1]}) {SOURCE_WORDS[t.source]}"
            + (f" ({t.stale})" if t.source == "healed" and t.stale else "")
            for t in targets
        )
        sources = {t.source for t in targets}
        source = "healed" if "healed" in sources else "model" if "model" in sources else "cache"
        last = found[-1]
        self.log.finish(step, last.observation, outcome=words, ok=True, frame=last.frame, source=source)

    async def _plain_step(self, kind: str, text: str, actions: list[Action]) -> None:
        step = self.log.begin(kind, text)
        for action in actions:
            await self._execute(step, action, None)
        self.log.finish(step, None, outcome="done", ok=True)

    async def _execute(self, step: StepRecord, action: Action, target: Target | None) -> None:
        """Run one action; `{{secret:NAME}}` in typed text is filled only here, never recorded."""
        start = time.perf_counter()
        try:
            result = await execute_with_secrets(self.env, action, self.secrets)
        except EnvironmentError_ as error:  # already masked: it may quote the filled-in text
            seconds = time.perf_counter() - start
            self.log.action(step, action, target, ok=False, seconds=seconds, note=str(error))
            self.log.finish(step, None, outcome=f"{action.type} failed: {error}", ok=False)
            raise
        seconds = time.perf_counter() - start
        step.timings["execute"] = step.timings.get("execute", 0.0) + seconds
        self.log.action(step, action, target, ok=result.ok, seconds=seconds, note=result.note)

    # ---- lifetime ----------------------------------------------------------------------------

    def finish(self, *, failed: bool, reason: str = "") -> None:
        """Close the record (status in run.json); write the report with `write_report`."""
        self.log.close("failure" if failed else "success", reason)

    def write_report(self, path: str | os.PathLike[str] | None = None) -> Path:
        return self.log.write_report(path)
