"""Function-calling schemas for the action vocabulary, and the way back from a tool call to an action.

The schemas are in the OpenAI/Hermes "tools" shape that vLLM, SGLang, Ollama and Qwen-Agent accept.
`action_from_call` is the inverse: it validates a call's arguments and turns pydantic's error list
into one readable line that can be shown to a person or fed back to a model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from anyres_agent.tools.actions import ACTIONS_BY_NAME, Action, ToolCall, _Action


class InvalidActionError(ValueError):
    """An action that does not validate; the message says which field and why."""


_ACTION_ADAPTER: TypeAdapter[Action] = TypeAdapter(Action)
_TAGS = frozenset(ACTIONS_BY_NAME) | {ToolCall.model_fields["type"].default}
"""The `type` tags of the Action union: pydantic puts the tag first in an error's location."""


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """Function-calling servers often reject `$ref`: inline the (non-recursive) definitions."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(dict(defs[node["$ref"].rsplit("/", 1)[-1]]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


def model_parameters(model: type[BaseModel]) -> dict[str, Any]:
    """A pydantic model's JSON schema as function-calling `parameters`: inlined (servers often reject
    `$ref`), without titles, no extra properties."""
    schema = inline_refs(model.model_json_schema())
    schema.pop("title", None)
    schema.setdefault("properties", {})
    for prop in schema["properties"].values():
        prop.pop("title", None)
    schema["additionalProperties"] = False
    return schema


def parameters_schema(action_cls: type[_Action]) -> dict[str, Any]:
    """The JSON schema of one action's arguments (without its `type` tag)."""
    schema = model_parameters(action_cls)
    schema["properties"].pop("type", None)
    schema["required"] = [r for r in schema.get("required", []) if r != "type"]
    return schema


def function_schema(name: str) -> dict[str, Any]:
    cls = ACTIONS_BY_NAME[name]
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": " ".join((cls.__doc__ or name).split()),
            "parameters": parameters_schema(cls),
        },
    }


def function_schemas(names: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Schemas for the given action names (all of them by default), in vocabulary order."""
    wanted = set(ACTIONS_BY_NAME if names is None else names)
    unknown = wanted - set(ACTIONS_BY_NAME)
    if unknown:
        raise KeyError(f"unknown action names {sorted(unknown)}; known: {sorted(ACTIONS_BY_NAME)}")
    return [function_schema(n) for n in ACTIONS_BY_NAME if n in wanted]


def describe_validation_error(error: ValidationError, what: str) -> str:
    parts = []
    for item in error.errors():
        loc_parts = [str(p) for p in item["loc"]]
        if loc_parts and loc_parts[0] in _TAGS:
            loc_parts = loc_parts[1:]
        loc = ".".join(loc_parts)
        msg = item["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return f"invalid {what}: " + "; ".join(parts)


def action_from_call(name: str, arguments: Mapping[str, Any] | None = None) -> Action:
    """Build a validated action from a function call such as ("click", {"x": 10, "y": 20})."""
    if name not in ACTIONS_BY_NAME:
        raise InvalidActionError(f"unknown action {name!r}; known actions: {', '.join(ACTIONS_BY_NAME)}")
    if arguments is not None and not isinstance(arguments, Mapping):
        raise InvalidActionError(f"arguments of {name!r} must be an object, got {type(arguments).__name__}")
    return parse_action({**(arguments or {}), "type": name})


def parse_action(data: Any) -> Action:
    """Validate a dict (or JSON string) with a `type` field into an action."""
    try:
        if isinstance(data, str | bytes):
            return _ACTION_ADAPTER.validate_json(data)
        return _ACTION_ADAPTER.validate_python(data)
    except ValidationError as error:
        kind = data.get("type", "action") if isinstance(data, Mapping) else "action"
        raise InvalidActionError(describe_validation_error(error, f"{kind} action")) from None
