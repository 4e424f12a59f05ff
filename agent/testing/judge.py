"""Prompts and tolerant parsing for the model as a judge: assertions, typed queries, waits.

The model is asked for a small JSON object. Served open models wrap JSON in code fences, use Python
literals (`True`, single quotes), add trailing commas or a sentence around it; all of that is read
by model.families.textparse's bounded parser, never `eval`. What cannot be read raises
`JudgeAnswerError` with the raw text, so a failing test says whether the screen was wrong or the
model's answer was unreadable.
"""

from __future__ import annotations

import json
import re
from typing import Any

from PIL import Image
from pydantic import BaseModel, TypeAdapter, ValidationError

from anyres_agent.model.conversation import ImagePart, Message, TextPart
from anyres_agent.model.families.textparse import LiteralError, cap_answer, parse_literal

JUDGE_MARKER = "You are checking a screenshot of a user interface."
SYSTEM = (
    f"{JUDGE_MARKER} Look only at what the screenshot shows. Answer with one JSON object and nothing else."
)
SPECIAL_TOKENS = re.compile(r"<\|[a-z_]+\|>")
FENCE = re.compile(r"```(?:json|python|JSON)?\s*(.*?)```", re.DOTALL)


class JudgeAnswerError(RuntimeError):
    """The model's answer could not be read as the JSON asked for."""

    def __init__(self, message: str, *, raw: str) -> None:
        super().__init__(f"{message}; the model answered: {raw[:500]!r}")
        self.raw = raw


class Verdict(BaseModel):
    """The judge's decision on a statement, with what it saw."""

    result: bool
    reason: str = ""


def _messages(screenshot: Image.Image, text: str) -> list[Message]:
    return [
        Message.text("system", SYSTEM),
        Message(role="user", content=[ImagePart(image=screenshot), TextPart(text=text)]),
    ]


def assert_messages(statement: str, screenshot: Image.Image) -> list[Message]:
    """Ask whether a statement about the screen is true, with the evidence."""
    text = (
        f"Statement: {statement}\n"
        "Is this statement true of the screenshot? Answer exactly in this JSON form:\n"
        '{"result": true or false, "reason": "what you see on the screen that decides it"}'
    )
    return _messages(screenshot, text)


def schema_for(kind: Any) -> dict[str, Any]:
    """The JSON schema shown to the model for the value a query must return."""
    return _untitled(TypeAdapter(kind).json_schema())


def _untitled(node: Any) -> Any:
    """The schema without pydantic's `title` keys: noise to a model, and tokens."""
    if isinstance(node, dict):
        return {k: _untitled(v) for k, v in node.items() if not (k == "title" and isinstance(v, str))}
    if isinstance(node, list):
        return [_untitled(v) for v in node]
    return node


def query_messages(question: str, kind: Any, screenshot: Image.Image) -> list[Message]:
    """Ask a question whose answer must validate as `kind` (int, str, list[str], a pydantic model...)."""
    schema = json.dumps(schema_for(kind), separators=(",", ":"))
    text = (
        f"Question: {question}\n"
        f"Answer from the screenshot. The answer must match this JSON schema: {schema}\n"
        'Answer exactly in this JSON form: {"result": <the answer>}'
    )
    return _messages(screenshot, text)


MAX_FENCES = 8


def _whole(text: str) -> Any:
    """`text` as exactly one value (`true`, `3`, `"Ada"`, `{...}`), with nothing around it."""
    stripped = text.strip()
    value, end = parse_literal(stripped, 0, strict=True)
    if end != len(stripped):
        raise LiteralError("text after the value")
    return value


def read_json(text: str) -> Any:
    """The first JSON-like value in a model's answer; raises ValueError when there is none.

    Tried in order: fenced blocks, the value at the first `{` and at the first `[`, the whole answer.
    The reading is textparse's bounded one (JSON, Python literals, trailing commas, a missing closing
    bracket; bare words are not values) on the head and tail of an over-long answer, so junk of any
    size is rejected in milliseconds, and nothing is evaluated."""
    cleaned = SPECIAL_TOKENS.sub("", cap_answer(text)[0])
    for _, fence in zip(range(MAX_FENCES), FENCE.finditer(cleaned), strict=False):
        try:
            return _whole(fence.group(1))
        except LiteralError:
            continue
    for start in sorted(i for i in (cleaned.find("{"), cleaned.find("[")) if i != -1):
        try:
            return parse_literal(cleaned, start, strict=True)[0]
        except LiteralError:
            continue
    try:
        return _whole(cleaned)
    except LiteralError:
        raise ValueError("no JSON value found") from None


_BOOL_WORDS = {"true": True, "yes": True, "false": False, "no": False}


def parse_verdict(text: str) -> Verdict:
    """A `Verdict` from the model's answer; a bare true/false/yes/no is accepted without a reason."""
    try:
        data = read_json(text)
    except ValueError:
        word = re.match(r"\s*([A-Za-z]+)", SPECIAL_TOKENS.sub("", text))
        if word and word.group(1).lower() in _BOOL_WORDS:
            rest = SPECIAL_TOKENS.sub("", text).strip()[len(word.group(1)) :].strip(" .:,-\n")
            return Verdict(result=_BOOL_WORDS[word.group(1).lower()], reason=rest)
        raise JudgeAnswerError('expected {"result": true|false, "reason": "..."}', raw=text) from None
    if isinstance(data, bool):
        return Verdict(result=data)
    if isinstance(data, dict):
        data = {str(k).lower(): v for k, v in data.items()}
        value = data.get("result", data.get("answer", data.get("value")))
        if isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
            value = _BOOL_WORDS[value.strip().lower()]
        if isinstance(value, bool):
            return Verdict(result=value, reason=str(data.get("reason", data.get("explanation", ""))))
    raise JudgeAnswerError('expected {"result": true|false, "reason": "..."}', raw=text)


def parse_query(text: str, kind: Any) -> Any:
    """The answer validated as `kind`: `{"result": value}`, or a bare value that validates."""
    adapter: TypeAdapter[Any] = TypeAdapter(kind)
    try:
        data = read_json(text)
    except ValueError:
        data = SPECIAL_TOKENS.sub("", text).strip()
    attempts: list[Any] = []
    if isinstance(data, dict):
        lowered = {str(k).lower(): v for k, v in data.items()}
        for name in ("result", "answer", "value"):
            if name in lowered:
                attempts.append(lowered[name])
    attempts.append(data)
    last: ValidationError | None = None
    for attempt in attempts:
        try:
            return adapter.validate_python(attempt)
        except ValidationError as error:
            last = error
            if isinstance(attempt, str | int | float):
                try:
                    return adapter.validate_json(json.dumps(attempt))
                except ValidationError:
                    pass
    detail = last.errors()[0]["msg"] if last else "no value"
    raise JudgeAnswerError(f"expected a value matching {schema_for(kind)} ({detail})", raw=text)
