"""What a family's parser returns: the model's thought and its actions in screen space.

A parse either yields a `ParsedAnswer` or raises `ParseError` with a message written for the model
(the loop feeds it back so the model can correct itself).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from anyres_agent.tools import Action


class Box(BaseModel):
    """A rectangle in screen space (what the model grounded), kept for reports and test APIs."""

    model_config = ConfigDict(frozen=True)
    x1: int
    y1: int
    x2: int
    y2: int

    @property
    def center(self) -> tuple[int, int]:
        return (self.x1 + self.x2) // 2, (self.y1 + self.y2) // 2


class GroundedAction(BaseModel):
    model_config = ConfigDict(frozen=True)
    action: Action
    box: Box | None = Field(None, description="the grounded box in screen space, when the model gave one")


class ParsedAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)
    thought: str = ""
    steps: list[GroundedAction] = Field(default_factory=list)
    raw: str = ""
    cut_chars: int = Field(0, ge=0, description="characters cut from the middle of an over-long answer")

    @property
    def actions(self) -> list[Action]:
        return [s.action for s in self.steps]

    @property
    def note(self) -> str:
        """What a trajectory should record about how the answer was read ("" when read whole)."""
        return cut_note(len(self.raw), self.cut_chars)


def cut_note(length: int, cut: int) -> str:
    """The note for an answer of `length` characters whose middle `cut` characters were not read."""
    if not cut:
        return ""
    return (
        f"the answer was {length:,} characters long; {cut:,} characters were cut from its middle "
        "and only its head and tail were read"
    )


class ParseError(ValueError):
    """The model's answer could not be turned into actions; `str(error)` says what was wrong."""

    def __init__(self, message: str, *, raw: str = "", cut_chars: int = 0) -> None:
        super().__init__(message)
        self.raw = raw
        self.cut_chars = cut_chars

    @property
    def note(self) -> str:
        """What a trajectory should record about how the answer was read ("" when read whole)."""
        return cut_note(len(self.raw), self.cut_chars)
