#!/usr/bin/env bash
# Prepares one control-plane VM for deploy/control-plane (idempotent; run as root before the first `up`):
#   - $FLUXPLANE_DATA/{nats,postgres,haproxy};
#   - secrets/postgres_password (random) and secrets/database_url (the services' URL to PostgreSQL on
#     DATABASE_HOST), mode 600, kept when present. Every VM must hold the SAME secret files: run this
#     on the first VM, then copy its secrets/ folder to the other two (and database_url to each node VM)
#     before running it there (it then keeps them).
# Settings come from .env beside this file; the shell's environment wins (as with docker-compose).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
while IFS='=' read -r k v; do
  [[ "$k" =~ ^[A-Z_][A-Z0-9_]*$ ]] || continue
  [ -n "${!k+x}" ] || export "$k=$v"
done <"$here/.env"
[ "$(id -u)" -eq 0 ] || { echo "init.sh: run as root (data folders)" >&2; exit 1; }
data="${FLUXPLANE_DATA:?}"
sec="${FLUXPLANE_SECRETS:?}"; case "$sec" in /*) ;; *) sec="$here/$sec" ;; esac
mkdir -p "$data"/{nats,postgres,haproxy} "$sec"
chmod 700 "$sec"
if [ ! -s "$sec/postgres_password" ]; then
  pw="$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | cut -c1-28)"
  ( umask 077
    printf '%s\n' "$pw" >"$sec/postgres_password"
    printf 'postgres://postgres:%s@%s:%s/%s\n' "$pw" "${DATABASE_HOST:?}" "$POSTGRES_PORT" "$POSTGRES_DB" >"$sec/database_url" )
  echo "init.sh: wrote secrets/postgres_password and secrets/database_url (copy secrets/ to the other VMs)" >&2
fi
echo "init.sh: ready; next: docker-compose -f $here/docker-compose.yml up -d" >&2
