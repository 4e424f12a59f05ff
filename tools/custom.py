"""Custom tools: actions the embedding application adds (read the clipboard, run SQL, call an MCP tool).

A tool is a name, a description, a pydantic model of its arguments and a handler. The model sees it
in its own family's format (a function schema, a `name(arg='...')` line...); what it answers is
validated against the arguments model while the answer is parsed, so a bad call is fed back to the
model like any other parse error; and the loop runs the handler instead of touching a device. Every
call travels through the run state as one generic, typed action, `ToolCall`, so a checkpoint, a
trajectory or a confirmation holds it like a built-in action.

    class OrderQuery(BaseModel):
        order_id: str = Field(description="the order number, e.g. A-1042")

    async def lookup_order(args: OrderQuery) -> str:
        return await my_api.status(args.order_id)

    tools = Toolbox([Tool("lookup_order", "Look up an order's status.", OrderQuery, lookup_order)])
    # or: Tool.from_function(lookup_order_fn), which reads the arguments from the signature
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from anyres_agent.tools.actions import ALL_ACTION_NAMES, TOOL_NAME_PATTERN, ToolCall
from anyres_agent.tools.schema import InvalidActionError, describe_validation_error, model_parameters

TOOL_NAME = re.compile(TOOL_NAME_PATTERN)
MAX_RESULT_CHARS = 4_000
"""A handler's result is fed back to the model as a note; a huge one would crowd out the task."""

Handler = Callable[[Any], "Awaitable[Any] | Any"]


class Tool:
    """One custom tool. `handler(arguments)` gets the validated arguments model (sync or async; a sync
    handler runs in a worker thread, so it may block). `confirm`, when set, is the reason a person is
    asked before each call (as for paying or deleting)."""

    def __init__(
        self,
        name: str,
        description: str,
        arguments: type[BaseModel],
        handler: Handler,
        *,
        confirm: str | None = None,
    ) -> None:
        if not TOOL_NAME.fullmatch(name):
            raise ValueError(f"tool name {name!r} must be lower-case snake case (a-z, 0-9, _), <= 64 chars")
        if name in ALL_ACTION_NAMES:
            raise ValueError(f"tool name {name!r} is a built-in action; give your tool another name")
        if not (isinstance(arguments, type) and issubclass(arguments, BaseModel)):
            raise TypeError(f"the arguments of tool {name!r} must be a pydantic model class")
        self.name = name
        self.description = " ".join(description.split())
        self.arguments = arguments
        self.handler = handler
        self.confirm = confirm

    def __repr__(self) -> str:
        return f"Tool({self.name!r})"

    @classmethod
    def from_function(
        cls,
        function: Handler,
        *,
        name: str | None = None,
        description: str | None = None,
        confirm: str | None = None,
    ) -> Tool:
        """A tool from a typed function: its name, its docstring and its annotated parameters (defaults
        kept) become the tool's name, description and arguments model."""
        hints = get_type_hints(function)
        fields: dict[str, Any] = {}
        for parameter in inspect.signature(function).parameters.values():
            if parameter.name not in hints:
                raise TypeError(f"parameter {parameter.name!r} of {function.__name__} needs a type hint")
            default = ... if parameter.default is inspect.Parameter.empty else parameter.default
            fields[parameter.name] = (hints[parameter.name], default)
        tool_name = name or function.__name__
        model = create_model(f"{tool_name}_arguments", __config__=ConfigDict(extra="forbid"), **fields)

        async def call(arguments: BaseModel) -> Any:
            values = {key: getattr(arguments, key) for key in fields}
            return await _call(function, **values)

        about = description or inspect.getdoc(function) or tool_name
        return cls(tool_name, about, model, call, confirm=confirm)

    def parameters(self) -> dict[str, Any]:
        """The arguments' JSON schema, inlined (function-calling servers often reject `$ref`)."""
        return model_parameters(self.arguments)

    def function_schema(self) -> dict[str, Any]:
        """The OpenAI/Hermes `tools` entry for this tool."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters()},
        }

    def field_names(self) -> list[str]:
        return list(self.arguments.model_fields)

    def validate(self, arguments: Mapping[str, Any]) -> BaseModel:
        """The arguments as the tool's model; names it does not declare are refused (the schema the
        model saw says so), unless the model itself allows extras."""
        if self.arguments.model_config.get("extra") != "allow":
            known = {
                alias for name, f in self.arguments.model_fields.items() for alias in (name, f.alias) if alias
            }
            unknown = sorted(set(arguments) - known)
            if unknown:
                takes = ", ".join(self.field_names()) or "no arguments"
                raise InvalidActionError(
                    f"invalid {self.name} call: {', '.join(unknown)}: Extra inputs are not permitted "
                    f"({self.name} takes {takes})"
                )
        try:
            return self.arguments.model_validate(dict(arguments))
        except ValidationError as error:
            raise InvalidActionError(describe_validation_error(error, f"{self.name} call")) from None


async def _call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    if inspect.iscoroutinefunction(function):
        return await function(*args, **kwargs)
    result = await asyncio.to_thread(function, *args, **kwargs)
    return await result if inspect.isawaitable(result) else result


def result_text(value: Any) -> str:
    """A handler's result as the text the model is told (bounded)."""
    if value is None:
        text = "done"
    elif isinstance(value, str):
        text = value
    elif isinstance(value, BaseModel):
        text = value.model_dump_json()
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_RESULT_CHARS else text[: MAX_RESULT_CHARS - 3] + "..."


class Toolbox:
    """The custom tools of one agent, by name; empty by default (then every prompt is the official one)."""

    def __init__(self, tools: Iterable[Tool] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        for tool in tools:
            if tool.name in self._tools:
                raise ValueError(f"two tools are named {tool.name!r}")
            self._tools[tool.name] = tool
        self.key: tuple[str, ...] = tuple(
            json.dumps(tool.function_schema(), sort_keys=True) for tool in self._tools.values()
        )
        """Identifies the prompt-relevant content (a family caches prompts by it)."""

    def __bool__(self) -> bool:
        return bool(self._tools)

    def __len__(self) -> int:
        return len(self._tools)

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __repr__(self) -> str:
        return f"Toolbox({sorted(self._tools)})"

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._tools)

    def get(self, name: str) -> Tool:
        tool = self._tools.get(name)
        if tool is None:
            known = ", ".join(self._tools) or "none"
            raise InvalidActionError(f"unknown tool {name!r}; registered tools: {known}")
        return tool

    def check_names(self, reserved: Iterable[str], family: str) -> None:
        """Refuse tool names a model family already uses for its own actions (its parser could not
        tell them apart)."""
        clash = sorted(self.names & {r.lower() for r in reserved})
        if clash:
            names = ", ".join(clash)
            raise ValueError(f"tool name(s) {names} collide with {family}'s own actions; rename them")

    def call(self, name: str, arguments: Mapping[str, Any] | None) -> ToolCall:
        """A validated call (what a family's parser produces); a bad argument raises InvalidActionError."""
        if arguments is not None and not isinstance(arguments, Mapping):
            kind = type(arguments).__name__
            raise InvalidActionError(f"the arguments of {name!r} must be an object, got {kind}")
        validated = self.get(name).validate(arguments or {})
        return ToolCall(name=name, arguments=validated.model_dump(mode="json"))

    async def run(self, call: ToolCall) -> str:
        """Run a call's handler (arguments validated again: an edited call may come from a person)."""
        tool = self.get(call.name)
        return result_text(await _call(tool.handler, tool.validate(call.arguments)))


NO_TOOLS = Toolbox()
