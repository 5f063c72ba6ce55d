#!/usr/bin/env bash
# Bring up infrastructure components (idempotent; a second run reuses everything).
# usage: up.sh [component ...]     components: nats postgres docker volumes registry haproxy pdns pebble demo-image | all
# default: nats postgres docker volumes registry haproxy
# Dependencies are added automatically (pebble -> pdns; demo-image -> docker registry; docker -> volumes) and
# everything starts in this order: nats postgres docker volumes registry haproxy pdns pebble demo-image.
COMPONENT=up
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ORDER=(nats postgres docker volumes registry haproxy pdns pebble demo-image)
DEFAULT=(nats postgres docker volumes registry haproxy)
declare -A want=()
add() {
  case "$1" in
    pebble) want[pdns]=1 ;;
    demo-image) want[docker]=1; want[registry]=1 ;;
    # Node agents run containers over loop-mounted volumes: wherever Docker is wanted, so are they.
    docker) want[volumes]=1 ;;
  esac
  want[$1]=1
}
if [ "$#" -eq 0 ]; then set -- "${DEFAULT[@]}"; fi
for c in "$@"; do
  case " ${ORDER[*]} all " in
    *" $c "*) ;;
    *) die "unknown component '$c' (known: ${ORDER[*]} all)" ;;
  esac
  if [ "$c" = all ]; then for x in "${ORDER[@]}"; do add "$x"; done; else add "$c"; fi
done

t0=$(date +%s%N)
for c in "${ORDER[@]}"; do
  [ -n "${want[$c]:-}" ] || continue
  bash "$INFRA_DIR/$c.sh" || die "$c failed to come up"
done
log "up ($(( ($(date +%s%N) - t0) / 1000000 )) ms), run dir $RUN"
