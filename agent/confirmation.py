"""Confirmation of risky actions: the questions to ask, applying a person's answers, and checking
that what was approved is still what the action would hit.

Kept apart from the loop so that a LangGraph graph can turn `confirm` into an interrupt: show
`pending_confirmations(state)`, then `apply_decision(state, decision)` for each answer on resume.

An approval is for one target ('button "Pay $20"' on a given page), not for a pair of coordinates.
After a person approves, and again before acting in a process that did not see the screen itself (a
resumed checkpoint), the target is read again; if it changed, the question is asked again, naming
what the action would hit now.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from anyres_agent.agent.env_hints import target_of
from anyres_agent.agent.guards import ConfirmationRequest, Decision, GuardDecision
from anyres_agent.agent.secrets import SecretScope, placeholders_in
from anyres_agent.agent.state import RunContext, RunState, StepEvent, call_maybe_async
from anyres_agent.agent.trajectory import PlannedAction, StepRecord
from anyres_agent.environments.base import Target
from anyres_agent.tools import Action

MAX_RECHECKS = 3  # a screen that keeps changing under the question is declined after this many asks


def pending_confirmations(state: RunState) -> list[ConfirmationRequest]:
    """The questions a person must answer before `act` (a LangGraph interrupt can show these)."""
    step = state.step
    if step is None:
        return []
    return [_request(step, p) for p in step.actions if p.decision == "pending"]


def _request(step: StepRecord, planned: PlannedAction) -> ConfirmationRequest:
    return ConfirmationRequest(
        step=step.index,
        action=planned.action,
        description=planned.action.describe(),
        reason=planned.risk or "",
        thought=step.thought,
        url=step.observation.url,
        app=step.observation.app,
        target=str(planned.target) if planned.target is not None else "",
    )


def secret_scope(state: RunState, ctx: RunContext, location: str | None) -> SecretScope:
    """Where this run's secrets may be typed: the task's names, the browser's allow-list, the host."""
    return SecretScope(
        task_names=placeholders_in(state.task),
        allow_list=getattr(ctx.env, "allow_list", None),
        location=location,
    )


def _where(target: Target | None) -> tuple[str, str | None]:
    """A target's identity for comparison: its words and its document (scheme, host and path)."""
    if target is None:
        return ("", None)
    if target.location and "://" in target.location:
        parts = urlsplit(target.location)
        return (target.description, f"{parts.scheme}://{parts.netloc}{parts.path}")
    return (target.description, target.location)


async def read_target(ctx: RunContext, action: Action) -> Target | None:
    """What `action` lands on, read from the device now, its words masked (they reach records and people)."""
    target = await target_of(ctx.env, action)
    if target is None:
        return None
    return target.model_copy(update={"description": ctx.secrets.mask(target.description)})


async def recheck_approvals(step: StepRecord, ctx: RunContext) -> list[PlannedAction]:
    """Read again what each approved risky action would hit; where it changed, the action goes back to
    pending with a reason naming the new target. Returns the actions sent back."""
    changed = []
    for planned in step.actions:
        if planned.executed or planned.risk is None or planned.decision != "approved":
            continue
        now = await read_target(ctx, planned.action)
        if _where(now) == _where(planned.target):
            continue
        was = str(planned.target) if planned.target is not None else "nothing readable"
        planned.decision, planned.target = "pending", now
        planned.risk = (
            f"the screen changed since this was approved: {planned.action.describe()} now lands on "
            f"{now if now is not None else 'nothing readable'} (approved for {was})"
        )
        step.decisions.append(GuardDecision(guard="risk", verdict="ask", detail=planned.risk))
        changed.append(planned)
    ctx.rechecked = step.index
    return changed


async def recheck_if_resumed(step: StepRecord, ctx: RunContext) -> bool:
    """Before acting in a process that never saw this screen (a resumed checkpoint), read the approved
    targets again, once per step: True when one changed and the step must go back to confirm."""
    if ctx.observation is not None or ctx.rechecked == step.index:
        return False
    return bool(await recheck_approvals(step, ctx))


def apply_decision(
    state: RunState, decision: Decision, mask: Callable[[Action], Action] = lambda action: action
) -> None:
    """Apply a person's decision to the first pending action (from a callback or a resumed interrupt)."""
    step = state.step
    assert step is not None
    planned = next(p for p in step.actions if p.decision == "pending")
    action = planned.action
    step.decisions.append(
        GuardDecision(
            guard="confirmation", verdict=decision.verdict, detail=decision.note or (planned.risk or "")
        )
    )
    if decision.verdict == "approve":
        planned.decision = "approved"
        if action.type == "call_user":
            step.notes.append(
                "The user took over and handed control back"
                + (f": {decision.note}" if decision.note else ".")
            )
    elif decision.verdict == "edit" and decision.action is not None:
        # a person may type a real password into the edit: state, history and checkpoints keep only
        # placeholders, and `act` fills the value back in
        edited = mask(decision.action)
        planned.action, planned.decision = edited, "edited"
        planned.note = "replaced by the user" + (f": {decision.note}" if decision.note else "")
        step.notes.append(f"The user replaced {action.describe()} with {edited.describe()}.")
    else:
        planned.decision = "rejected"
        planned.note = "declined" + (f": {decision.note}" if decision.note else "")
        if action.type == "call_user":
            message = getattr(action, "message", "") or "(no message)"
            state.end("stopped", f"the model asked for the user, who declined: {message}")
            return
        step.notes.append(
            f"The user declined {action.describe()} ({planned.risk}). "
            + (f"They said: {decision.note}. " if decision.note else "")
            + "Do not repeat it; continue another way or finish."
        )


async def _policy_decision(
    state: RunState, ctx: RunContext, request: ConfirmationRequest, target: Target | None
) -> Decision:
    """What the configured policy answers; `--yes` never approves typing a secret on a host the user
    did not name (the secret's own domains or the allow-list). `target`: what the guard read the
    action lands on."""
    policy, ask = ctx.config.confirm, ctx.confirm
    if policy == "reject":
        return Decision.reject("declined by policy")
    if policy == "ask":
        return Decision.reject("no one to ask") if ask is None else await call_maybe_async(ask, request)
    text = getattr(request.action, "text", "") if request.action.type == "type" else ""
    if ctx.secrets.mentions_secret(text):
        scope = secret_scope(state, ctx, target.location if target is not None else None)
        if not ctx.secrets.explicitly_allowed(text, scope):
            return Decision.reject(
                "--yes does not approve typing a secret on a host you did not allow: scope the secret "
                "(NAME@example.com=value in the secrets file) or pass --allow-domain, or confirm it yourself"
            )
    return Decision.approve("approved by policy (--yes)")


async def confirm(state: RunState, ctx: RunContext) -> RunState:
    """Resolve every pending action by policy or by asking the confirmation callback; what a person
    approved is read again, and asked again when the screen changed meanwhile."""
    step = state.step
    assert step is not None
    start = time.perf_counter()
    asks_person = ctx.config.confirm == "ask" and ctx.confirm is not None  # the screen may change meanwhile
    for round_ in range(MAX_RECHECKS + 1):
        last = round_ == MAX_RECHECKS
        pending = [p for p in step.actions if p.decision == "pending"]
        for planned in pending:  # each answer resolves the first pending action left
            request = _request(step, planned)
            if last:
                decision = Decision.reject("the screen kept changing while the user was asked")
            else:
                decision = await _policy_decision(state, ctx, request, planned.target)
            apply_decision(state, decision, ctx.secrets.mask_action)
            await ctx.emit(
                StepEvent(kind="guard", step=step.index, message=f"{request.description}: {decision.verdict}")
            )
            if state.status != "running":
                return state
        if last or not (asks_person and pending) or not await recheck_approvals(step, ctx):
            break
    step.timings["confirm"] = time.perf_counter() - start
    state.phase = "act"
    return state
