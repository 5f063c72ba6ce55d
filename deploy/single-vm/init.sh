#!/usr/bin/env bash
# Prepares this host for deploy/single-vm (idempotent; run as root before the first `up`):
#   - secrets/postgres_password (random) and secrets/database_url (the services' URL with it), mode 600;
#     kept when present (--force makes new ones: only before the database is first created);
#   - $FLUXPLANE_DATA/{nats,postgres,haproxy,devchain,nodes/1..3,syncthing/1..3};
#   - $FLUXPLANE_DATA/nodes as a shared bind mount: node agents loop-mount app volumes under it inside
#     their container, and the host's Docker engine must see those mounts (bind propagation rshared
#     needs a shared mount at the source). A reboot undoes it: run init.sh again before `up`.
# Settings come from .env beside this file; the shell's environment wins (as with docker-compose).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FORCE=0; [ "${1:-}" = --force ] && FORCE=1
# shellcheck source=../env.sh
source "$here/../env.sh"
fluxplane_load_env "$here"
[ "$(id -u)" -eq 0 ] || { echo "init.sh: run as root (mounts, data folders)" >&2; exit 1; }
data="${FLUXPLANE_DATA:?}"
sec="$(fluxplane_secrets_dir "$here")"
mkdir -p "$data"/{nats,postgres,haproxy,devchain} "$data"/nodes/{1,2,3} "$data"/syncthing/{1,2,3} "$sec"
chmod 700 "$sec"
if [ "$FORCE" = 1 ] || [ ! -s "$sec/postgres_password" ]; then
  pw="$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | cut -c1-28)"
  ( umask 077
    printf '%s\n' "$pw" >"$sec/postgres_password"
    printf 'postgres://postgres:%s@127.0.0.1:%s/%s\n' "$pw" "$POSTGRES_PORT" "$POSTGRES_DB" >"$sec/database_url" )
  echo "init.sh: wrote secrets/postgres_password and secrets/database_url" >&2
fi
if ! awk -v m="$data/nodes" '$5 == m && $0 ~ / shared:/ {f=1} END {exit !f}' /proc/self/mountinfo; then
  if ! awk -v m="$data/nodes" '$5 == m {f=1} END {exit !f}' /proc/self/mountinfo; then
    mount --bind "$data/nodes" "$data/nodes"
  fi
  mount --make-rshared "$data/nodes"
  echo "init.sh: $data/nodes is a shared mount" >&2
fi
echo "init.sh: ready; next: docker-compose -f $here/docker-compose.yml up -d" >&2
