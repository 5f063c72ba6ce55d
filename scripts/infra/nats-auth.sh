#!/usr/bin/env bash
# Generates the bus's credentials: one nkey user per service, per node agent and for the operators
# (admin), each allowed only its own subjects (libs/contracts/src/bus-permissions.ts), and the
# nats-server `authorization` block to include. Needs `npm run build` first.
#   scripts/infra/nats-auth.sh --out DIR --node n1@127.0.0.11 --node n2 [--rotate IDENTITY]
# See docs/operations.md, "Least privilege on the bus".
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLI="$REPO_ROOT/libs/bus-auth/dist/cli.js"
[ -f "$CLI" ] || { echo "nats-auth: $CLI missing; run npm run build first" >&2; exit 1; }
exec node "$CLI" "$@"
