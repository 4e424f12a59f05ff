#!/usr/bin/env bash
# Runs the whole test suite for real: ruff (lint + format), mypy, then pytest with no hub access, then
# the sample user project's suite. Assumes .ci/setup.sh ran.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 XDG_SESSION_TYPE=x11

# A real X screen for the desktop tests (they start their own for special sizes). A DISPLAY that
# answers is used as it is; otherwise a private Xvfb on a free display number (-displayfd), so a stale
# socket file from an earlier run can never stand in for a server. It is stopped on exit.
if ! .venv/bin/python -c "from Xlib.display import Display; Display().close()" >/dev/null 2>&1; then
  fifo="$(mktemp -u)"; mkfifo "$fifo"
  Xvfb -displayfd 3 -screen 0 1920x1080x24 -nolisten tcp 3>"$fifo" >/dev/null 2>&1 &
  xvfb_pid=$!
  trap 'kill "$xvfb_pid" 2>/dev/null || true' EXIT
  read -r -t 20 number <"$fifo" || { echo "Xvfb did not start" >&2; exit 1; }
  rm -f "$fifo"
  export DISPLAY=":$number"
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
bash .ci/typecheck.sh
.venv/bin/python -m pytest "$@"

# The sample user project (examples/shop-tests: its own package, pytest config and locate cache, run
# read-only as CI should) after the whole suite; a run narrowed to some tests (a path or -k/-m)
# leaves it out.
narrowed=0
for arg in "$@"; do
  case "$arg" in -k | -m | --lf | --last-failed | --deselect) narrowed=1 ;; esac
  if [ -e "${arg%%::*}" ]; then narrowed=1; fi
done
if [ "$narrowed" = 0 ]; then
  (cd examples/shop-tests && ../../.venv/bin/python -m pytest -q -p no:cacheprovider --agent-cache-mode=readonly)
fi
