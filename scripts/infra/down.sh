#!/usr/bin/env bash
# Stop what up.sh / the component scripts started (by pid file under $FLUXPLANE_RUN/pids).
# Services that were already running before (no pid file of ours) are left alone.
# usage: down.sh [component ...]   (default: all; order: reverse of up.sh)
COMPONENT=down
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ORDER=(pebble pdns haproxy registry docker postgres nats)
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
    docker)
      # dockerd stops its containers and its managed containerd on SIGTERM.
      stop_pid dockerd 60 ;;
    postgres)
      if pid_alive postgres; then
        read -r ver cl <"$PIDS_DIR/postgres.cluster" || true
        log "stopping postgres cluster $ver/$cl (pid $(cat "$(pid_file postgres)"))"
        pg_ctlcluster --skip-systemctl-redirect "$ver" "$cl" stop -m fast >/dev/null 2>&1 || stop_pid postgres 30
      fi
      rm -f "$(pid_file postgres)" "$PIDS_DIR/postgres.cluster" ;;
    *) stop_pid "$c" 20 ;;
  esac
done
log "down (run dir $RUN kept; delete it to drop all state)"
