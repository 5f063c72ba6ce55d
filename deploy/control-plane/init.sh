#!/usr/bin/env bash
# Prepares one control-plane VM for deploy/control-plane (idempotent; run as root before the first `up`).
# On the FIRST VM it makes every secret; copy its secrets/ folder whole to the other two VMs before
# running it there (it then keeps what it finds and only makes the data folders):
#   - $FLUXPLANE_DATA/{nats,postgres,haproxy};
#   - secrets/postgres_password (random) and secrets/database_url (the services' URL to PostgreSQL on
#     DATABASE_HOST);
#   - secrets/tls/: the deployment's CA (ca.pem; ca-key.pem signs more certificates: keep it offline once
#     the nodes are added), the servers' certificate for CONTROL_PLANE_HOSTS, 127.0.0.1 and localhost
#     (NATS and PostgreSQL present it), and the clients' certificate (scripts/infra/nats-tls.sh, openssl);
#   - secrets/bus/: an nkey identity per service (and admin) and nats-server's authorization block,
#     made by the fluxplane image (`nats-auth`) from libs/contracts/src/bus-permissions.ts.
# Nodes: add-node.sh, once per node VM. Settings come from .env beside this file; the shell's
# environment wins (as with docker-compose).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../env.sh
source "$here/../env.sh"
fluxplane_load_env "$here"
[ "$(id -u)" -eq 0 ] || { echo "init.sh: run as root (data folders)" >&2; exit 1; }
data="${FLUXPLANE_DATA:?}"
sec="$(fluxplane_secrets_dir "$here")"
mkdir -p "$data"/{nats,postgres,haproxy} "$sec"
chmod 700 "$sec"
if [ ! -s "$sec/postgres_password" ]; then
  pw="$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | cut -c1-28)"
  ( umask 077
    printf '%s\n' "$pw" >"$sec/postgres_password"
    printf 'postgres://postgres:%s@%s:%s/%s\n' "$pw" "${DATABASE_HOST:?}" "$POSTGRES_PORT" "$POSTGRES_DB" >"$sec/database_url" )
  echo "init.sh: wrote secrets/postgres_password and secrets/database_url" >&2
fi
if [ ! -s "$sec/tls/server.pem" ]; then
  hosts=(--host 127.0.0.1 --host localhost)
  IFS=',' read -ra cp <<<"${CONTROL_PLANE_HOSTS:?list the three control-plane VMs}"
  for h in "${cp[@]}"; do [ -n "$h" ] && hosts+=(--host "$h"); done
  case ",${CONTROL_PLANE_HOSTS}," in *",${DATABASE_HOST},"*) ;; *) hosts+=(--host "$DATABASE_HOST") ;; esac
  bash "$here/../../scripts/infra/nats-tls.sh" --out "$sec/tls" "${hosts[@]}" >&2
fi
"$here/bus-identities.sh"
echo "init.sh: ready; next: docker-compose -f $here/docker-compose.yml up -d (first VM: copy secrets/ to the other two first)" >&2
