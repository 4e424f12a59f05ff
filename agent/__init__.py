"""The agent: loop, guards, trajectory and report, LangGraph node, test-automation API, CLI."""
