"""shop-checks: how a team embeds anyres-agent in its own project.

- `shop`: the web shop under test (a tiny loopback server: catalog, cart, checkout, an orders API);
- `order_tools`: a custom tool, `lookup_order`, that the agent calls like a built-in action;
- `script`: a scripted stand-in for the model (reads the live page, answers in the model's format);
- `graph`: the LangGraph app that `langgraph dev` serves (langgraph.json).
"""
