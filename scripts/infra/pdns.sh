#!/usr/bin/env bash
# PowerDNS Authoritative 4.7 with the gsqlite3 backend, files under $FLUXPLANE_RUN/pdns:
#   pdns.conf (regenerated each start), pdns.sqlite3 (created from the packaged schema if missing)
# DNS 127.0.0.1:$PDNS_DNS_PORT (15353, UDP+TCP); HTTP API http://127.0.0.1:$PDNS_API_PORT (18082)
# with header X-API-Key: $PDNS_API_KEY (default fluxplane-dev-key).
COMPONENT=pdns
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

P="$RUN/pdns"
api_code() { http_code -H "X-API-Key: $PDNS_API_KEY" "http://127.0.0.1:$PDNS_API_PORT/api/v1/servers/localhost"; }
pdns_ready() { [ "$(api_code)" = 200 ] && tcp_open 127.0.0.1 "$PDNS_DNS_PORT"; }

if tcp_open 127.0.0.1 "$PDNS_API_PORT"; then
  code="$(api_code)"
  case "$code" in
    200) ;;
    401) die "a PowerDNS API answers 127.0.0.1:$PDNS_API_PORT but rejects PDNS_API_KEY (401)" ;;
    *) die "something answers 127.0.0.1:$PDNS_API_PORT but not the PowerDNS API (HTTP $code)" ;;
  esac
  tcp_open 127.0.0.1 "$PDNS_DNS_PORT" || die "PowerDNS API answers but DNS 127.0.0.1:$PDNS_DNS_PORT does not"
  if pid_alive pdns; then log "already running (ours, pid $(cat "$(pid_file pdns)"))"
  else log "reusing the PowerDNS already on 127.0.0.1:$PDNS_API_PORT"; fi
  exit 0
fi
if tcp_open 127.0.0.1 "$PDNS_DNS_PORT"; then die "127.0.0.1:$PDNS_DNS_PORT is taken but no PowerDNS API answers on $PDNS_API_PORT"; fi

need_pkg pdns-server pdns-backend-sqlite3 sqlite3 dnsutils
SCHEMA=/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
[ -f "$SCHEMA" ] || die "schema $SCHEMA not found"
mkdir -p "$P"
if [ ! -s "$P/pdns.sqlite3" ]; then
  log "creating $P/pdns.sqlite3"
  sqlite3 "$P/pdns.sqlite3" <"$SCHEMA" || die "creating the sqlite3 schema failed"
fi
cat >"$P/pdns.conf" <<CONF
# written by fluxplane scripts/infra/pdns.sh (regenerated on each start)
launch=gsqlite3
gsqlite3-database=$P/pdns.sqlite3
gsqlite3-dnssec=no
local-address=127.0.0.1
local-port=$PDNS_DNS_PORT
api=yes
api-key=$PDNS_API_KEY
webserver=yes
webserver-address=127.0.0.1
webserver-port=$PDNS_API_PORT
webserver-allow-from=127.0.0.0/8
daemon=no
guardian=no
disable-syslog=yes
socket-dir=$P
security-poll-suffix=
default-soa-content=ns1.@ hostmaster.@ 0 10800 3600 604800 3600
CONF
chmod 600 "$P/pdns.conf"
start_bg pdns /usr/sbin/pdns_server --config-dir="$P"
wait_for_cmd 20 "PowerDNS API" pdns_ready || fail_start pdns "PowerDNS did not answer (API $PDNS_API_PORT, DNS $PDNS_DNS_PORT) within 20 s"
log "ready: dns 127.0.0.1:$PDNS_DNS_PORT, api http://127.0.0.1:$PDNS_API_PORT (X-API-Key)"
