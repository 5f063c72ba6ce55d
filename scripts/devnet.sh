#!/usr/bin/env bash
# Brings the whole devnet up on this machine and leaves it running: infrastructure (NATS, PostgreSQL,
# Docker, a local registry with the demo image, HAProxy), the devchain, every service, three node
# agents, and a demo app served through HAProxy. Idempotent. `scripts/devnet.sh down` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
export FLUXPLANE_RUN="${FLUXPLANE_RUN:-$(pwd)/.devnet/run}"
cmd="${1:-up}"
if [ "$cmd" = up ]; then
  bash scripts/infra/up.sh nats postgres docker registry haproxy demo-image
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm install --no-audit --no-fund >/dev/null  # see scripts/test.sh for why not `npm ci`
  fi
  npm run -s build
fi
exec node libs/devnet/dist/cli.js "$cmd"
