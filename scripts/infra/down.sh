#!/usr/bin/env bash
# Stop what up.sh / the component scripts started (by pid file under $FLUXPLANE_RUN/pids).
# Services that were already running before (no pid file of ours) are left alone.
# usage: down.sh [component ...]   (default: all; order: reverse of up.sh)
COMPONENT=down
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ORDER=(syncthing pebble pdns haproxy private-registry registry docker postgres nats)
if [ "$#" -eq 0 ]; then set -- "${ORDER[@]}"; fi
declare -A want=()
for c in "$@"; do
  case " ${ORDER[*]} demo-image " in
    *" $c "*) want[$c]=1 ;;
    *) die "unknown component '$c' (known: ${ORDER[*]})" ;;
  esac
done

for c in "${ORDER[@]}"; do
  [ -n "${want[$c]:-}" ] || continue
  case "$c" in
    syncthing)
      # Every instance syncthing.sh started (pids/syncthing-<name>.pid); SIGTERM to the monitor stops its child too.
      for f in "$PIDS_DIR"/syncthing-*.pid; do
        [ -e "$f" ] || continue
        n="$(basename "$f" .pid)"; stop_pid "$n" 20
      done ;;
    docker)
      # dockerd stops its managed containerd on SIGTERM; with live-restore (docker.sh's default)
      # its containers keep running and the next engine takes them back.
      stop_pid dockerd 60 ;;
    postgres)
      if pid_alive postgres; then
        read -r ver cl <"$PIDS_DIR/postgres.cluster" || true
        log "stopping postgres cluster $ver/$cl (pid $(cat "$(pid_file postgres)"))"
        pg_ctlcluster --skip-systemctl-redirect "$ver" "$cl" stop -m fast >/dev/null 2>&1 || stop_pid postgres 30
      fi
      rm -f "$(pid_file postgres)" "$PIDS_DIR/postgres.cluster" ;;
    pebble) stop_pid pebble 20; stop_pid pebble-dns 20 ;;
    *) stop_pid "$c" 20 ;;
  esac
done
log "down (run dir $RUN kept; delete it to drop all state)"
