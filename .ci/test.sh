#!/usr/bin/env bash
# Runs the whole test suite for real: ruff, then pytest with no hub access. Assumes .ci/setup.sh ran.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 XDG_SESSION_TYPE=x11

# A real X screen for the desktop tests (they start their own for special sizes).
if [ -z "${DISPLAY:-}" ]; then
  export DISPLAY=:99
  if [ ! -e /tmp/.X11-unix/X99 ]; then
    Xvfb :99 -screen 0 1920x1080x24 -nolisten tcp >/dev/null 2>&1 &
    for _ in $(seq 50); do [ -e /tmp/.X11-unix/X99 ] && break; sleep 0.1; done
  fi
fi

.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
