#!/bin/sh
# Container entrypoint (PID 1). Runs busybox httpd in the foreground and forwards SIGTERM/SIGINT
# so `docker stop` returns at once instead of waiting for the kill timeout.
PORT="${PORT:-8080}"
# The CGI also reads this file, in case a runtime does not pass the environment to CGIs.
printf 'FLUX_APP=%s\nFLUX_NODE_ID=%s\n' "$FLUX_APP" "$FLUX_NODE_ID" >/tmp/flux.env
echo "demo: httpd on :$PORT app=$FLUX_APP node=$FLUX_NODE_ID" >&2
httpd -f -vv -p "$PORT" -h /www &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null; wait "$pid"; exit 0' TERM INT
wait "$pid"
