#!/usr/bin/env bash
# Debian's docker-registry (distribution 2.8) on $REGISTRY_ADDR (127.0.0.1:5000),
# config $FLUXPLANE_RUN/registry/config.yml, blobs under $FLUXPLANE_RUN/registry/data.
# Plain HTTP: dockerd treats 127.0.0.0/8 as an insecure registry by default.
COMPONENT=registry
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

reg_host="${REGISTRY_ADDR%:*}"; reg_port="${REGISTRY_ADDR##*:}"
reg_ready() { [ "$(http_code "http://$REGISTRY_ADDR/v2/")" = 200 ]; }

if tcp_open "$reg_host" "$reg_port"; then
  reg_ready || die "something answers $REGISTRY_ADDR but it is not a registry (GET /v2/ != 200)"
  if pid_alive registry; then log "already running (ours, pid $(cat "$(pid_file registry)"))"
  else log "reusing the registry already on $REGISTRY_ADDR"; fi
  exit 0
fi

need_pkg docker-registry
mkdir -p "$RUN/registry/data"
cat >"$RUN/registry/config.yml" <<YAML
# written by fluxplane scripts/infra/registry.sh
version: 0.1
log:
  level: info
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: $RUN/registry/data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $REGISTRY_ADDR
  headers:
    X-Content-Type-Options: [nosniff]
YAML
start_bg registry /usr/bin/docker-registry serve "$RUN/registry/config.yml"
wait_for_cmd 20 "registry" reg_ready || fail_start registry "docker-registry did not answer http://$REGISTRY_ADDR/v2/ within 20 s"
log "ready: http://$REGISTRY_ADDR (storage $RUN/registry/data)"
