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

    @property
    def actions(self) -> list[Action]:
        return [s.action for s in self.steps]


class ParseError(ValueError):
    """The model's answer could not be turned into actions; `str(error)` says what was wrong."""

    def __init__(self, message: str, *, raw: str = "") -> None:
        super().__init__(message)
        self.raw = raw
