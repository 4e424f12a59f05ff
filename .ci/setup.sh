#!/usr/bin/env bash
# Sets up everything anyres-agent and its tests need on a fresh Debian/Ubuntu machine, as root:
# system packages (only the missing ones), a virtual environment in .venv, torch==2.13.0 first (so no
# CUDA build is pulled), then the project with all extras.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for pair in chromium:chromium Xvfb:xvfb xdotool:xdotool xterm:xterm scrot:scrot; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need_apt+=("${pair#*:}")
done
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_apt+=(python3 python3-venv python3-pip)
python3 -c 'import tkinter' >/dev/null 2>&1 || need_apt+=(python3-tk)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  for attempt in 1 2 3; do
    if apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_apt[@]}" fonts-dejavu-core; then
      break
    fi
    echo "setup: apt-get failed (attempt $attempt), retrying" >&2; sleep 5
  done
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -c 'import torch' >/dev/null 2>&1 || .venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e '.[dev]'
# the sample user project (its own package, shop_checks): its suite runs after ours in .ci/test.sh
.venv/bin/python -m pip install -q -e examples/shop-tests
echo "setup: done ($(.venv/bin/python --version), torch $(.venv/bin/python -c 'import torch; print(torch.__version__)'))"
