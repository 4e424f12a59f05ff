"""The model options `agent eval` and `agent doctor` share, as `open_backend` takes them: which model,
the server that serves it, and its pixel budget. Only argparse is imported here (see agent.cli)."""

from __future__ import annotations

import argparse

MODEL_HELP = "a preset name, hub id, or the name a server serves (default preset)"


def add_model_arguments(parser: argparse.ArgumentParser, *, model_help: str = MODEL_HELP) -> None:
    """--model, --endpoint, --family, --server, --min-pixels and --max-pixels."""
    parser.add_argument("--model", help=model_help)
    parser.add_argument("--endpoint", help="an OpenAI-compatible server, e.g. http://host:8000/v1")
    parser.add_argument(
        "--family", help="model family when it cannot be inferred (qwen2vl, qwen25vl, uitars15...)"
    )
    parser.add_argument(
        "--server", default="auto",
        help="server kind: auto, vllm, sglang, ollama, dashscope, openrouter, generic, openai, lmstudio",
    )  # fmt: skip
    parser.add_argument("--min-pixels", type=int, help="the model's min_pixels, when not its preset's")
    parser.add_argument("--max-pixels", type=int, help="the model's max_pixels, when not its preset's")
