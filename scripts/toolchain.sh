#!/usr/bin/env bash
# Runs a command with the project's toolchain: Node >= 22 (Node 24 LTS preferred) and pnpm.
# A machine that has only an older Node and npm gets both from the npm registry into ./.tools,
# so `bash scripts/toolchain.sh pnpm start` works on a fresh clone with nothing else installed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
node_version=24
pnpm_version=10.34.9

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major node)" -lt 22 ] || ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null | cut -d. -f1)" != "${pnpm_version%%.*}" ]; then
  if [ ! -x "$tools/node_modules/.bin/node" ] || [ "$(node_major "$tools/node_modules/.bin/node")" -lt 22 ] || [ ! -x "$tools/node_modules/.bin/pnpm" ]; then
    echo "toolchain: installing node@$node_version and pnpm@$pnpm_version into .tools/" >&2
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-save --no-audit --no-fund --loglevel=error \
      "node@$node_version" "pnpm@$pnpm_version" >&2
  fi
  export PATH="$tools/node_modules/.bin:$PATH"
fi

cd "$root"
# Install dependencies when the lockfile changed since the last install (or never installed).
stamp="node_modules/.install-stamp"
if [ ! -f "$stamp" ] || [ pnpm-lock.yaml -nt "$stamp" ]; then
  pnpm install --frozen-lockfile --reporter=append-only >&2
  touch "$stamp"
fi

exec "$@"
