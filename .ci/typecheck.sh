#!/usr/bin/env bash
# mypy (with the pydantic plugin) over the package as users import it: anyres_agent.{agent,model,...}.
# The folders are mapped under anyres_agent only when installed, and mypy cannot follow setuptools'
# editable import hook, so this builds a tree of links with that shape in build/typecheck and checks it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tree=build/typecheck/anyres_agent
mkdir -p "$tree"
for part in agent model tools environments; do ln -sfn "$root/$part" "$tree/$part"; done
for file in "$root"/anyres_agent/*; do ln -sfn "$file" "$tree/$(basename "$file")"; done
cd build/typecheck
"$root/.venv/bin/mypy" --config-file "$root/pyproject.toml" --cache-dir "$root/build/mypy-cache" -p anyres_agent
