#!/usr/bin/env bash
# Installs browser-use 0.13.14 in its own virtualenv (tests/benchmarks/peers/.venv, git-ignored) for
# tests/benchmarks/bench_loop_overhead.py's comparison row. Its dependencies (openai, anthropic,
# google-genai, cdp-use...) never enter the project's own environment. browser-use drives the system
# Chromium over CDP; no browser download is needed.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet "browser-use==0.13.14"
.venv/bin/python -c "import importlib.metadata as m; print(\"browser-use\", m.version(\"browser-use\"), \"is ready\")"
