#!/bin/sh
# Writes a bootstrap config in $HAPROXY_DIR on first start (domain-manager owns it afterwards), then
# runs HAProxy in master-worker mode in the foreground.
#   HAPROXY_DIR (default /run/fluxplane/haproxy), HAPROXY_BIND (address:port apps are served on)
set -eu
d="${HAPROXY_DIR:-/run/fluxplane/haproxy}"; bind="${HAPROXY_BIND:-127.0.0.1:18080}"
mkdir -p "$d"
[ -f "$d/hosts.map" ] || : >"$d/hosts.map"
[ -s "$d/server-state" ] || echo 1 >"$d/server-state"
if [ ! -f "$d/haproxy.cfg" ]; then
  cat >"$d/haproxy.cfg" <<CFG
global
    stats socket $d/admin.sock mode 600 level admin expose-fd listeners
    stats timeout 30s
    server-state-file $d/server-state

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s
    load-server-state-from-file global

frontend fe_http
    bind $bind
    use_backend %[req.hdr(host),lower,field(1,:),map($d/hosts.map)]
    default_backend be_default

backend be_default
    http-request return status 404 content-type text/plain string "no route\n"
CFG
fi
haproxy -c -q -f "$d/haproxy.cfg"
rm -f "$d/admin.sock" "$d/master.sock"
exec haproxy -W -S "$d/master.sock,mode,600" -f "$d/haproxy.cfg"
