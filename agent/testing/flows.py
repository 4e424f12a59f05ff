"""YAML flows: UI tests written as data, checked before anything launches.

```yaml
name: sign in
env: {browser: {url: "http://localhost:8000/login.html", viewport: 1280x720}}
steps:
  - type: {text: ada, into: the user name field}
  - tap: the Login button
  - assert: the welcome banner says Hello Ada
```

One YAML document is one flow (a file may hold several, separated by `---`). Every error names the
file and the line of the offending step or field, because a flow author should not have to read a
pydantic traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

StepKind = Literal[
    "tap",
    "double_tap",
    "long_press",
    "type",
    "key",
    "scroll",
    "drag",
    "assert",
    "query",
    "wait_until",
    "navigate",
    "wait",
]
STEP_KINDS: tuple[str, ...] = get_args(StepKind)
"""The step kinds a flow may use, in the order the error messages list them."""
QUERY_TYPES: dict[str, Any] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "list[str]": list[str],
    "list[int]": list[int],
    "list[float]": list[float],
}


class FlowError(ValueError):
    """A flow file that cannot be run; the message starts with `file:line:`."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TypeArgs(_Strict):
    text: str = Field(min_length=1)
    into: str | None = Field(None, description="the field to click first; omitted: type where the focus is")


class LongPressArgs(_Strict):
    target: str = Field(min_length=1)
    duration: float = Field(1.0, ge=0, le=60)


class ScrollArgs(_Strict):
    until: str | None = Field(None, description="scroll until this element is visible")
    direction: Literal["up", "down", "left", "right"] = "down"
    max_scrolls: int = Field(10, ge=1, le=100)
    distance: int = Field(400, ge=1, le=10_000, description="screen px per scroll")


class DragArgs(_Strict):
    source: str = Field(alias="from", min_length=1)
    target: str = Field(alias="to", min_length=1)


class QueryArgs(_Strict):
    question: str = Field(min_length=1)
    type: str = "str"
    expect: Any = Field(None, description="when given, the answer must equal this value")

    @field_validator("type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value.replace(" ", "") not in QUERY_TYPES:
            raise ValueError(f"unknown query type {value!r}; use one of {', '.join(QUERY_TYPES)}")
        return value.replace(" ", "")


class WaitUntilArgs(_Strict):
    statement: str = Field(min_length=1)
    timeout: float = Field(10.0, gt=0, le=600)
    interval: float = Field(0.5, ge=0, le=60)


_ARGS: dict[str, type[BaseModel]] = {
    "type": TypeArgs,
    "long_press": LongPressArgs,
    "scroll": ScrollArgs,
    "drag": DragArgs,
    "query": QueryArgs,
    "wait_until": WaitUntilArgs,
}
_SHORT_FIELD = {"long_press": "target", "scroll": "until", "query": "question", "wait_until": "statement"}


class Step(_Strict):
    """One step: its kind and its arguments (a string for the one-argument kinds)."""

    kind: StepKind
    value: Any
    line: int = 0

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, data: Any) -> Any:
        """Accept the YAML shape `{tap: the Login button}` as well as `{kind: ..., value: ...}`."""
        if isinstance(data, dict) and "kind" not in data:
            keys = [k for k in data if k != "line"]
            if len(keys) != 1:
                raise ValueError(
                    f"a step has exactly one kind (one of {', '.join(STEP_KINDS)}), got {keys or 'none'}"
                )
            kind = keys[0]
            if kind not in STEP_KINDS:
                raise ValueError(f"unknown step {kind!r}; use one of {', '.join(STEP_KINDS)}")
            return {"kind": kind, "value": data[kind], "line": data.get("line", 0)}
        if isinstance(data, str):
            raise ValueError(f"a step is a mapping such as `- tap: {data}`, got a bare string")
        return data

    @model_validator(mode="after")
    def _check_value(self) -> Step:
        if self.kind in _ARGS:
            value = self.value
            if isinstance(value, str) and self.kind in _SHORT_FIELD:
                value = {_SHORT_FIELD[self.kind]: value}
            try:
                parsed = _ARGS[self.kind].model_validate(value)
            except ValidationError as error:
                first = error.errors()[0]
                field = ".".join(str(p) for p in first["loc"])
                raise ValueError(f"`{self.kind}`{' ' + field if field else ''}: {first['msg']}") from None
            object.__setattr__(self, "value", parsed)
        elif self.kind == "wait":
            if (
                isinstance(self.value, bool)
                or not isinstance(self.value, int | float)
                or not 0 <= self.value <= 60
            ):
                raise ValueError("`wait` takes seconds between 0 and 60")
        elif not isinstance(self.value, str) or not self.value.strip():
            raise ValueError(f"`{self.kind}` takes a non-empty string")
        return self

    def describe(self) -> str:
        value = self.value
        if isinstance(value, BaseModel):
            value = ", ".join(f"{k}={v!r}" for k, v in value.model_dump(exclude_defaults=True).items())
        return f"{self.kind}: {value}"


def viewport_size(value: Any) -> tuple[int, int]:
    if isinstance(value, str) and "x" in value:
        width, _, height = value.lower().partition("x")
        return int(width), int(height)
    if isinstance(value, dict):
        return int(value["width"]), int(value["height"])
    if isinstance(value, list | tuple) and len(value) == 2:
        return int(value[0]), int(value[1])
    raise ValueError("a viewport is WIDTHxHEIGHT, [width, height] or {width: .., height: ..}")


class BrowserSpec(_Strict):
    url: str = Field(min_length=1)
    viewport: tuple[int, int] = (1280, 720)
    dpr: float = Field(1.0, gt=0, le=4)
    headless: bool = True

    @field_validator("viewport", mode="before")
    @classmethod
    def _viewport(cls, value: Any) -> tuple[int, int]:
        return viewport_size(value)


class DesktopSpec(_Strict):
    display: str | None = Field(None, description="X display such as :99; default: $DISPLAY")


class EnvSpec(_Strict):
    browser: BrowserSpec | None = None
    desktop: DesktopSpec | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> EnvSpec:
        if (self.browser is None) == (self.desktop is None):
            raise ValueError("env needs exactly one of `browser` or `desktop`")
        return self


class Flow(_Strict):
    name: str = Field(min_length=1)
    env: EnvSpec
    model: str | None = None
    endpoint: str | None = None
    family: str | None = None
    cache: str | None = Field(None, description="locate cache file, relative to the flow file")
    steps: list[Step] = Field(min_length=1)
    file: str = ""
    line: int = 0


def _with_lines(node: yaml.Node) -> Any:
    """Python data from a YAML node, with `line` added to each step mapping (1-based)."""
    data = yaml.safe_load(yaml.serialize(node))
    if isinstance(data, dict) and isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if (
                key.value == "steps"
                and isinstance(value, yaml.SequenceNode)
                and isinstance(data["steps"], list)
            ):
                for item, step_node in zip(data["steps"], value.value, strict=True):
                    if isinstance(item, dict):
                        item["line"] = step_node.start_mark.line + 1
    return data


def _error_line(node: yaml.Node, loc: tuple[int | str, ...]) -> int:
    """The line of the deepest YAML node a pydantic error location still points into."""
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            match = node.value[part]
        else:
            match = None
        if match is None:
            break
        node = match
        line = node.start_mark.line + 1
    return line


def _describe_loc(loc: tuple[int | str, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
        rest = ".".join(str(p) for p in loc[2:] if p not in ("value", "kind"))
        return f"step {loc[1] + 1}{' ' + rest if rest else ''}: "
    return ".".join(str(p) for p in loc) + ": " if loc else ""


def load_flows(path: str | Path) -> list[Flow]:
    """Every flow in a YAML file, or FlowError with `file:line: what is wrong`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise FlowError(f"{path}: cannot read the flow file ({error.strerror or error})") from error
    try:
        nodes = [n for n in yaml.compose_all(text, Loader=yaml.SafeLoader) if n is not None]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        hint = " (quote text that holds ': ', '?', ',', '#' or braces)" if mark is not None else ""
        raise FlowError(
            f"{where}: not valid YAML: {getattr(error, 'problem', None) or error}{hint}"
        ) from error
    if not nodes:
        raise FlowError(f"{path}:1: the file holds no flow")
    flows = []
    for node in nodes:
        data = _with_lines(node)
        if not isinstance(data, dict):
            raise FlowError(
                f"{path}:{node.start_mark.line + 1}: a flow is a mapping with name, env and steps"
            )
        data.setdefault("name", path.stem)
        try:
            flow = Flow.model_validate({**data, "file": str(path), "line": node.start_mark.line + 1})
        except ValidationError as error:
            first = error.errors()[0]
            loc = tuple(first["loc"])
            where = _describe_loc(loc)
            message = first["msg"].removeprefix("Value error, ")
            raise FlowError(f"{path}:{_error_line(node, loc)}: {where}{message}") from error
        flows.append(flow)
    return flows
