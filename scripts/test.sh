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

# npm comes with the machine; a supported Node.js LTS (24) is installed when the machine's is older.
source scripts/infra/node.sh

# Certificate tests start their own pebble (scripts/infra/pebble.sh: pebble, its fake DNS, openssl, dig).
bash scripts/infra/packages.sh pebble openssl dnsutils
log "infrastructure: nats postgres docker registry + demo image (the e2e tests start their own HAProxy)"
bash scripts/infra/up.sh nats postgres docker registry demo-image
# The tests start private HAProxy instances and run `haproxy -c`: install it before any test runs;
# test/e2e/compose.test.ts builds images (debootstrap) and runs deploy/single-vm (docker-compose).
bash scripts/infra/packages.sh haproxy socat syncthing docker-compose debootstrap
# PowerDNS (and dig): the DNS tests start their own with scripts/infra/pdns.sh.
bash scripts/infra/packages.sh pdns-server pdns-backend-sqlite3 sqlite3 dnsutils
# The dashboard's browser tests (test/e2e/dashboard.test.ts) drive Debian's Chromium with playwright-core
# (no browser download); DejaVu gives its screenshots readable text.
bash scripts/infra/packages.sh chromium fonts-dejavu-core

# The compose e2e tests (test/e2e/compose*.test.ts) run fluxplane's images. The infrastructure images
# need no built code: build them (Debian 13 base with debootstrap, then NATS, PostgreSQL, HAProxy,
# Syncthing; minutes on a new machine, nothing when cached) while the code is installed and built.
mkdir -p .test-run
log "images: nats postgres haproxy syncthing, in the background (.test-run/images.log)"
bash scripts/images/build.sh nats postgres haproxy syncthing >.test-run/images.log 2>&1 &
images=$!

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm install`, not `npm ci`: npm 11 here rejects its own lockfiles in `ci` (it omits other
  # platforms' optional packages from the lock, then reports them missing).
  log "npm install"
  npm install --no-audit --no-fund >/dev/null
fi

log "build"
npm run -s build

# The code's image (fluxplane/fluxplane: the built dist/) once the infrastructure images are done, while
# the tests are type-checked and linted. The compose tests then find every image built and build none,
# so the two lanes never run build.sh at once.
images_done() {
  if ! wait "$1"; then
    tail -n 40 .test-run/images.log >&2
    log "building the images failed (.test-run/images.log)"
    exit 1
  fi
}
images_done "$images"
log "images: fluxplane, in the background"
bash scripts/images/build.sh fluxplane >>.test-run/images.log 2>&1 &
images=$!

# The build leaves tests out and vitest (SWC) does not type-check: this checks them, against the
# workspace packages' built declarations.
log "typecheck tests"
npm run -s typecheck:tests

log "lint"
npx eslint . >&2

# Two lanes side by side (vitest.config.ts): the system tests (test/, each starts a whole network) and
# the components (libs, services, apps), each one file at a time. Two vitest processes, not one:
# vitest runs one process's projects one after the other. Each line says its lane.
images_done "$images"
log "images: $(tail -n 1 .test-run/images.log)"
rm -f .test-run/system.json .test-run/components.json
log "vitest: lanes 'system' and 'components' side by side"
set +e
npx vitest run --project components --passWithNoTests --reporter=default --reporter=json --outputFile.json=.test-run/components.json "$@" \
  > >(sed -u 's/^/[components] /') 2>&1 &
components=$!
npx vitest run --project system --passWithNoTests --reporter=default --reporter=json --outputFile.json=.test-run/system.json "$@" 2>&1 \
  | sed -u 's/^/[system] /'
system_status=${PIPESTATUS[0]}
wait "$components"
components_status=$?
set -e

node scripts/test-summary.js .test-run/system.json .test-run/components.json
[ "$system_status" -eq 0 ] && [ "$components_status" -eq 0 ]
