"""What a benchmark suite tells the harness: its tasks, how to start an episode, when the page has
ended it, and the score. MiniWoB++ (agent.eval.miniwob) and YAML user suites (agent.eval.user_suite)
implement it; the episode driver and both runners (local, Ray) only talk to this."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from anyres_agent.agent.eval.protocol import Protocol as EpisodeProtocol
    from anyres_agent.agent.state import RunState
    from anyres_agent.environments.browser import BrowserEnvironment


class SuiteError(ValueError):
    """A suite that cannot be loaded or run (a missing package, a bad YAML file, an unknown task)."""


class EpisodeStart(BaseModel):
    """An episode ready to run: what the page asks, and what the agent is told."""

    model_config = ConfigDict(frozen=True)

    utterance: str = Field(description="the task as the page states it")
    task: str = Field(description="the instruction given to the agent")


class PageOutcome(BaseModel):
    """The score, read from the page (MiniWoB's own core) or from the user suite's check."""

    model_config = ConfigDict(frozen=True)

    done: bool = Field(description="the page (or the check) reached a verdict")
    reward: float = 0.0
    raw_reward: float = 0.0
    reason: str = ""

    @property
    def success(self) -> bool:
        return self.raw_reward > 0


class Suite(Protocol):
    """A set of tasks served or reachable from a browser."""

    name: str

    def task_names(self) -> list[str]: ...

    def check_tasks(self, wanted: list[str]) -> None:
        """Raise SuiteError naming the tasks of `wanted` the suite does not have."""
        ...

    def url(self, task: str) -> str: ...

    def viewport(self, task: str) -> tuple[int, int]: ...

    async def start(
        self, env: BrowserEnvironment, task: str, seed: int, protocol: EpisodeProtocol
    ) -> EpisodeStart:
        """Set the episode up on a page already at `url(task)`."""
        ...

    async def is_over(self, env: BrowserEnvironment) -> PageOutcome | None:
        """The outcome once the page has ended the episode by itself; None while it runs."""
        ...

    async def outcome(self, env: BrowserEnvironment, task: str, state: RunState, backend: Any) -> PageOutcome:
        """The final score after the run has stopped (the page's, or the suite's check)."""
        ...

    def close(self) -> None: ...
