#!/usr/bin/env bash
# Docker Engine. If `docker info` already answers, reuse that engine. Otherwise install
# docker.io if missing and start dockerd in the background:
#   socket      unix:///var/run/docker.sock (the default, so every client finds it)
#   data-root   $DOCKER_DATA_ROOT (default /var/lib/docker, Docker's own: images are shared by every
#               checkout, and a checkout never holds the engine's mounts, so it can always be deleted)
#   log         $FLUXPLANE_RUN/logs/dockerd.log
# iptables: tried first (works on this VM); if dockerd fails to start because of iptables, it
# is restarted with --iptables=false (port publishing then goes through docker-proxy only,
# which is enough for 127.0.0.x host addresses). Force with DOCKERD_IPTABLES=true|false.
# Apps outlive the engine: `--live-restore` keeps containers running while dockerd is down (killed,
# upgraded, restarted), and `--userland-proxy=false` publishes ports with iptables DNAT only, so
# forwarding needs no docker-proxy process (those die with dockerd). Without iptables the userland
# proxy is the only way to publish, so it stays on then. DOCKERD_LIVE_RESTORE=false turns both off.
# An engine that already answers is reused as it is (a warning says when it lacks live-restore).
# Extra dockerd flags: DOCKERD_EXTRA_ARGS (word-split).
COMPONENT=docker
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DOCKER_DATA_ROOT="${DOCKER_DATA_ROOT:-/var/lib/docker}"
DOCKERD_IPTABLES="${DOCKERD_IPTABLES:-auto}"
DOCKERD_LIVE_RESTORE="${DOCKERD_LIVE_RESTORE:-true}"
case "$DOCKERD_LIVE_RESTORE" in true|false) ;; *) die "DOCKERD_LIVE_RESTORE must be true or false (got '$DOCKERD_LIVE_RESTORE')" ;; esac

docker_up() { timeout 10 docker info >/dev/null 2>&1; }

if docker_up; then
  if pid_alive dockerd; then log "already running (ours, pid $(cat "$(pid_file dockerd)"))"
  else log "reusing the engine that already answers 'docker info'"; fi
  if [ "$DOCKERD_LIVE_RESTORE" = true ] && [ "$(docker info -f '{{.LiveRestoreEnabled}}' 2>/dev/null)" != true ]; then
    log "warning: this engine runs without live-restore (apps go down with it); restart it with: bash scripts/infra/down.sh docker && bash scripts/infra/up.sh docker"
  fi
  exit 0
fi

need_pkg docker.io
require_root
if pid_alive dockerd; then
  die "dockerd (pid $(cat "$(pid_file dockerd)")) is running but 'docker info' fails; see $LOGS_DIR/dockerd.log or run down.sh docker"
fi
others=""
for p in $(pgrep -x dockerd || true); do is_running "$p" && others+=" $p"; done   # skip zombies
if [ -n "$others" ]; then
  die "a dockerd not started by these scripts is running (pid$others) but 'docker info' fails"
fi

# A dockerd that was killed rather than stopped (its session ended, kill -9, OOM) leaves its
# containers' network namespaces mounted under /var/run/docker/netns, their veths still on docker0
# and holding the bridge's addresses. A new engine hands out the same addresses (172.17.0.2, ...),
# so traffic for a new container reaches a dead sandbox and is refused. No engine is alive here,
# so everything of the old one can go.
clear_dead_engine() {
  local n=0 f p ns
  # With live-restore the engine's containers are meant to outlive it: while a shim still runs one,
  # the new engine takes them back (their network sandboxes included), so nothing is killed; only
  # pid files a dead process left are cleared.
  if [ "$DOCKERD_LIVE_RESTORE" = true ] && pgrep -f 'containerd-shim-runc-v2 -namespace moby' >/dev/null; then
    pgrep -f 'containerd --config /var/run/docker/containerd' >/dev/null || rm -f /var/run/docker/containerd/containerd.pid
    rm -f "$RUN/docker/dockerd.pid" /var/run/docker.pid
    log "live-restore: $(pgrep -fc 'containerd-shim-runc-v2 -namespace moby') container(s) of the previous engine still run; the new engine restores them"
    return 0
  fi
  # Container processes live in docker's cgroups; never touch them when this shell is itself in one
  # (a machine that is a Docker container without its own cgroup namespace sees its own cgroup there).
  if ! grep -qE '/docker[/-]' /proc/self/cgroup; then
    for f in /sys/fs/cgroup/*/docker/*/cgroup.procs /sys/fs/cgroup/docker/*/cgroup.procs /sys/fs/cgroup/system.slice/docker-*.scope/cgroup.procs; do
      [ -r "$f" ] || continue
      while read -r p; do
        [ "$p" = 1 ] || [ "$p" = "$$" ] || [ "$p" = "$PPID" ] && continue
        kill -9 "$p" 2>/dev/null && n=$((n + 1))
      done <"$f"
    done
  fi
  pkill -9 -x docker-proxy 2>/dev/null && n=$((n + 1))
  pkill -9 -f 'containerd-shim-runc-v2 -namespace moby' 2>/dev/null && n=$((n + 1))
  pkill -9 -f 'containerd --config /var/run/docker/containerd' 2>/dev/null && n=$((n + 1))
  # Its containers' root filesystems and /dev/shm stay mounted under its data-root (deepest first).
  local m
  while read -r m; do
    umount -l "$m" 2>/dev/null && n=$((n + 1))
  done < <(awk '$2 ~ /\/overlay2\/[^\/]+\/merged$/ || $2 ~ /\/containers\/[^\/]+\/mounts\/shm$/ {print $2}' /proc/self/mounts | sort -r)
  # ...and dockerd bind-mounts its data-root on itself: a bind of a directory (mountinfo's root field
  # is not "/", so never a disk of its own) laid out like a data-root.
  while read -r m; do
    [ -d "$m/overlay2" ] && [ -d "$m/containers" ] && [ -d "$m/image" ] || continue
    umount -l "$m" 2>/dev/null && n=$((n + 1))
  done < <(awk '$4 != "/" {print $5}' /proc/self/mountinfo | sort -r)
  for ns in /var/run/docker/netns/*; do
    [ -e "$ns" ] || continue
    umount "$ns" 2>/dev/null || true
    rm -f "$ns" && n=$((n + 1))
  done
  # (a cleanly stopped engine leaves docker0 too; recreating it is routine, so it is not reported)
  if ip link show docker0 >/dev/null 2>&1; then ip link delete docker0 || true; fi
  # dockerd trusts containerd.pid: a pid still there (a process being killed, or reused) makes it
  # wait for a containerd that never answers, then give up.
  for _ in $(seq 50); do pgrep -f 'containerd --config /var/run/docker/containerd' >/dev/null || break; sleep 0.1; done
  rm -f /var/run/docker/containerd/containerd.pid
  # Same for dockerd's own pid file: "pid file found, ensure docker is not running" when its old pid
  # has been reused (no dockerd is alive, or this would not run).
  rm -f "$RUN/docker/dockerd.pid" /var/run/docker.pid
  [ "$n" -eq 0 ] || log "cleared what a dead engine left behind (container processes and mounts, network namespaces)"
}
clear_dead_engine

mkdir -p "$DOCKER_DATA_ROOT" "$RUN/docker"
cgv="v1"; [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && cgv="v2"

start_dockerd() {  # $1 = true|false (iptables)
  local args=(--data-root "$DOCKER_DATA_ROOT" --pidfile "$RUN/docker/dockerd.pid"
              -H unix:///var/run/docker.sock --iptables="$1")
  if [ "$DOCKERD_LIVE_RESTORE" = true ]; then
    args+=(--live-restore)
    # DNAT needs iptables; without it the userland proxy is what publishes ports.
    [ "$1" = true ] && args+=(--userland-proxy=false)
  fi
  # shellcheck disable=SC2206
  [ -n "${DOCKERD_EXTRA_ARGS:-}" ] && args+=($DOCKERD_EXTRA_ARGS)
  log "starting dockerd (cgroup $cgv, iptables=$1) ${args[*]}"
  start_bg dockerd /usr/sbin/dockerd "${args[@]}"
  wait_for_cmd 60 "docker info" docker_up
}

case "$DOCKERD_IPTABLES" in
  true|false)
    start_dockerd "$DOCKERD_IPTABLES" || fail_start dockerd "dockerd did not come up (it exited, or docker info failed for 60 s)" ;;
  auto)
    if ! start_dockerd true; then
      # only the log of this attempt (after the last "=== ... start:" marker), without the marker
      if grep -qi 'iptables' <<<"$(awk '/^=== /{b=""; next} {b=b $0 "\n"} END{printf "%s", b}' "$LOGS_DIR/dockerd.log")"; then
        log "dockerd failed with iptables enabled; retrying with --iptables=false"
        stop_pid dockerd 10
        start_dockerd false || fail_start dockerd "dockerd did not come up, even with --iptables=false"
      else
        fail_start dockerd "dockerd did not come up (it exited, or docker info failed for 60 s)"
      fi
    fi ;;
  *) die "DOCKERD_IPTABLES must be auto, true or false (got '$DOCKERD_IPTABLES')" ;;
esac
log "ready: $(docker version -f 'server {{.Server.Version}}' 2>/dev/null), data-root $DOCKER_DATA_ROOT, live-restore $(docker info -f '{{.LiveRestoreEnabled}}' 2>/dev/null)"
