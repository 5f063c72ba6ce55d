#!/usr/bin/env bash
# Stops deploy/node and what its node agent started (idempotent; run as root):
#   1. docker-compose down (the node agent and its Syncthing);
#   2. the app containers the agent started on this VM's engine (labelled fluxplane.node, publishing on
#      NODE_IP): as on a FluxOS node, `down` alone leaves the apps running;
#   3. unmounts the app volumes under $FLUXPLANE_DATA/nodes.
# With --purge it also deletes $FLUXPLANE_DATA (the node's app data) and the node's secrets.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PURGE=0; [ "${1:-}" = --purge ] && PURGE=1
# shellcheck source=../env.sh
source "$here/../env.sh"
fluxplane_load_env "$here"
data="${FLUXPLANE_DATA:?}"
docker-compose -f "$here/docker-compose.yml" down --remove-orphans >&2 || true
ids="$(docker ps -a --filter label=fluxplane.node --format '{{.ID}} {{.Ports}}' | awk -v a="${NODE_IP:?}:" 'index($0, a) {print $1}')"
# shellcheck disable=SC2086
[ -z "$ids" ] || docker rm -f $ids >/dev/null
awk -v p="$data/nodes/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
  umount "$m" 2>/dev/null || umount -l "$m" || true
done
if [ "$PURGE" = 1 ]; then
  while awk -v m="$data/nodes" '$5 == m {f=1} END {exit !f}' /proc/self/mountinfo; do umount "$data/nodes" || umount -l "$data/nodes"; done
  rm -rf "$data"
  sec="$(fluxplane_secrets_dir "$here")"
  find "$sec" -mindepth 1 ! -name .gitignore ! -name README.md -delete
  echo "down.sh: removed $data and the node's secrets" >&2
fi
