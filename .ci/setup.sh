#!/usr/bin/env bash
# Sets up everything anyres-agent and its tests need on a fresh Debian/Ubuntu machine, as root:
# system packages (only the missing ones), a virtual environment in .venv, the CPU build of
# torch==2.13.0 first, then the project with all extras.
#
# Why torch first, and how: on Linux x86_64, PyPI's torch 2.13.0 is the CUDA build, which pulls about
# 2.7 GB of nvidia/triton wheels. The CPU build (`2.13.0+cpu`, ~200 MB) lives on PyTorch's own index
# (https://download.pytorch.org/whl/cpu) or in a local wheelhouse that pip's configuration names
# (find-links). Nothing here depends on the calling shell's variables: pip reads its configuration
# files as usual, and when no CPU build is reachable the PyPI build is installed instead (it runs on a
# CPU too; the tests pass with either). A torch already in .venv (say a CUDA build you chose) is kept.
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
TORCH=2.13.0
CPU_INDEX=https://download.pytorch.org/whl/cpu
install_torch() {
  local extra=()
  if .venv/bin/python -c "import urllib.request as u; u.urlopen('$CPU_INDEX/torch/', timeout=15)" >/dev/null 2>&1; then
    extra=(--extra-index-url "$CPU_INDEX")
  fi
  local log
  log="$(mktemp)"
  if .venv/bin/python -m pip install -q "${extra[@]}" "torch==$TORCH+cpu" 2>"$log"; then
    rm -f "$log"
    return 0
  fi
  echo "setup: no CPU build of torch $TORCH is reachable (pip: $(grep -m1 '^ERROR' "$log" || tail -n1 "$log"))." \
    "Neither PyTorch's CPU index nor a local wheel in pip's configuration (find-links) has it, so PyPI's" \
    "torch==$TORCH is installed instead: on Linux x86_64 the CUDA build, about 2.7 GB of wheels; it runs" \
    "on a CPU too" >&2
  rm -f "$log"
  .venv/bin/python -m pip install -q "torch==$TORCH"
}
.venv/bin/python -c 'import torch' >/dev/null 2>&1 || install_torch
.venv/bin/python -m pip install -q -e '.[dev]'
# the sample user project (its own package, shop_checks): its suite runs after ours in .ci/test.sh
.venv/bin/python -m pip install -q -e examples/shop-tests
echo "setup: done ($(.venv/bin/python --version), torch $(.venv/bin/python -c 'import torch; print(torch.__version__)'))"
