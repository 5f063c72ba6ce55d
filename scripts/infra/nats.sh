#!/usr/bin/env bash
# NATS server with JetStream on 127.0.0.1:$NATS_PORT (4222). Reuses whatever already answers there.
COMPONENT=nats
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# nats_info : print the INFO line the server sends on connect.
nats_info() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0"; IFS= read -r line <&3; printf "%s\n" "$line"' "$NATS_PORT" 2>/dev/null
}
nats_ready() { grep -q '^INFO ' <<<"$(nats_info)"; }
check_jetstream() {
  local info; info="$(nats_info)"
  case "$info" in
    *'"jetstream":true'*) ;;
    INFO*) die "a NATS server answers 127.0.0.1:$NATS_PORT but JetStream is not enabled on it" ;;
    *) die "something answers 127.0.0.1:$NATS_PORT but it is not NATS" ;;
  esac
}

if tcp_open 127.0.0.1 "$NATS_PORT"; then
  check_jetstream
  if pid_alive nats; then log "already running (ours, pid $(cat "$(pid_file nats)"))"; else log "reusing the NATS server already on 127.0.0.1:$NATS_PORT"; fi
  exit 0
fi

need_pkg nats-server
mkdir -p "$RUN/nats"
start_bg nats /usr/sbin/nats-server -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$RUN/nats"
wait_for_cmd 20 "NATS on 127.0.0.1:$NATS_PORT" nats_ready || fail_start nats "nats-server did not answer on 127.0.0.1:$NATS_PORT within 20 s"
check_jetstream
log "ready: nats://127.0.0.1:$NATS_PORT (JetStream store $RUN/nats)"
