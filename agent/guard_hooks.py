"""The guard hook: every planned action passes a list of guards before anything runs it.

A guard looks at one planned action with the step it belongs to and the screen it was planned on,
and answers allow (optionally with a note for the model), deny (the action is not run and the
reason is fed back), ask (a person confirms it, as for paying) or stop (the run ends). The loop's
own checks are guards too, and `default_guards()` is the list an `Agent` uses unless given another:

    class NoDeletes:
        name = "no_deletes"

        def check(self, check: GuardCheck) -> GuardVerdict | None:
            if "delete" in check.thought.lower():
                return GuardVerdict.deny("deleting is not allowed in this workspace")
            return None  # no opinion

    agent = Agent(env, backend, family, guards=[*default_guards(), NoDeletes()])

A guard may be a plain function of a `GuardCheck` (its name is the function's) and may be async.
Verdicts combine per action as stop > deny > ask > allow; the first guard that says stop ends the
run before later guards are asked. In a LangGraph graph these guards run inside the `guard` node;
`before_act` nodes run after it, as graph nodes that see the verdicts.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from anyres_agent.agent.confirmation import secret_scope
from anyres_agent.agent.env_hints import doable_actions
from anyres_agent.agent.guards import GuardDecision, assess_risk
from anyres_agent.environments.base import Target
from anyres_agent.tools import Action

if TYPE_CHECKING:
    from anyres_agent.agent.config import AgentConfig
    from anyres_agent.agent.state import RunContext, RunState
    from anyres_agent.agent.trajectory import StepRecord
    from anyres_agent.environments.base import Observation

VerdictKind = Literal["allow", "deny", "ask", "stop"]
_RANK: dict[VerdictKind, int] = {"allow": 0, "ask": 1, "deny": 2, "stop": 3}
_RECORDED: dict[VerdictKind, Literal["nudge", "ask", "deny", "stop"]] = {
    "allow": "nudge",
    "ask": "ask",
    "deny": "deny",
    "stop": "stop",
}


class GuardVerdict(BaseModel):
    """A guard's answer for one action. `reason` is told to the model (deny), the person (ask) or
    the run's end (stop); `note` on an allow is a hint for the model's next step."""

    model_config = ConfigDict(frozen=True)
    kind: VerdictKind
    reason: str = ""

    @classmethod
    def allow(cls, note: str = "") -> GuardVerdict:
        return cls(kind="allow", reason=note)

    @classmethod
    def deny(cls, reason: str) -> GuardVerdict:
        return cls(kind="deny", reason=reason)

    @classmethod
    def ask(cls, reason: str) -> GuardVerdict:
        return cls(kind="ask", reason=reason)

    @classmethod
    def stop(cls, reason: str) -> GuardVerdict:
        return cls(kind="stop", reason=reason)


@dataclass(frozen=True)
class GuardCheck:
    """What a guard sees: one planned action, its place in the step, the run and its live context."""

    action: Action
    index: int
    step: StepRecord
    state: RunState
    context: RunContext
    observation: Observation | None
    """The screen the action was planned on (None after a resume from a checkpoint)."""

    @property
    def actions(self) -> list[Action]:
        return [planned.action for planned in self.step.actions]

    @property
    def thought(self) -> str:
        return self.step.thought

    @property
    def target(self) -> Target | None:
        """What the action lands on, as the device read it (the element under the point, the focused
        field); None where the device cannot tell or the action lands nowhere in particular."""
        return self.step.actions[self.index].target

    @property
    def env(self) -> Any:
        return self.context.env

    @property
    def config(self) -> AgentConfig:
        return self.context.config


GuardResult = GuardVerdict | None


@runtime_checkable
class Guard(Protocol):
    """A named check of planned actions; `check` may be sync or async and returns None for no opinion."""

    name: str

    def check(self, check: GuardCheck) -> GuardResult | Awaitable[GuardResult]: ...


GuardLike = Guard | Callable[[GuardCheck], "GuardResult | Awaitable[GuardResult]"]


class FunctionGuard:
    """A plain function used as a guard; its name is the function's."""

    def __init__(self, function: Callable[[GuardCheck], GuardResult | Awaitable[GuardResult]]) -> None:
        self.function = function
        self.name: str = getattr(function, "__name__", "guard")

    def check(self, check: GuardCheck) -> GuardResult | Awaitable[GuardResult]:
        return self.function(check)


def as_guards(guards: Sequence[GuardLike] | None) -> list[Guard]:
    """The guard list an agent runs: the defaults when none is given; functions wrapped."""
    if guards is None:
        return default_guards()
    out: list[Guard] = []
    for guard in guards:
        if isinstance(guard, Guard):
            out.append(guard)
        elif callable(guard):
            out.append(FunctionGuard(guard))
        else:
            raise TypeError(
                f"a guard needs a name and a check(GuardCheck) method, got {type(guard).__name__}"
            )
    return out


# --- the built-in guards --------------------------------------------------------------------------


class LoopGuard:
    """The same actions again with no visible change: a nudge for the model, then a stop. It judges
    the whole step once, at its first action."""

    name = "loop"

    def check(self, check: GuardCheck) -> GuardResult:
        ctx = check.context
        if check.index != 0 or ctx.thumb is None:
            return None
        verdict = check.state.loop.check(check.actions, ctx.thumb, ctx.config, previous=ctx.previous_thumb)
        if verdict.verdict == "stop":
            return GuardVerdict.stop(f"loop detected: {verdict.detail}")
        if verdict.verdict == "nudge":
            return GuardVerdict.allow(verdict.detail)
        return None


class SupportedActionsGuard:
    """An action the device cannot do (a swipe in a browser) is not run, and the model is told why."""

    name = "supported"

    def check(self, check: GuardCheck) -> GuardResult:
        ctx = check.context
        action = check.action
        if action.type == "tool":
            return None if action.name in ctx.tools else GuardVerdict.deny(f"no tool named {action.name!r}")
        if action.type in doable_actions(ctx.env) or action.type == "wait":  # the loop waits itself
            return None
        return GuardVerdict.deny(f"this {getattr(ctx.env, 'name', 'device')} cannot {action.type}")


class SecretScopeGuard:
    """A secret is typed only if the task names it, and only where it may go (the allow-list, or the
    hosts it is scoped to); anything else is refused and the model is told why."""

    name = "secret"

    def check(self, check: GuardCheck) -> GuardResult:
        text = getattr(check.action, "text", "") if check.action.type == "type" else ""
        if not text:
            return None
        location = check.target.location if check.target is not None else None
        refused = check.context.secrets.refusal(text, secret_scope(check.state, check.context, location))
        return GuardVerdict.deny(refused) if refused is not None else None


class RiskGuard:
    """Risky actions go to a person: handing over to the user, typing a secret or into a password
    field, acting on a target (what the device reads under the click), a text or a thought that names
    a risk keyword, and custom tools marked `confirm`."""

    name = "risk"

    def check(self, check: GuardCheck) -> GuardResult:
        action = check.action
        if action.type == "tool":
            tools = check.context.tools
            reason = tools.get(action.name).confirm if action.name in tools else None
            return GuardVerdict.ask(reason) if reason else None
        risk = assess_risk(
            action, thought=check.thought, target=check.target, keywords=check.config.risk_keywords
        )
        return GuardVerdict.ask(risk) if risk else None


def default_guards() -> list[Guard]:
    """Loop detection, supported actions, secret scope, then risk: what every run gets by default."""
    return [LoopGuard(), SupportedActionsGuard(), SecretScopeGuard(), RiskGuard()]


# --- running them ---------------------------------------------------------------------------------


async def _ask(guard: Guard, check: GuardCheck) -> GuardResult:
    result = guard.check(check)
    return await result if inspect.isawaitable(result) else result


async def judge(state: RunState, ctx: RunContext, guards: Sequence[Guard]) -> list[tuple[str, GuardVerdict]]:
    """Ask every guard about every planned action and apply the verdicts to the step: deny marks the
    action rejected with the reason fed back, ask marks it pending with the reason as its risk, stop
    ends the run. Returns what was decided (guard name, verdict), allows without a note left out."""
    step = state.step
    assert step is not None
    decided: list[tuple[str, GuardVerdict]] = []
    for index, planned in enumerate(step.actions):
        worst = GuardVerdict.allow()
        asks: list[str] = []
        check = GuardCheck(planned.action, index, step, state, ctx, ctx.observation)
        for guard in guards:
            verdict = await _ask(guard, check)
            if verdict is None or (verdict.kind == "allow" and not verdict.reason):
                continue
            decided.append((guard.name, verdict))
            step.decisions.append(
                GuardDecision(guard=guard.name, verdict=_RECORDED[verdict.kind], detail=verdict.reason)
            )
            if verdict.kind == "allow":
                step.notes.append(verdict.reason)
            elif verdict.kind == "ask":
                asks.append(verdict.reason)
            if _RANK[verdict.kind] > _RANK[worst.kind]:
                worst = verdict
            if verdict.kind == "stop":
                break
        if worst.kind == "stop":
            for other in step.actions:
                other.decision = "skipped"
            state.end("stopped", worst.reason)
            return decided
        if worst.kind == "deny":
            planned.decision, planned.ok, planned.note = "rejected", False, worst.reason
            step.notes.append(f"{planned.action.describe()} was not run: {worst.reason}.")
        elif asks:
            planned.risk = "; ".join(asks)
        else:
            planned.decision = "approved"
    return decided
