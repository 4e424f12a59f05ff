"""User suites: a YAML file of tasks, each with a start URL and a success check.

    name: my-shop
    viewport: [1280, 720]
    tasks:
      - id: sign-up
        task: Create an account for Ada Lovelace (ada@example.com) on the Pro plan.
        url: demo                       # the bundled demo site; or any http(s) URL
        check: {page: "location.pathname.endsWith('welcome.html')"}
      - id: price
        task: What does the Pro plan cost?
        url: https://shop.example/plans
        check: {answer: "$12"}          # or answer_regex: "\\$1[0-9]"
      - id: cart
        task: Put two mugs in the cart.
        url: https://shop.example/
        check: {judge: "The cart shows 2 items"}

A check decides reward 1 or 0 after the run: `page` is a JavaScript expression evaluated on the final
page (truthy = success; it comes from the suite's author, never from the model); `answer` compares
the agent's answer (case and spacing ignored); `answer_regex` searches it; `judge` asks the same model
whether the statement holds on the final screenshot.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from anyres_agent.agent.eval.suite import EpisodeStart, PageOutcome, SuiteError
from anyres_agent.tools.schema import describe_validation_error

if TYPE_CHECKING:
    from anyres_agent.agent.demo_site import DemoSite
    from anyres_agent.agent.eval.protocol import Protocol
    from anyres_agent.agent.state import RunState
    from anyres_agent.environments.browser import BrowserEnvironment

DEMO_PREFIX = "demo"


class Check(BaseModel):
    """Exactly one way to decide success."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    page: str | None = Field(None, description="a JavaScript expression, truthy on success")
    answer: str | None = None
    answer_regex: str | None = None
    judge: str | None = Field(None, description="a statement the model must find true on the last screen")

    @model_validator(mode="after")
    def _one(self) -> Check:
        given = [k for k in ("page", "answer", "answer_regex", "judge") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of page, answer, answer_regex, judge")
        if self.answer_regex is not None:
            try:
                re.compile(self.answer_regex)
            except re.error as error:
                raise ValueError(f"answer_regex is not a valid regular expression: {error}") from None
        return self


class UserTask(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    task: str = Field(min_length=1)
    url: str = Field(min_length=1, description="http(s) URL, or 'demo' / 'demo/<page>' for the bundled site")
    check: Check
    viewport: tuple[int, int] | None = None

    @model_validator(mode="after")
    def _url(self) -> UserTask:
        if not (self.url.startswith(("http://", "https://")) or self.url.split("/")[0] == DEMO_PREFIX):
            raise ValueError(f"url {self.url!r} must be http(s)://... or demo[/page]")
        return self


class UserSuiteFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field("", pattern=r"^[A-Za-z0-9._-]*$")
    viewport: tuple[int, int] = (1280, 720)
    tasks: list[UserTask] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> UserSuiteFile:
        seen: set[str] = set()
        for task in self.tasks:
            if task.id in seen:
                raise ValueError(f"task id {task.id!r} appears twice")
            seen.add(task.id)
        return self


def load_user_suite(path: str | Path) -> UserSuiteFile:
    """Read and validate a suite file; any problem is one SuiteError line naming the file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SuiteError(f"cannot read suite file {path}: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        raise SuiteError(f"{path} is not valid YAML: {' '.join(str(error).split())}") from None
    if not isinstance(data, dict):
        raise SuiteError(f"{path} must hold a mapping with a 'tasks' list")
    try:
        suite = UserSuiteFile.model_validate(data)
    except ValidationError as error:
        raise SuiteError(describe_validation_error(error, str(path))) from None
    return suite if suite.name else suite.model_copy(update={"name": path.stem})


class UserSuite:
    """A loaded suite file: tasks run at their URL and are scored by their check."""

    def __init__(self, spec: UserSuiteFile) -> None:
        self.spec = spec
        self.name = spec.name
        self._tasks = {t.id: t for t in spec.tasks}
        self._demo: DemoSite | None = None

    def task_names(self) -> list[str]:
        return list(self._tasks)

    def check_tasks(self, wanted: list[str]) -> None:
        unknown = [t for t in wanted if t not in self._tasks]
        if unknown:
            raise SuiteError(
                f"the suite {self.name} has no task {', '.join(unknown)}; it has {', '.join(self._tasks)}"
            )

    def url(self, task: str) -> str:
        url = self._tasks[task].url
        if url.split("/")[0] != DEMO_PREFIX:
            return url
        if self._demo is None:
            from anyres_agent.agent.demo_site import serve_demo_site

            self._demo = serve_demo_site()
        return self._demo.url + url[len(DEMO_PREFIX) :].lstrip("/")

    def viewport(self, task: str) -> tuple[int, int]:
        return self._tasks[task].viewport or self.spec.viewport

    async def start(self, env: BrowserEnvironment, task: str, seed: int, protocol: Protocol) -> EpisodeStart:
        text = self._tasks[task].task
        return EpisodeStart(utterance=text, task=text)

    async def is_over(self, env: BrowserEnvironment) -> PageOutcome | None:
        return None  # the agent decides when it is done; the check scores it afterwards

    async def outcome(self, env: BrowserEnvironment, task: str, state: RunState, backend: Any) -> PageOutcome:
        check = self._tasks[task].check
        if check.page is not None:
            try:
                ok = bool(await env.page.evaluate(f"() => Boolean({check.page})"))
            except Exception as error:  # the author's expression failed on this page
                return _verdict(False, f"the page check failed: {' '.join(str(error).split())[:200]}")
            return _verdict(ok, f"page check {'held' if ok else 'did not hold'}: {check.page}")
        answer = state.answer or ""
        if check.answer is not None:
            ok = _normal(answer) == _normal(check.answer)
            return _verdict(ok, f"answer {answer!r} {'matches' if ok else 'does not match'} {check.answer!r}")
        if check.answer_regex is not None:
            ok = re.search(check.answer_regex, answer) is not None
            return _verdict(
                ok, f"answer {answer!r} {'matches' if ok else 'does not match'} /{check.answer_regex}/"
            )
        assert check.judge is not None
        return await _judge(env, backend, check.judge)

    def close(self) -> None:
        if self._demo is not None:
            self._demo.close()
            self._demo = None


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _verdict(ok: bool, reason: str) -> PageOutcome:
    return PageOutcome(done=True, reward=1.0 if ok else 0.0, raw_reward=1.0 if ok else 0.0, reason=reason)


async def _judge(env: BrowserEnvironment, backend: Any, statement: str) -> PageOutcome:
    """Ask the agent's own model whether `statement` holds on the final screen."""
    from anyres_agent.agent.testing.judge import JudgeAnswerError, assert_messages, parse_verdict
    from anyres_agent.agent.testing.locate import ModelSetup
    from anyres_agent.model.families import get_family

    spec = getattr(backend, "spec", None)
    if spec is None:
        return _verdict(False, "a judge check needs a real model (the stand-ins cannot judge)")
    setup = ModelSetup(
        backend=backend, family=get_family(spec.family), min_pixels=spec.min_pixels,
        max_pixels=spec.max_pixels, settings=spec.settings,
    )  # fmt: skip
    observation = await env.observe()
    frame = setup.frame(observation)
    reply, _seconds = await setup.ask(
        assert_messages(statement, setup.model_image(observation, frame)), frame
    )
    try:
        verdict = parse_verdict(reply.text)
    except JudgeAnswerError as error:
        return _verdict(False, f"the judge's answer was unreadable: {error}")
    return _verdict(verdict.result, f"judge: {verdict.reason or statement}")
