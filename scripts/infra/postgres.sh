#!/usr/bin/env bash
# PostgreSQL (Debian cluster $PG_CLUSTER, default "main") on 127.0.0.1:$PG_PORT (5432), trust auth for user postgres over
# 127.0.0.1, database $FLUXPLANE_PG_DB (fluxplane). Reuses a server that already answers.
COMPONENT=postgres
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pg_up() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; }
psql_tcp() { PGCONNECT_TIMEOUT=3 psql -X -w -q -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"; }
psql_local() { su postgres -s /bin/sh -c "psql -X -w -q -p $PG_PORT -At $*"; }

if pg_up 2>/dev/null; then
  log "server already answers on 127.0.0.1:$PG_PORT"
else
  need_pkg postgresql
  ver="$(ls -d /etc/postgresql/*/"$PG_CLUSTER" 2>/dev/null | sort -V | tail -n1 | cut -d/ -f4 || true)"
  if [ -z "$ver" ]; then
    ver="$(ls /usr/lib/postgresql | sort -V | tail -n1)"
    log "creating cluster $ver/$PG_CLUSTER"
    pg_createcluster "$ver" "$PG_CLUSTER" -p "$PG_PORT" >>"$LOGS_DIR/postgres.log" 2>&1 || fail_start postgres "pg_createcluster failed"
  fi
  log "starting cluster $ver/$PG_CLUSTER"
  pg_ctlcluster --skip-systemctl-redirect "$ver" "$PG_CLUSTER" start >>"$LOGS_DIR/postgres.log" 2>&1 \
    || fail_start postgres "pg_ctlcluster $ver $PG_CLUSTER start failed (see also /var/log/postgresql/postgresql-$ver-$PG_CLUSTER.log)"
  wait_for_cmd 30 "postgres" pg_up || fail_start postgres "PostgreSQL did not answer on 127.0.0.1:$PG_PORT within 30 s"
  # Remember that we started it, so down.sh stops it (and only then).
  datadir="$(psql_local -c "'show data_directory'")"
  head -n1 "$datadir/postmaster.pid" >"$(pid_file postgres)"
  echo "$ver $PG_CLUSTER" >"$PIDS_DIR/postgres.cluster"
fi

# Trust auth over 127.0.0.1 (dev/test only: no passwords anywhere; services may add their own roles).
if ! psql_tcp -c 'select 1' >/dev/null 2>&1; then
  hba="$(psql_local -c "'show hba_file'")" || die "cannot read hba_file via the local socket as user postgres"
  [ -f "$hba" ] || die "pg_hba.conf not found ($hba)"
  log "adding 'host all all 127.0.0.1/32 trust' to $hba"
  cp -n "$hba" "$hba.fluxplane.orig"
  { echo "# added by fluxplane scripts/infra/postgres.sh"; echo "host all all 127.0.0.1/32 trust"; cat "$hba"; } >"$hba.new"
  chown --reference="$hba" "$hba.new"; chmod --reference="$hba" "$hba.new"; mv "$hba.new" "$hba"
  psql_local -c "'select pg_reload_conf()'" >/dev/null
  wait_for_cmd 10 "trust auth" psql_tcp -c 'select 1' || die "trust auth for postgres@127.0.0.1 still fails after editing $hba"
fi

if [ "$(psql_tcp -Atc "select 1 from pg_database where datname = '$FLUXPLANE_PG_DB'")" != 1 ]; then
  log "creating database $FLUXPLANE_PG_DB"
  psql_tcp -c "create database \"$FLUXPLANE_PG_DB\"" || die "create database $FLUXPLANE_PG_DB failed"
fi
log "ready: postgres://postgres@127.0.0.1:$PG_PORT/$FLUXPLANE_PG_DB"
