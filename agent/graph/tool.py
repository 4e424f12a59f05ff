"""The GUI agent as a LangChain tool: a chat agent (`create_react_agent`, a `ToolNode`) hands a screen
task to it and reads back how it went.

    screen = gui_tool(sessions)                    # a StructuredTool named "use_screen"
    agent = create_react_agent(chat_model, [screen, ...], checkpointer=InMemorySaver())

Inside, the tool runs the prebuilt GUI graph as `GuiAgentNode` does: on the calling graph's
checkpointer and namespace, so every GUI step is checkpointed, a risky action interrupts the chat
agent's graph (answer it with a resume value as usual; the tool call then continues where it stood),
and step events reach the caller's custom stream. The tool's result is the run's `GuiResult` as JSON.
The device session is the thread's (or the `device_id` the tool is built with), closed when the task
ends.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langchain_core.tools import StructuredTool
from pydantic import BaseModel, Field

from anyres_agent.agent.graph.node import GuiAgentNode
from anyres_agent.agent.graph.prebuilt import NodeLike
from anyres_agent.agent.graph.registry import SessionFactory, SessionRegistry

DESCRIPTION = (
    "Operate the screen (a browser, a desktop or a phone) to do one task, described in plain words, "
    "e.g. 'sign in as ada and open the invoices page'. Returns JSON with the status (success, failure, "
    "stopped or error), the reason, any answer the task asked for, and the number of steps."
)


class ScreenTask(BaseModel):
    """The tool's one argument."""

    task: str = Field(min_length=1, description="what to do on the screen, in plain words")


def gui_tool(
    sessions: SessionRegistry | SessionFactory,
    *,
    name: str = "use_screen",
    description: str = DESCRIPTION,
    before_act: Sequence[tuple[str, NodeLike]] = (),
) -> StructuredTool:
    """A tool that runs one screen task on the calling thread's device session (see module doc)."""
    node = GuiAgentNode(sessions, before_act=before_act)

    async def use_screen(task: str, config: RunnableConfig) -> str:
        update: dict[str, Any] = await node({"task": task}, config)
        return json.dumps(update[node.result_key], ensure_ascii=False)

    return StructuredTool.from_function(
        coroutine=use_screen, name=name, description=description, args_schema=ScreenTask
    )


__all__ = ["DESCRIPTION", "ScreenTask", "gui_tool"]
