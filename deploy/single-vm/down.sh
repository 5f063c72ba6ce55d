#!/usr/bin/env bash
# Stops deploy/single-vm and what its node agents started (idempotent; run as root):
#   1. docker-compose down (the control plane, HAProxy, the node agents);
#   2. the app containers the node agents started on the host's engine (`docker-compose down` does not
#      know them): containers labelled fluxplane.node that publish on NODE1_IP..NODE3_IP;
#   3. unmounts the app volumes under $FLUXPLANE_DATA/nodes (their loop devices are released).
# With --purge it also deletes $FLUXPLANE_DATA and the secrets: everything, the event stream included.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PURGE=0; [ "${1:-}" = --purge ] && PURGE=1
# shellcheck source=../env.sh
source "$here/../env.sh"
fluxplane_load_env "$here"
data="${FLUXPLANE_DATA:?}"
docker-compose -f "$here/docker-compose.yml" down --remove-orphans >&2 || true
ids="$(docker ps -a --filter label=fluxplane.node --format '{{.ID}} {{.Ports}}' \
  | awk -v a="$NODE1_IP:" -v b="$NODE2_IP:" -v c="$NODE3_IP:" 'index($0, a) || index($0, b) || index($0, c) {print $1}')"
# shellcheck disable=SC2086
[ -z "$ids" ] || docker rm -f $ids >/dev/null
# deepest first; the shared bind of nodes/ itself stays unless --purge
awk -v p="$data/nodes/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
  umount "$m" 2>/dev/null || umount -l "$m" || true
done
if [ "$PURGE" = 1 ]; then
  while awk -v m="$data/nodes" '$5 == m {f=1} END {exit !f}' /proc/self/mountinfo; do umount "$data/nodes" || umount -l "$data/nodes"; done
  rm -rf "$data"
  sec="$(fluxplane_secrets_dir "$here")"
  rm -f "$sec/postgres_password" "$sec/database_url"
  echo "down.sh: removed $data and the secrets" >&2
fi
