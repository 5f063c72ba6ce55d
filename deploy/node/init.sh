#!/usr/bin/env bash
# Prepares a node VM for deploy/node (idempotent; run as root before the first `up`, and after a reboot):
#   - $FLUXPLANE_DATA/{nodes/node,syncthing};
#   - $FLUXPLANE_DATA/nodes as a shared bind mount (the agent loop-mounts app volumes under it inside its
#     container, and the host's Docker engine must see those mounts);
#   - checks that secrets/ holds what the control plane's add-node.sh made for this node.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../env.sh
source "$here/../env.sh"
fluxplane_load_env "$here"
[ "$(id -u)" -eq 0 ] || { echo "init.sh: run as root (mounts, data folders)" >&2; exit 1; }
data="${FLUXPLANE_DATA:?}"
sec="$(fluxplane_secrets_dir "$here")"
mkdir -p "$data"/nodes/node "$data"/syncthing
for f in database_url node_id nats_inbox nkey ca.pem client.pem client-key.pem; do
  [ -s "$sec/$f" ] || { echo "init.sh: $sec/$f is missing: copy the folder add-node.sh made on the control plane (secrets/nodes/node-<id>/) here" >&2; exit 1; }
done
chmod 700 "$sec"; chmod 600 "$sec"/*
if ! awk -v m="$data/nodes" '$5 == m && $0 ~ / shared:/ {f=1} END {exit !f}' /proc/self/mountinfo; then
  if ! awk -v m="$data/nodes" '$5 == m {f=1} END {exit !f}' /proc/self/mountinfo; then
    mount --bind "$data/nodes" "$data/nodes"
  fi
  mount --make-rshared "$data/nodes"
  echo "init.sh: $data/nodes is a shared mount" >&2
fi
echo "init.sh: ready; next: docker-compose -f $here/docker-compose.yml up -d" >&2
