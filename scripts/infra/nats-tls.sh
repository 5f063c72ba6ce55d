#!/usr/bin/env bash
# Generates TLS material for the bus with openssl: a CA, a server certificate for the NATS servers
# (every --host as a subject alternative name, IP or DNS), and a client certificate the services and
# node agents present when the servers verify clients (`verify: true`). Existing files are kept.
#   scripts/infra/nats-tls.sh --out DIR --host 127.0.0.1 --host nats-1 [--host ...] [--days 825]
# Files: ca.pem (give it to every client: NATS_TLS_CA), ca-key.pem (keep it offline), server.pem,
# server-key.pem (the servers' `tls {}` block), client.pem, client-key.pem (NATS_TLS_CERT/NATS_TLS_KEY).
# See docs/operations.md, "TLS on the bus and to PostgreSQL".
set -euo pipefail
OUT=""; DAYS=825; HOSTS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --host) HOSTS+=("$2"); shift 2 ;;
    --days) DAYS="$2"; shift 2 ;;
    *) echo "nats-tls: unknown argument $1" >&2; exit 64 ;;
  esac
done
[ -n "$OUT" ] && [ "${#HOSTS[@]}" -gt 0 ] || { echo "usage: nats-tls.sh --out DIR --host NAME_OR_IP [--host ...] [--days N]" >&2; exit 64; }
command -v openssl >/dev/null || { echo "nats-tls: openssl missing (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$OUT"; chmod 700 "$OUT"; cd "$OUT"
umask 077

if [ ! -f ca.pem ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca-key.pem -out ca.pem \
    -days "$DAYS" -subj "/CN=fluxplane bus CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

san=""
for h in "${HOSTS[@]}"; do
  if [[ "$h" =~ ^[0-9.]+$ || "$h" == *:* ]]; then san+="IP:$h,"; else san+="DNS:$h,"; fi
done
san="${san%,}"

issue() { # name cn extendedKeyUsage [san]
  local name="$1" cn="$2" eku="$3" alt="${4:-}"
  [ -f "$name.pem" ] && return 0
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name-key.pem" -out "$name.csr" -subj "/CN=$cn" 2>/dev/null
  local ext; ext="$(mktemp)"
  { echo "basicConstraints=CA:FALSE"; echo "keyUsage=critical,digitalSignature,keyEncipherment"; echo "extendedKeyUsage=$eku"; [ -n "$alt" ] && echo "subjectAltName=$alt"; } >"$ext"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out "$name.pem" -days "$DAYS" -extfile "$ext" 2>/dev/null
  rm -f "$name.csr" "$ext"
}
# The servers present theirs to each other too (cluster routes with `verify: true`): client use as well.
issue server "fluxplane bus" serverAuth,clientAuth "$san"
issue client "fluxplane client" clientAuth
chmod 600 ./*.pem
echo "$OUT: ca.pem server.pem server-key.pem client.pem client-key.pem (server names: $san)"
