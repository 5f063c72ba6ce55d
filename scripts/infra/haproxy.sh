#!/usr/bin/env bash
# HAProxy 2.6 in master-worker mode, all files under $FLUXPLANE_RUN/haproxy:
#   haproxy.cfg   config (bootstrap written only if missing; domain-manager owns it afterwards)
#   hosts.map     host -> backend map used by the frontend (created empty if missing)
#   master.sock   master CLI (`reload`, `show proc`, `@1 <cmd>`), mode 600
#   admin.sock    worker runtime API (level admin, expose-fd listeners), mode 600
#   server-state  server state file (HAProxy only reads it; dump `show servers state` before reload)
# Started as: haproxy -W -S master.sock,mode,600 -f haproxy.cfg   (pid = master, pids/haproxy.pid)
COMPONENT=haproxy
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HA="$RUN/haproxy"
CFG="$HA/haproxy.cfg"; MAP="$HA/hosts.map"
ADMIN="$HA/admin.sock"; MASTER="$HA/master.sock"

admin_cmd() { echo "$1" | timeout 3 socat -t 2 stdio "unix-connect:$2" 2>/dev/null; }
ha_ready() { grep -q '^Pid:' <<<"$(admin_cmd 'show info' "$ADMIN")"; }

need_pkg haproxy socat
mkdir -p "$HA"

if ha_ready; then
  if pid_alive haproxy; then log "already running (ours, master pid $(cat "$(pid_file haproxy)"))"
  else log "reusing the HAProxy that answers $ADMIN"; fi
  exit 0
fi
if pid_alive haproxy; then
  die "haproxy (pid $(cat "$(pid_file haproxy)")) is running but $ADMIN does not answer 'show info'; run down.sh haproxy"
fi

[ -f "$MAP" ] || : >"$MAP"
[ -s "$HA/server-state" ] || echo 1 >"$HA/server-state"   # version line; empty file warns
if [ ! -f "$CFG" ]; then
  log "writing bootstrap config $CFG"
  cat >"$CFG" <<CFG
# Bootstrap config written by fluxplane scripts/infra/haproxy.sh.
# domain-manager rewrites this file and $MAP, checks with 'haproxy -c -f', then reloads
# through the master socket: echo reload | socat stdio unix-connect:$MASTER
global
    stats socket $ADMIN mode 600 level admin expose-fd listeners
    stats timeout 30s
    server-state-file $HA/server-state

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s
    load-server-state-from-file global

frontend fe_http
    bind 127.0.0.1:$HAPROXY_HTTP_PORT
    use_backend %[req.hdr(host),lower,field(1,:),map($MAP)]
    default_backend be_default

backend be_default
    http-request return status 404 content-type text/plain string "no route\n"
CFG
fi

haproxy -c -q -f "$CFG" >"$LOGS_DIR/haproxy-check.log" 2>&1 \
  || { cat "$LOGS_DIR/haproxy-check.log" >&2; die "invalid config $CFG"; }
if grep -q "^[[:space:]]*bind[[:space:]]\+127.0.0.1:$HAPROXY_HTTP_PORT\b" "$CFG" && tcp_open 127.0.0.1 "$HAPROXY_HTTP_PORT"; then
  die "port 127.0.0.1:$HAPROXY_HTTP_PORT is already taken by another process (set HAPROXY_HTTP_PORT)"
fi
rm -f "$ADMIN" "$MASTER"   # stale sockets from a dead instance
start_bg haproxy /usr/sbin/haproxy -W -S "$MASTER,mode,600" -f "$CFG"
wait_for_cmd 20 "haproxy admin socket" ha_ready || fail_start haproxy "HAProxy did not answer 'show info' on $ADMIN within 20 s"
master_ready() { grep -q master <<<"$(admin_cmd 'show proc' "$MASTER")"; }
# Polled, not asked once: on a loaded machine the master socket answered a moment after the worker's.
wait_for_cmd 10 "haproxy master socket" master_ready || fail_start haproxy "master socket $MASTER does not answer 'show proc'"
log "ready: http://127.0.0.1:$HAPROXY_HTTP_PORT, admin $ADMIN, master $MASTER"
