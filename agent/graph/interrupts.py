"""The loop's confirmation policy as a LangGraph interrupt, and the resume values a caller sends.

When a planned action is risky (paying, typing a secret, the model asking for the user) and the
policy is `confirm="ask"`, the confirm node calls `interrupt(payload)`. The graph stops and the caller
sees the payload (plain JSON) under `__interrupt__`; it continues with one of:

    Command(resume={"decision": "approve"})
    Command(resume={"decision": "reject", "reason": "not today"})      # the model is told the reason
    Command(resume={"decision": "edit", "action": {"type": "click", "x": 10, "y": 20}})

A bad resume value does not crash the run: the same question is asked again, with `error` in the
payload saying what was wrong and what is accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from langgraph.types import interrupt
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from anyres_agent.agent.guards import ConfirmationRequest, Decision
from anyres_agent.tools.schema import InvalidActionError, parse_action

RESUME_HELP = (
    "resume with Command(resume={'decision': 'approve'}), {'decision': 'reject', 'reason': '...'} "
    "or {'decision': 'edit', 'action': {<a tools action, e.g. 'type': 'click', 'x': 10, 'y': 20>}}"
)


class ResumeError(ValueError):
    """A resume value that is not approve / reject / edit-with-a-valid-action."""


class Resume(BaseModel):
    """The resume value of a confirmation interrupt (what a caller sends back)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    decision: Literal["approve", "reject", "edit"]
    reason: str = ""
    action: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _action_only_for_edit(self) -> Resume:
        if self.decision == "edit" and self.action is None:
            raise ValueError("an edit needs the replacement 'action'")
        if self.decision != "edit" and self.action is not None:
            raise ValueError(f"'action' is only for an edit, not for {self.decision!r}")
        return self


def parse_resume(value: Any) -> Decision:
    """A caller's resume value as the loop's Decision; 'approve' / 'reject' alone are accepted too."""
    if isinstance(value, str):
        value = {"decision": value}
    try:
        resume = Resume.model_validate(value)
        action = parse_action(resume.action) if resume.action is not None else None
    except ValidationError as error:
        problems = "; ".join(e["msg"].removeprefix("Value error, ") for e in error.errors())
        raise ResumeError(f"bad resume value {value!r}: {problems}; {RESUME_HELP}") from None
    except InvalidActionError as error:
        raise ResumeError(f"the edited action is not valid: {error}; {RESUME_HELP}") from None
    return Decision(verdict=resume.decision, action=action, note=resume.reason)


def confirmation_payload(
    request: ConfirmationRequest, *, run_id: str, screenshot: Path | None
) -> dict[str, Any]:
    """What the interrupt shows: the risky action, why, where, and how to answer (JSON only)."""
    return {
        "kind": "confirm_action",
        "run_id": run_id,
        "step": request.step,
        "action": request.action.model_dump(mode="json"),
        "description": request.description,
        "reason": request.reason,
        "target": request.target,
        "thought": request.thought,
        "url": request.url,
        "app": request.app,
        "screenshot": str(screenshot) if screenshot is not None else None,
        "choices": ["approve", "reject", "edit"],
        "error": None,
    }


def interrupt_confirm(
    run_id: str, screenshot: Callable[[int], Path | None]
) -> Callable[[ConfirmationRequest], Decision]:
    """A confirm callback for the loop that asks through `interrupt()` until the answer is valid."""

    def ask(request: ConfirmationRequest) -> Decision:
        payload = confirmation_payload(request, run_id=run_id, screenshot=screenshot(request.step))
        while True:
            value = interrupt(payload)
            try:
                return parse_resume(value)
            except ResumeError as error:
                payload = {**payload, "error": str(error)}

    return ask


__all__ = [
    "RESUME_HELP",
    "Resume",
    "ResumeError",
    "confirmation_payload",
    "interrupt_confirm",
    "parse_resume",
]
