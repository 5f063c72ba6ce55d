#!/usr/bin/env bash
# Manual check that apps outlive the Docker engine (live-restore + iptables DNAT, no docker-proxy):
# runs the demo image published on $IP:$PORT, kills dockerd with SIGKILL and probes the app while
# the engine is dead, brings the engine back with docker.sh, then does the same with a graceful stop
# (an upgrade). The engine is up again at the end. It restarts the machine's engine: run it only
# under the heavy lock, e.g.  flock /tmp/fluxplane-heavy.lock bash scripts/infra/check-live-restore.sh
# Results on this machine: services/node-agent/README.md ("Docker engine restarts").
COMPONENT=live-restore-check
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
IP="${LR_CHECK_IP:-127.0.0.61}"; PORT="${LR_CHECK_PORT:-39061}"; NAME=fluxplane-live-restore-check
probe() { curl -s -o /dev/null -m 1 -w '%{http_code}' "http://$IP:$PORT/" || true; }
count() { local ok=0 bad=0; for _ in $(seq "$1"); do [ "$(probe)" = 200 ] && ok=$((ok + 1)) || bad=$((bad + 1)); sleep 0.25; done; echo "$ok answered 200, $bad failed"; }
engine_pid() { pgrep -xo dockerd; }

bash "$INFRA_DIR/docker.sh"
[ "$(docker info -f '{{.LiveRestoreEnabled}}')" = true ] || die "the engine runs without live-restore: bash $INFRA_DIR/down.sh docker && bash $INFRA_DIR/docker.sh"
docker rm -f "$NAME" >/dev/null 2>&1 || true
docker run -d --name "$NAME" -p "$IP:$PORT:8080" "$REGISTRY_ADDR/fluxplane/demo:latest" >/dev/null
trap 'docker rm -f "$NAME" >/dev/null 2>&1 || true' EXIT
wait_for_cmd 10 "the check container" sh -c "[ \"\$(curl -s -o /dev/null -m 1 -w '%{http_code}' http://$IP:$PORT/)\" = 200 ]"
started=$(docker inspect -f '{{.State.StartedAt}}' "$NAME")
log "answering; docker-proxy processes: $(pgrep -xc docker-proxy || true)"

log "kill -9 dockerd (pid $(engine_pid))"; kill -9 "$(engine_pid)"
log "while the engine is dead: $(count 20)"
bash "$INFRA_DIR/docker.sh"
[ "$(docker inspect -f '{{.State.StartedAt}}' "$NAME")" = "$started" ] || die "the container was restarted"
log "engine back, same container still running: $(count 4)"

pid=$(engine_pid); log "graceful stop (an upgrade): SIGTERM to dockerd (pid $pid)"; kill -TERM "$pid"
for _ in $(seq 300); do is_running "$pid" || break; sleep 0.1; done
log "while the engine is stopped: $(count 8)"
bash "$INFRA_DIR/docker.sh"
[ "$(docker inspect -f '{{.State.StartedAt}}' "$NAME")" = "$started" ] || die "the container was restarted"
log "engine back, same container still running: $(count 4)"
