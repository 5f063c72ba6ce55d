#!/usr/bin/env bash
# Admits a node VM to the bus: add-node.sh NODE_ID NODE_IP  (run as root on the control-plane VM that
# holds the CA key, after init.sh). NODE_ID is the node's collateral outpoint on chain (txid:n), NODE_IP
# its public address. It
#   - gives the node its bus identity (node-<id>: may publish only its own heartbeats, instance events
#     and sync entries, may read only its own commands and queries) and rewrites
#     secrets/bus/nats-auth.conf with it;
#   - writes secrets/nodes/<identity>/, the node VM's secrets/ folder: nkey, node_id, nats_inbox,
#     ca.pem, client.pem, client-key.pem, database_url.
# Then (it prints the same): copy secrets/bus/nats-auth.conf to the other control-plane VMs, make every
# NATS server reload it (`docker-compose … kill -s HUP nats`; connections stay up), and copy the node's
# folder to the node VM as deploy/node/secrets/. Idempotent: the node keeps its seed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../env.sh
source "$here/../env.sh"
fluxplane_load_env "$here"
[ "$#" -eq 2 ] || { echo "usage: add-node.sh NODE_ID NODE_IP   (NODE_ID: the collateral outpoint txid:n)" >&2; exit 64; }
id="$1"; ip="$2"
[[ "$id" =~ ^[0-9a-fA-F]{64}:[0-9]+$ ]] || { echo "add-node.sh: NODE_ID '$id' is not a collateral outpoint txid:n" >&2; exit 64; }
[[ "$ip" =~ ^[0-9a-fA-F.:]+$ ]] || { echo "add-node.sh: NODE_IP '$ip' is not an IP address" >&2; exit 64; }
[ "$(id -u)" -eq 0 ] || { echo "add-node.sh: run as root (secrets)" >&2; exit 1; }
sec="$(fluxplane_secrets_dir "$here")"
for f in database_url tls/ca.pem tls/client.pem tls/client-key.pem; do
  [ -s "$sec/$f" ] || { echo "add-node.sh: $sec/$f is missing: run init.sh first" >&2; exit 1; }
done
mkdir -p "$sec/bus"; touch "$sec/bus/nodes"
grep -vx "$id@.*" "$sec/bus/nodes" >"$sec/bus/nodes.new" || true
echo "$id@$ip" >>"$sec/bus/nodes.new"; mv "$sec/bus/nodes.new" "$sec/bus/nodes"; chmod 600 "$sec/bus/nodes"
out="$("$here/bus-identities.sh")"
# The generator lists every identity (name, public key, env file); this node is the last one listed.
name="$(printf '%s\n' "$out" | awk -F'\t' '$1 ~ /^node-/ {n=$1} END {print n}')"
[ -n "$name" ] && [ -s "$sec/bus/$name.nk" ] || { echo "add-node.sh: no identity generated for $id:"$'\n'"$out" >&2; exit 1; }
inbox="$(sed -n 's/^NATS_INBOX_PREFIX=//p' "$sec/bus/$name.env")"
dest="$sec/nodes/$name"
mkdir -p "$dest"; chmod 700 "$sec/nodes" "$dest"
( umask 077
  cp "$sec/bus/$name.nk" "$dest/nkey"
  printf '%s\n' "$id" >"$dest/node_id"
  printf '%s\n' "$inbox" >"$dest/nats_inbox"
  cp "$sec/tls/ca.pem" "$sec/tls/client.pem" "$sec/tls/client-key.pem" "$sec/database_url" "$dest/" )
cat >&2 <<MSG
add-node.sh: node $id ($ip) is bus identity $name. Next:
  1. copy $sec/bus/nats-auth.conf to the other control-plane VMs' secrets/bus/;
  2. on every control-plane VM: docker-compose -f $here/docker-compose.yml kill -s HUP nats
  3. copy $dest/ to the node VM as deploy/node/secrets/ (then deploy/node/init.sh, up -d).
MSG
