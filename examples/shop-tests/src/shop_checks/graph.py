"""The LangGraph app `langgraph dev` serves (langgraph.json): the prebuilt GUI graph on the shop.

Each run gets its own headless Chromium on the shop (SHOP_URL), keyed by the run's `device_id` (the
thread id unless the input names one) and closed when the run ends. The agent may call the shop's
`lookup_order` tool. Placing an order is risky ("place order"), so the run stops with an interrupt in
LangChain's human-in-the-loop format; answer it with `{"decisions": [{"type": "approve"}]}`. A run's
config may set its own budgets and confirmation policy: `{"configurable": {"max_steps": 10}}`.

The model: ANYRES_MODEL (a preset, a hub id or a folder) and ANYRES_ENDPOINT (an OpenAI-compatible
server) when set, else the scripted stand-in (script.py). Trajectories go to SHOP_RUNS (default runs/).
"""

from __future__ import annotations

import os
from pathlib import Path

from anyres_agent.agent.config import AgentConfig
from anyres_agent.agent.graph import GuiSession, SessionRegistry, build_gui_graph
from anyres_agent.environments.browser import BrowserEnvironment
from anyres_agent.model.backends import ScriptedBackend, open_backend
from anyres_agent.model.families import get_family
from shop_checks.order_tools import order_tools
from shop_checks.script import ShopScript


async def open_session(device_id: str) -> GuiSession:
    shop_url = os.environ["SHOP_URL"]
    env = await BrowserEnvironment.launch(shop_url + "/", viewport=(1024, 700), allowed_domains=["127.0.0.1"])
    if os.environ.get("ANYRES_MODEL") or os.environ.get("ANYRES_ENDPOINT"):
        backend, spec = open_backend(
            os.environ.get("ANYRES_MODEL"), endpoint=os.environ.get("ANYRES_ENDPOINT")
        )
        family = get_family(spec.family)
    else:
        family = get_family("qwen25vl")
        backend = ScriptedBackend(ShopScript(env, family))
    return GuiSession(
        env=env,
        backend=backend,
        family=family,
        config=AgentConfig(max_steps=20, record_dir=Path(os.environ.get("SHOP_RUNS", "runs"))),
        tools=order_tools(shop_url),
    )


graph = build_gui_graph(SessionRegistry(open_session), name="shop_agent")
