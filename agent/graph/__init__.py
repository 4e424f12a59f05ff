"""Embedding in LangGraph: a GUI node for your graphs, a prebuilt step graph, interrupts and resume.

Importing this package imports LangGraph (the `langgraph` extra); nothing else in `agent` does.
"""

from anyres_agent.agent.graph.interrupts import Resume, ResumeError, parse_resume
from anyres_agent.agent.graph.node import GuiAgentNode, route_subtasks
from anyres_agent.agent.graph.prebuilt import (
    NOT_REPEATED,
    ROUTES,
    build_gui_graph,
    gui_graph_builder,
    route_phase,
)
from anyres_agent.agent.graph.registry import GuiSession, SessionFactory, SessionRegistry
from anyres_agent.agent.graph.state import GuiGraphState, GuiJobState, GuiResult, read_run, write_run
from anyres_agent.agent.graph.tool import gui_tool

__all__ = [
    "NOT_REPEATED",
    "ROUTES",
    "GuiAgentNode",
    "GuiGraphState",
    "GuiJobState",
    "GuiResult",
    "GuiSession",
    "Resume",
    "ResumeError",
    "SessionFactory",
    "SessionRegistry",
    "build_gui_graph",
    "gui_graph_builder",
    "gui_tool",
    "parse_resume",
    "read_run",
    "route_phase",
    "route_subtasks",
    "write_run",
]
