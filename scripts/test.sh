#!/usr/bin/env bash
# Runs every test of the repository against real parts, on a fresh Debian 12 machine as root or on a
# developer machine. Installs what is missing (Debian packages, npm packages), starts the
# infrastructure the tests use (idempotently), builds, lints and runs the whole vitest suite.
# The last line says how many tests passed and failed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export FLUXPLANE_RUN="${FLUXPLANE_RUN:-$ROOT/.devnet/run}"
log() { printf '[test] %s\n' "$*" >&2; }

# Node.js and npm come with the machine; everything else is installed here.
command -v node >/dev/null || { echo "node (>= 20) is required" >&2; exit 1; }

log "infrastructure: nats postgres docker registry + demo image (the e2e tests start their own HAProxy)"
bash scripts/infra/up.sh nats postgres docker registry demo-image
# The tests start private HAProxy instances and run `haproxy -c`: install it before any test runs.
bash scripts/infra/packages.sh haproxy socat

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm install`, not `npm ci`: npm 11 here rejects its own lockfiles in `ci` (it omits other
  # platforms' optional packages from the lock, then reports them missing).
  log "npm install"
  npm install --no-audit --no-fund >/dev/null
fi

log "build"
npm run -s build

log "lint"
npx eslint . >&2

mkdir -p .test-run
log "vitest"
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json=.test-run/results.json "$@"
status=$?
set -e

node scripts/test-summary.js .test-run/results.json
exit $status
