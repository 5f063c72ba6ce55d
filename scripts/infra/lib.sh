#!/usr/bin/env bash
# Shared helpers for scripts/infra/*.sh. Source it; do not execute it.
#
# Conventions:
#   - every component binds to loopback only;
#   - all state lives under $FLUXPLANE_RUN (default <repo>/.devnet/run):
#       $FLUXPLANE_RUN/pids/<name>.pid   pid of a daemon *we* started (down.sh stops only these)
#       $FLUXPLANE_RUN/logs/<name>.log   its stdout/stderr
#       $FLUXPLANE_RUN/<component>/      its config and data
#   - progress goes to stderr; a failure exits non-zero with a clear message.

set -euo pipefail

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$INFRA_DIR/../.." && pwd)"
FLUXPLANE_RUN="${FLUXPLANE_RUN:-$REPO_ROOT/.devnet/run}"
mkdir -p "$FLUXPLANE_RUN"
FLUXPLANE_RUN="$(cd "$FLUXPLANE_RUN" && pwd)"   # absolute: it ends up in config files
export FLUXPLANE_RUN
RUN="$FLUXPLANE_RUN"
PIDS_DIR="$RUN/pids"
LOGS_DIR="$RUN/logs"
mkdir -p "$PIDS_DIR" "$LOGS_DIR"

# Ports / addresses (override through the environment if you must; the
# defaults are what the rest of fluxplane expects).
NATS_PORT="${NATS_PORT:-4222}"
PG_PORT="${PG_PORT:-5432}"
PG_CLUSTER="${PG_CLUSTER:-main}"
FLUXPLANE_PG_DB="${FLUXPLANE_PG_DB:-fluxplane}"
REGISTRY_ADDR="${REGISTRY_ADDR:-127.0.0.1:5000}"
HAPROXY_HTTP_PORT="${HAPROXY_HTTP_PORT:-18080}"
PDNS_DNS_PORT="${PDNS_DNS_PORT:-15353}"
PDNS_API_PORT="${PDNS_API_PORT:-18082}"
PDNS_API_KEY="${PDNS_API_KEY:-fluxplane-dev-key}"
PEBBLE_PORT="${PEBBLE_PORT:-14000}"
PEBBLE_MGMT_PORT="${PEBBLE_MGMT_PORT:-15000}"
PEBBLE_HTTP_PORT="${PEBBLE_HTTP_PORT:-5002}"
PEBBLE_TLS_PORT="${PEBBLE_TLS_PORT:-5001}"

: "${COMPONENT:=$(basename "${0%.sh}")}"

log() { printf '[infra:%s] %s\n' "$COMPONENT" "$*" >&2; }
die() { printf '[infra:%s] ERROR: %s\n' "$COMPONENT" "$*" >&2; exit 1; }

require_root() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (installs packages, starts daemons)"
}

# ---------------------------------------------------------------- packages
pkg_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# apt-get update at most once per run dir per 12 h (and only when something is missing).
apt_update_once() {
  local stamp="$RUN/.apt-updated"
  if [ -n "$(find "$stamp" -mmin -720 2>/dev/null)" ]; then return 0; fi
  log "apt-get update"
  apt-get -o DPkg::Lock::Timeout=300 update -qq >"$LOGS_DIR/apt.log" 2>&1 || die "apt-get update failed (see $LOGS_DIR/apt.log)"
  touch "$stamp"
}

# need_pkg pkg... : install the packages that are missing (never starts services: policy-rc.d).
# Waits (up to 5 min) for another apt/dpkg run to let go of its lock instead of failing at once.
need_pkg() {
  local missing=() p
  for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
  [ "${#missing[@]}" -eq 0 ] && return 0
  require_root
  apt_update_once
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}" \
    >>"$LOGS_DIR/apt.log" 2>&1 || die "apt-get install ${missing[*]} failed (see $LOGS_DIR/apt.log)"
}

# ---------------------------------------------------------------- readiness
# tcp_open host port : true if something accepts a TCP connection there.
tcp_open() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# wait_for_cmd timeout_s description cmd... : poll cmd every 0.2 s until it succeeds.
wait_for_cmd() {
  local timeout_s="$1" what="$2"; shift 2
  local deadline=$((SECONDS + timeout_s))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then return 1; fi
    if [ -n "${WAIT_PID:-}" ] && ! is_running "$WAIT_PID"; then
      log "process $WAIT_PID exited while waiting for $what"; return 1
    fi
    sleep 0.2
  done
}

# wait_for_tcp host port [timeout_s]
wait_for_tcp() {
  wait_for_cmd "${3:-30}" "$1:$2" tcp_open "$1" "$2"
}

# ---------------------------------------------------------------- pid files
pid_file() { echo "$PIDS_DIR/$1.pid"; }

# is_running pid : alive and not a zombie (our daemons are reparented to PID 1, which may
# reap them late; kill -0 succeeds on a zombie).
is_running() {
  kill -0 "$1" 2>/dev/null || return 1
  local st; st="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [ -n "$st" ] && [ "$st" != Z ]
}

# pid_alive name : true if pids/<name>.pid names a live process.
pid_alive() {
  local f; f="$(pid_file "$1")"
  [ -s "$f" ] && is_running "$(cat "$f")"
}

# start_bg name cmd... : start a daemon detached (own session), log to logs/<name>.log,
# record its pid in pids/<name>.pid and export it as WAIT_PID for wait_for_cmd.
start_bg() {
  local name="$1"; shift
  local logf="$LOGS_DIR/$name.log"
  printf '\n=== %s start: %s\n' "$(date -Is)" "$*" >>"$logf"
  # Not a process-group leader here, so setsid does not fork: $! is the daemon itself. The daemon
  # inherits no descriptor beyond 0-2: one started under `flock /tmp/fluxplane-heavy.lock` would
  # otherwise hold the machine-wide lock for as long as it lives (dockerd did, blocking everyone).
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd="${fd##*/}"; [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
    done
    exec setsid "$@"
  ) </dev/null >>"$logf" 2>&1 &
  local pid=$!
  echo "$pid" >"$(pid_file "$name")"
  WAIT_PID="$pid"
  log "started $name (pid $pid, log $logf)"
}

# stop_pid name [timeout_s] : SIGTERM the recorded pid, wait, SIGKILL if needed.
stop_pid() {
  local name="$1" timeout_s="${2:-20}" f pid
  f="$(pid_file "$name")"
  if ! [ -s "$f" ]; then return 0; fi
  pid="$(cat "$f")"
  if is_running "$pid"; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + timeout_s))
    while is_running "$pid"; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        log "$name did not exit after ${timeout_s}s; SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.2
    done
  fi
  rm -f "$f"
}

# fail_start name message : print the log tail and die.
fail_start() {
  local name="$1"; shift
  local logf="$LOGS_DIR/$name.log"
  if [ -f "$logf" ]; then
    printf -- '--- last lines of %s ---\n' "$logf" >&2
    tail -n 15 "$logf" >&2 || true
  fi
  die "$*"
}

http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$@" 2>/dev/null || true; }
