#!/bin/sh
# First start: initdb in $PGDATA (superuser postgres, password from $POSTGRES_PASSWORD_FILE, scram for
# every TCP connection) and create $POSTGRES_DB. Then runs postgres in the foreground.
#   POSTGRES_LISTEN (default 127.0.0.1), POSTGRES_PORT (5432), POSTGRES_DB (fluxplane),
#   POSTGRES_PASSWORD_FILE (required: the secret file), POSTGRES_ARGS (extra `-c k=v` flags),
#   POSTGRES_TLS_CERT_FILE + POSTGRES_TLS_KEY_FILE (secret files): TLS on, and every TCP connection
#   without it refused (`hostnossl … reject` first in pg_hba.conf); the socket inside the container
#   (health checks, pg_dump through `exec`) stays as it is.
set -eu
bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
listen="${POSTGRES_LISTEN:-127.0.0.1}"; port="${POSTGRES_PORT:-5432}"; db="${POSTGRES_DB:-fluxplane}"
pwfile="${POSTGRES_PASSWORD_FILE:?set POSTGRES_PASSWORD_FILE to the secret file holding the postgres password}"
[ -s "$pwfile" ] || { echo "postgres: $pwfile is missing or empty" >&2; exit 1; }
mkdir -p "$PGDATA" /run/postgresql
chown postgres:postgres "$PGDATA" /run/postgresql; chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "postgres: creating the cluster in $PGDATA" >&2
  tmp="$(mktemp)"; tr -d '\n' <"$pwfile" >"$tmp"; chown postgres "$tmp"
  runuser -u postgres -- "$bindir/initdb" -D "$PGDATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
    --pwfile="$tmp" -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$tmp"
  echo "host all all 0.0.0.0/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
  runuser -u postgres -- "$bindir/pg_ctl" -D "$PGDATA" -o "-c listen_addresses='' -k /run/postgresql" -w start >/dev/null
  runuser -u postgres -- "$bindir/psql" -h /run/postgresql -qc "CREATE DATABASE \"$db\""
  runuser -u postgres -- "$bindir/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
fi
tls_args=""
if [ -n "${POSTGRES_TLS_CERT_FILE:-}" ] || [ -n "${POSTGRES_TLS_KEY_FILE:-}" ]; then
  for f in "${POSTGRES_TLS_CERT_FILE:?set both POSTGRES_TLS_CERT_FILE and POSTGRES_TLS_KEY_FILE}" "${POSTGRES_TLS_KEY_FILE:?set both POSTGRES_TLS_CERT_FILE and POSTGRES_TLS_KEY_FILE}"; do
    [ -s "$f" ] || { echo "postgres: $f is missing or empty" >&2; exit 1; }
  done
  # PostgreSQL wants its key owned by it and private: copies, made at every start (rotation = restart).
  tls=/run/postgresql/tls; mkdir -p "$tls"
  install -o postgres -g postgres -m 644 "$POSTGRES_TLS_CERT_FILE" "$tls/server.pem"
  install -o postgres -g postgres -m 600 "$POSTGRES_TLS_KEY_FILE" "$tls/server-key.pem"
  grep -q '^hostnossl all all all reject' "$PGDATA/pg_hba.conf" || sed -i '1i hostnossl all all all reject' "$PGDATA/pg_hba.conf"
  tls_args="-c ssl=on -c ssl_cert_file=$tls/server.pem -c ssl_key_file=$tls/server-key.pem"
  echo "postgres: TLS on; TCP connections without it are refused" >&2
fi
# shellcheck disable=SC2086
exec runuser -u postgres -- "$bindir/postgres" -D "$PGDATA" -k /run/postgresql \
  -c listen_addresses="$listen" -p "$port" $tls_args ${POSTGRES_ARGS:-}
