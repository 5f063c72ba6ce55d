#!/usr/bin/env bash
# (Re)writes secrets/bus/: an nkey seed per identity (the services, admin, and every node listed in
# secrets/bus/nodes), kept across runs, and nats-auth.conf, the servers' authorization block, rewritten
# in place. Run by init.sh and add-node.sh with the fluxplane image's `nats-auth`, so a VM needs no
# Node.js. Extra arguments go to nats-auth: `bus-identities.sh --rotate scheduler` gives that identity
# a new seed (docs/operations.md, "Rotating bus credentials"). Settings: .env beside this file; the
# shell's environment wins.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../env.sh
source "$here/../env.sh"
fluxplane_load_env "$here"
sec="$(fluxplane_secrets_dir "$here")"
mkdir -p "$sec/bus"; chmod 700 "$sec/bus"; touch "$sec/bus/nodes"
args=()
while read -r n; do [ -n "$n" ] && args+=(--node "$n"); done <"$sec/bus/nodes"
# The generator writes nats-auth.conf and the seeds as root, mode 600, in the mounted folder.
docker run --rm --network none -v "$sec/bus:/out" "${FLUXPLANE_REGISTRY:?}/fluxplane/fluxplane:${FLUXPLANE_TAG:?}" \
  nats-auth --out /out --stream "${EVENT_STREAM:-FLUXPLANE_EVENTS}" "${args[@]}" "$@"
