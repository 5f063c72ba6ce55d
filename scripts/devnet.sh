#!/usr/bin/env bash
# Brings the whole devnet up on this machine and leaves it running: infrastructure (NATS, PostgreSQL,
# Docker, a local registry with the demo image, HAProxy, PowerDNS), the devchain, every service, three node
# agents, and a demo app served through HAProxy. Idempotent. `scripts/devnet.sh down` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
export FLUXPLANE_RUN="${FLUXPLANE_RUN:-$(pwd)/.devnet/run}"
cmd="${1:-up}"
source scripts/infra/node.sh   # Node.js 24 LTS when the machine's is older
if [ "$cmd" = up ]; then
  # PowerDNS: the domain-manager writes the apps' records there (dig @127.0.0.1 -p 15353 demo.app.fluxplane.test).
  bash scripts/infra/pdns.sh
  bash scripts/infra/up.sh nats postgres docker registry haproxy demo-image
  # ACME test CA for the apps' certificates (FLUXPLANE_CERTS=0: none). It checks HTTP-01 on HAProxy's
  # HTTP port and resolves the names through the PowerDNS above (the domain-manager's records).
  if [ "${FLUXPLANE_CERTS:-1}" != 0 ]; then
    PEBBLE_HTTP_PORT="${HAPROXY_HTTP_PORT:-18080}" bash scripts/infra/pebble.sh
  fi
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm install --no-audit --no-fund >/dev/null  # see scripts/test.sh for why not `npm ci`
  fi
  npm run -s build
fi
exec node libs/devnet/dist/cli.js "$cmd"
