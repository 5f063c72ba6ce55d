#!/usr/bin/env bash
# pebble ACME test CA, files under $FLUXPLANE_RUN/pebble:
#   cert.pem / key.pem   TLS cert for pebble's own listeners (generated once; trust it via
#                        NODE_EXTRA_CA_CERTS or an https.Agent `ca`)
#   pebble-config.json
#   root.pem / intermediate.pem  issuing CA, fetched after start (pebble makes a new one each start)
# ACME directory https://127.0.0.1:$PEBBLE_PORT/dir (14000); management https://127.0.0.1:$PEBBLE_MGMT_PORT (15000)
# HTTP-01 is validated on port $PEBBLE_HTTP_PORT (5002; point it at HAProxy's HTTP port); names resolve
# through $PEBBLE_DNS (default PowerDNS 127.0.0.1:$PDNS_DNS_PORT).
# Tests and a devnet without PowerDNS: PEBBLE_FAKE_DNS_PORT=<port> also starts pebble-challtestsrv there as
# a DNS server that answers every A query with 127.0.0.1 (no AAAA), and pebble resolves through it.
# PEBBLE_CERT_VALIDITY_S=<s> issues certificates valid that long (pebble's default: 5 years).
# Several pebbles can run at once with their own FLUXPLANE_RUN and ports (stop: down.sh pebble).
COMPONENT=pebble
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PB="$RUN/pebble"
dir_ready() { [ "$(http_code --cacert "$PB/cert.pem" "https://127.0.0.1:$PEBBLE_PORT/dir")" = 200 ]; }
fetch_roots() {
  curl -fsS --max-time 5 --cacert "$PB/cert.pem" "https://127.0.0.1:$PEBBLE_MGMT_PORT/roots/0" -o "$PB/root.pem.tmp" \
    && curl -fsS --max-time 5 --cacert "$PB/cert.pem" "https://127.0.0.1:$PEBBLE_MGMT_PORT/intermediates/0" -o "$PB/intermediate.pem.tmp" \
    && mv "$PB/root.pem.tmp" "$PB/root.pem" && mv "$PB/intermediate.pem.tmp" "$PB/intermediate.pem" \
    || die "could not fetch pebble's root/intermediate from https://127.0.0.1:$PEBBLE_MGMT_PORT"
}

if tcp_open 127.0.0.1 "$PEBBLE_PORT"; then
  [ -f "$PB/cert.pem" ] && dir_ready \
    || die "something answers 127.0.0.1:$PEBBLE_PORT but not a pebble trusting $PB/cert.pem (GET /dir failed)"
  fetch_roots
  if pid_alive pebble; then log "already running (ours, pid $(cat "$(pid_file pebble)"))"
  else log "reusing the pebble already on 127.0.0.1:$PEBBLE_PORT"; fi
  exit 0
fi

need_pkg pebble openssl dnsutils
PEBBLE_DNS="${PEBBLE_DNS:-127.0.0.1:$PDNS_DNS_PORT}"
if [ -n "${PEBBLE_FAKE_DNS_PORT:-}" ]; then
  PEBBLE_DNS="127.0.0.1:$PEBBLE_FAKE_DNS_PORT"
  if ! pid_alive pebble-dns; then
    # Every challenge server but DNS off; its management API on loopback (it binds :8055 by default).
    start_bg pebble-dns /usr/bin/pebble-challtestsrv -dns01 "$PEBBLE_DNS" -http01 '' -https01 '' -tlsalpn01 '' \
      -management "127.0.0.1:${PEBBLE_FAKE_DNS_MGMT_PORT:-$((PEBBLE_FAKE_DNS_PORT + 1))}" -defaultIPv4 127.0.0.1 -defaultIPv6 ''
    wait_for_cmd 20 "fake DNS on $PEBBLE_DNS" dig +time=1 +tries=1 @127.0.0.1 -p "$PEBBLE_FAKE_DNS_PORT" probe.test A +short \
      || fail_start pebble-dns "pebble-challtestsrv did not answer DNS on $PEBBLE_DNS"
  fi
elif ! tcp_open "${PEBBLE_DNS%:*}" "${PEBBLE_DNS##*:}"; then
  log "warning: no DNS on $PEBBLE_DNS yet (run pdns.sh); challenges will not resolve"
fi
mkdir -p "$PB"
if [ ! -s "$PB/cert.pem" ] || ! openssl x509 -checkend 86400 -noout -in "$PB/cert.pem" >/dev/null 2>&1; then
  log "generating TLS cert $PB/cert.pem"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PB/key.pem" -out "$PB/cert.pem" -days 365 \
    -subj /CN=localhost -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' >>"$LOGS_DIR/pebble.log" 2>&1 \
    || die "openssl req failed"
fi
VALIDITY_JSON=""
[ -n "${PEBBLE_CERT_VALIDITY_S:-}" ] && VALIDITY_JSON=",\"certificateValidityPeriod\":$PEBBLE_CERT_VALIDITY_S"
cat >"$PB/pebble-config.json" <<JSON
{"pebble":{"listenAddress":"127.0.0.1:$PEBBLE_PORT","managementListenAddress":"127.0.0.1:$PEBBLE_MGMT_PORT",
 "certificate":"$PB/cert.pem","privateKey":"$PB/key.pem","httpPort":$PEBBLE_HTTP_PORT,"tlsPort":$PEBBLE_TLS_PORT,
 "ocspResponderURL":"","externalAccountBindingRequired":false$VALIDITY_JSON}}
JSON
PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 \
  start_bg pebble /usr/bin/pebble -config "$PB/pebble-config.json" -dnsserver "$PEBBLE_DNS" -strict=false
wait_for_cmd 20 "pebble /dir" dir_ready || fail_start pebble "pebble did not answer https://127.0.0.1:$PEBBLE_PORT/dir within 20 s"
fetch_roots
log "ready: https://127.0.0.1:$PEBBLE_PORT/dir (TLS cert $PB/cert.pem, issuing root $PB/root.pem)"
