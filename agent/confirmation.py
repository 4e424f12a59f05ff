"""Confirmation of risky actions: the questions to ask, and applying a person's answers.

Kept apart from the loop so that a LangGraph graph can turn `confirm` into an interrupt: show
`pending_confirmations(state)`, then `apply_decision(state, decision)` for each answer on resume.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from anyres_agent.agent.guards import ConfirmationRequest, Decision, GuardDecision
from anyres_agent.agent.state import RunContext, RunState, StepEvent, call_maybe_async
from anyres_agent.tools import Action


def pending_confirmations(state: RunState) -> list[ConfirmationRequest]:
    """The questions a person must answer before `act` (a LangGraph interrupt can show these)."""
    step = state.step
    if step is None:
        return []
    return [
        ConfirmationRequest(
            step=step.index,
            action=p.action,
            description=p.action.describe(),
            reason=p.risk or "",
            thought=step.thought,
            url=step.observation.url,
        )
        for p in step.actions
        if p.decision == "pending"
    ]


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


async def confirm(state: RunState, ctx: RunContext) -> RunState:
    """Resolve every pending action by policy or by asking the confirmation callback."""
    step = state.step
    assert step is not None
    start = time.perf_counter()
    for request in pending_confirmations(state):
        policy = ctx.config.confirm
        if policy == "approve":
            decision = Decision.approve("approved by policy (--yes)")
        elif policy == "reject" or ctx.confirm is None:
            decision = Decision.reject("declined by policy" if policy == "reject" else "no one to ask")
        else:
            decision = await call_maybe_async(ctx.confirm, request)
        apply_decision(state, decision, ctx.secrets.mask_action)
        await ctx.emit(
            StepEvent(kind="guard", step=step.index, message=f"{request.description}: {decision.verdict}")
        )
        if state.status != "running":
            return state
    step.timings["confirm"] = time.perf_counter() - start
    state.phase = "act"
    return state
