"""Guards: budgets, a warning before they run out, loop detection, and which actions need a person.

Each guard is a small pure function over plain numbers or serializable state, so the loop, a
LangGraph node and a unit test can all call it the same way. The loop decides what to do with the
verdict (stop, nudge the model, ask for confirmation).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from typing import Any, Literal

from PIL import Image, ImageChops
from pydantic import BaseModel, ConfigDict, Field

from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.secrets import PLACEHOLDER
from anyres_agent.environments.base import Target
from anyres_agent.tools import Action

THUMB_WIDTH = 160
PIXEL_DELTA = 16  # a thumbnail pixel changed if it moved by more than this (of 255)
LOOP_ACTIONS = frozenset({"finish", "answer", "call_user"})  # handled by the loop, never by a device
ALWAYS_RISKY = frozenset({"call_user"})
KEYWORD_CHECKED = frozenset({"click", "long_press", "key", "type", "drag", "swipe"})
POINTED = frozenset({"click", "long_press", "drag", "swipe"})
MODIFIERS = frozenset({"ctrl", "alt", "meta", "cmd", "super", "win"})


class GuardDecision(BaseModel):
    """One verdict, recorded in the trajectory and shown in the report."""

    model_config = ConfigDict(frozen=True)
    guard: str = Field(
        description="budget, loop, supported, risk, confirmation, parse... or a custom guard's name"
    )
    verdict: Literal["ok", "warn", "nudge", "stop", "ask", "deny", "approve", "reject", "edit"]
    detail: str = ""


# --- budgets ---------------------------------------------------------------------------------


class Usage(BaseModel):
    """What a run has spent so far; enough to judge every budget."""

    steps: int = 0
    seconds: float = 0.0
    tokens: int = 0


def budget_exhausted(usage: Usage, config: AgentConfig) -> str | None:
    """A stop reason when any budget is spent, checked before a new step starts."""
    if usage.steps >= config.max_steps:
        return f"step budget reached ({usage.steps} of {config.max_steps} steps)"
    if usage.seconds >= config.max_seconds:
        return f"time budget reached ({usage.seconds:.0f} s of {config.max_seconds:.0f} s)"
    if usage.tokens >= config.max_tokens:
        return f"token budget reached ({usage.tokens} of {config.max_tokens} tokens)"
    return None


def budget_warning(usage: Usage, config: AgentConfig) -> str | None:
    """A note for the model once any budget is nearly spent, so it can wrap up instead of being cut off."""
    left = []
    if usage.steps + 1 >= config.max_steps * config.budget_warning_fraction:
        remaining = config.max_steps - usage.steps
        left.append(f"{remaining} step{'s' if remaining != 1 else ''}")
    if usage.seconds >= config.max_seconds * config.budget_warning_fraction:
        left.append(f"{max(0.0, config.max_seconds - usage.seconds):.0f} seconds")
    if usage.tokens >= config.max_tokens * config.budget_warning_fraction:
        left.append(f"{max(0, config.max_tokens - usage.tokens)} tokens")
    if not left:
        return None
    return (
        f"Budget warning: only {', '.join(left)} left. Finish the task now if you can; otherwise finish "
        "with success=false and say what is missing."
    )


# --- loop detection --------------------------------------------------------------------------


def thumbnail(image: Image.Image) -> bytes:
    """A small grayscale copy, cheap to compare (about a millisecond for a 1920x1080 screen)."""
    height = max(1, round(image.height * THUMB_WIDTH / image.width))
    small = image.resize((THUMB_WIDTH, height), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return small.convert("L").tobytes() + height.to_bytes(2, "big")


def changed_fraction(a: bytes, b: bytes) -> float:
    """Share of thumbnail pixels that moved by more than PIXEL_DELTA; 1.0 when the sizes differ."""
    if len(a) != len(b) or a[-2:] != b[-2:]:
        return 1.0
    height = int.from_bytes(a[-2:], "big")
    size = (THUMB_WIDTH, height)
    diff = ImageChops.difference(Image.frombytes("L", size, a[:-2]), Image.frombytes("L", size, b[:-2]))
    histogram = diff.histogram()
    return sum(histogram[PIXEL_DELTA + 1 :]) / (THUMB_WIDTH * height)


def _close(a: Any, b: Any, tolerance: int) -> bool:
    if isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool):
        return abs(a - b) <= tolerance
    return a == b


def same_actions(a: Sequence[dict[str, Any]], b: Sequence[dict[str, Any]], tolerance: int = 12) -> bool:
    """Equal up to a few pixels: a model re-clicking 'the same' button rarely hits the same pixel."""
    if len(a) != len(b) or not a:
        return False
    for x, y in zip(a, b, strict=True):
        if x.keys() != y.keys() or not all(_close(x[k], y[k], tolerance) for k in x):
            return False
    return True


class LoopTracker(BaseModel):
    """Serializable memory of the last step: its actions and the screen before it."""

    last_actions: list[dict[str, Any]] = Field(default_factory=list)
    last_thumb: str = ""  # base64 of `thumbnail`
    repeats: int = 0

    def check(
        self,
        actions: Sequence[Action],
        thumb: bytes | Callable[[], bytes],
        config: AgentConfig,
        previous: Callable[[], bytes] | None = None,
    ) -> GuardDecision:
        """Count a repeat when the same actions come again and the screen did not change since.

        Thumbnails are compared only when the actions repeat, so the usual step never decodes its
        screenshot for this guard; pass them as callables to keep it that way. `previous` is the
        last screen's thumbnail (live); without it the stored one from the last comparison is used.
        """
        dumped = [a.model_dump() for a in actions]
        repeatable = bool(dumped) and not any(d["type"] in LOOP_ACTIONS for d in dumped)
        current = thumb if isinstance(thumb, bytes) else b""
        unchanged = False
        if repeatable and same_actions(dumped, self.last_actions):
            before = previous() if previous is not None else base64.b64decode(self.last_thumb)
            current = current or thumb()  # type: ignore[operator]
            unchanged = bool(before) and changed_fraction(before, current) <= config.change_threshold
        self.repeats = self.repeats + 1 if unchanged else 0
        self.last_actions = dumped
        self.last_thumb = base64.b64encode(current).decode("ascii") if current else ""
        what = "; ".join(a.describe() for a in actions)
        if self.repeats >= config.loop_stop_after:
            return GuardDecision(
                guard="loop",
                verdict="stop",
                detail=f"{what} repeated {self.repeats + 1} times with no visible change",
            )
        if self.repeats >= config.loop_nudge_after:
            return GuardDecision(
                guard="loop",
                verdict="nudge",
                detail=(
                    f"You have done {what} {self.repeats + 1} times and the screen did not change. "
                    "It is not working: try a different element, scroll, or another approach."
                ),
            )
        return GuardDecision(guard="loop", verdict="ok")


# --- risk ------------------------------------------------------------------------------------


def _keyword_pattern(keywords: Sequence[str]) -> re.Pattern[str] | None:
    words = [re.escape(k.strip()).replace(r"\ ", r"\s+") for k in keywords if k.strip()]
    if not words:
        return None
    return re.compile(r"\b(" + "|".join(words) + r")\b", re.IGNORECASE)


def _writes_characters(action: Action) -> bool:
    """A type action, or a key press that puts a character into the focused field (a password typed
    key by key is still a password)."""
    if action.type == "type":
        return True
    keys = getattr(action, "keys", []) if action.type == "key" else []
    return bool(keys) and not MODIFIERS & set(keys) and (len(keys[-1]) == 1 or keys[-1] == "space")


def assess_risk(
    action: Action, *, thought: str = "", target: Target | None = None, keywords: Sequence[str] = ()
) -> str | None:
    """Why an action needs a person's confirmation, or None.

    Risky: handing over to the user; typing a secret, or characters into a password field (or one the
    page hides from the agent); acting on something the device cannot read; and acting when what the
    action lands on (the target's own words), the typed text or the thought speaks of paying,
    deleting, sending... The target is judged, not only the model's words: "Pay $500" under the
    click asks even when the thought is empty.
    """
    kind = action.type
    if kind in ALWAYS_RISKY:
        return "the model asks for the user: " + (getattr(action, "message", "") or "(no message)")
    if kind == "type" and PLACEHOLDER.search(getattr(action, "text", "")):
        return "types a secret"
    if kind in ("type", "key") and target is not None and _writes_characters(action):
        how = "" if kind == "type" else ", key by key"
        if (target.field or "").lower() == "password":
            return f"types into a password field{how} ({target})"
        if target.hidden:
            return f"types into {target}, which the page hides from the agent: it may be a password field"
    if kind not in KEYWORD_CHECKED:
        return None
    if kind in POINTED and target is not None and target.hidden:
        return f"cannot read what the {kind} lands on: {target}"
    pattern = _keyword_pattern(keywords)
    if pattern is None:
        return None
    typed = getattr(action, "text", "") if kind == "type" else ""
    aimed = target.description if target is not None else ""
    for source, text in (("target", aimed), ("typed text", typed), ("thought", thought)):
        match = pattern.search(text or "")
        if match and source == "target":
            return f"the {kind} lands on {target} (mentions {match.group(1).lower()!r})"
        if match:
            return f"{source} mentions {match.group(1).lower()!r}"
    return None


# --- confirmation ----------------------------------------------------------------------------


class ConfirmationRequest(BaseModel):
    """What a person is asked: one risky action, what it lands on, where, why it is risky, and what
    the model was thinking."""

    model_config = ConfigDict(frozen=True)
    step: int
    action: Action = Field(description="the action in screen space, secrets as placeholders")
    description: str
    reason: str
    thought: str = ""
    url: str | None = None
    app: str | None = None
    target: str = Field("", description="what the action lands on, as the device read it")


class Decision(BaseModel):
    """A person's answer: approve, reject (with a note for the model), or edit (run another action)."""

    model_config = ConfigDict(frozen=True)
    verdict: Literal["approve", "reject", "edit"]
    action: Action | None = Field(None, description="the replacement action, for edit")
    note: str = ""

    @classmethod
    def approve(cls, note: str = "") -> Decision:
        return cls(verdict="approve", note=note)

    @classmethod
    def reject(cls, note: str = "") -> Decision:
        return cls(verdict="reject", note=note)

    @classmethod
    def edit(cls, action: Action, note: str = "") -> Decision:
        return cls(verdict="edit", action=action, note=note)
