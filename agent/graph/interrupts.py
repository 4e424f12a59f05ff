"""The loop's confirmation policy as a LangGraph interrupt, and the resume values a caller sends.

When a planned action is risky (paying, typing a secret, the model asking for the user) and the
policy is `confirm="ask"`, the confirm node calls `interrupt(payload)`. The payload follows LangChain's
human-in-the-loop convention (`HumanInTheLoopMiddleware`'s HITLRequest: `action_requests` with name,
args and description, and `review_configs` with the allowed decisions), so Agent Inbox / Agent Chat
UI-style clients render it as they render a tool call awaiting review; our own keys (reason, thought,
url, the screenshot as a data URL) ride along. The caller continues with either form:

    Command(resume={"decisions": [{"type": "approve"}]})                       # LangChain's HITLResponse
    Command(resume={"decisions": [{"type": "reject", "message": "not today"}]})
    Command(resume={"decisions": [{"type": "edit", "edited_action": {"name": "click", "args": {"x": 10, "y": 20}}}]})
    Command(resume={"decision": "approve"})                                    # the short form
    Command(resume={"decision": "reject", "reason": "not today"})             # the model is told the reason
    Command(resume={"decision": "edit", "action": {"type": "click", "x": 10, "y": 20}})

A bad resume value does not crash the run: the same question is asked again, with `error` in the
payload saying what was wrong and what is accepted.
"""

# ruff: noqa: E501  (resume examples read better unwrapped)

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from langgraph.types import interrupt
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from anyres_agent.agent.guards import ConfirmationRequest, Decision
from anyres_agent.agent.trajectory import thumbnail_jpeg
from anyres_agent.tools import ACTIONS_BY_NAME, Action, ToolCall
from anyres_agent.tools.schema import InvalidActionError, action_from_call, parameters_schema, parse_action

RESUME_HELP = (
    "resume with Command(resume={'decisions': [{'type': 'approve'}]}), [{'type': 'reject', 'message': "
    "'...'}] or [{'type': 'edit', 'edited_action': {'name': 'click', 'args': {'x': 10, 'y': 20}}}] "
    "(LangChain's HITLResponse), or the short form {'decision': 'approve'}, {'decision': 'reject', "
    "'reason': '...'}, {'decision': 'edit', 'action': {'type': 'click', 'x': 10, 'y': 20}}"
)
DECISIONS = ("approve", "edit", "reject")
SCREENSHOT_WIDTH = 1280
"""The screenshot in a payload is at most this wide (a JPEG data URL: a person looks at it)."""


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


class EditedAction(BaseModel):
    """An edited call as LangChain's HITLResponse writes it: the action's name and its arguments."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    args: dict[str, Any] = {}


class HitlDecision(BaseModel):
    """One decision of LangChain's HITLResponse (`{"decisions": [...]}`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    type: Literal["approve", "reject", "edit"]
    message: str = ""
    edited_action: EditedAction | None = None

    @model_validator(mode="after")
    def _edit_has_an_action(self) -> HitlDecision:
        if (self.type == "edit") != (self.edited_action is not None):
            raise ValueError("'edited_action' goes with an edit decision, and an edit needs one")
        return self


class HitlResponse(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    decisions: list[HitlDecision] = Field(min_length=1, max_length=1)


def action_call(action: Action) -> tuple[str, dict[str, Any]]:
    """An action as a named call, the way LangChain's HITL requests show tool calls: a custom tool's
    call by its tool name, a built-in action by its type."""
    if isinstance(action, ToolCall):
        return action.name, dict(action.arguments)
    return action.type, action.model_dump(mode="json", exclude={"type"})


def action_of_call(name: str, args: dict[str, Any]) -> Action:
    """The inverse of `action_call` (a person's edit): a built-in action, else a custom tool's call."""
    if name in ACTIONS_BY_NAME:
        return action_from_call(name, args)
    return ToolCall(name=name, arguments=args)


def parse_resume(value: Any) -> Decision:
    """A caller's resume value as the loop's Decision: LangChain's HITLResponse, the short form, or
    'approve' / 'reject' alone."""
    if isinstance(value, str):
        value = {"decision": value}
    try:
        if isinstance(value, dict) and "decisions" in value:
            (hitl,) = HitlResponse.model_validate(value).decisions
            edited = hitl.edited_action
            action = action_of_call(edited.name, edited.args) if edited is not None else None
            return Decision(verdict=hitl.type, action=action, note=hitl.message)
        resume = Resume.model_validate(value)
        action = parse_action(resume.action) if resume.action is not None else None
    except ValidationError as error:
        problems = "; ".join(e["msg"].removeprefix("Value error, ") for e in error.errors())
        raise ResumeError(f"bad resume value {value!r}: {problems}; {RESUME_HELP}") from None
    except InvalidActionError as error:
        raise ResumeError(f"the edited action is not valid: {error}; {RESUME_HELP}") from None
    return Decision(verdict=resume.decision, action=action, note=resume.reason)


def confirmation_payload(
    request: ConfirmationRequest, *, run_id: str, screenshot: str | None
) -> dict[str, Any]:
    """What the interrupt shows (JSON only): LangChain's HITLRequest for the risky action, then our
    context for a person: why, what the model thought, where, and the screen as a data URL."""
    name, args = action_call(request.action)
    review: dict[str, Any] = {"action_name": name, "allowed_decisions": list(DECISIONS)}
    if name in ACTIONS_BY_NAME:
        review["args_schema"] = parameters_schema(ACTIONS_BY_NAME[name])
    return {
        "action_requests": [
            {"name": name, "args": args, "description": f"{request.reason}: {request.description}"}
        ],
        "review_configs": [review],
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
        "screenshot": screenshot,
        "choices": list(DECISIONS),
        "error": None,
    }


def screenshot_data_url(image: Image.Image) -> str:
    """The screen as a JPEG data URL, at most SCREENSHOT_WIDTH wide (call it off the event loop)."""
    jpeg = thumbnail_jpeg(image, max_width=SCREENSHOT_WIDTH, quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def interrupt_confirm(
    run_id: str, screenshot: Callable[[], Awaitable[str | None]]
) -> Callable[[ConfirmationRequest], Awaitable[Decision]]:
    """A confirm callback for the loop that asks through `interrupt()` until the answer is valid;
    `screenshot()` gives the screen the action was planned on, as data (None after a restart)."""

    async def ask(request: ConfirmationRequest) -> Decision:
        payload = confirmation_payload(request, run_id=run_id, screenshot=await screenshot())
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
    "action_call",
    "confirmation_payload",
    "interrupt_confirm",
    "parse_resume",
    "screenshot_data_url",
]
