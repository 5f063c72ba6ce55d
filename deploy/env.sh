# Sourced by the scripts in deploy/*/: their settings and secrets folder, read the way docker-compose
# reads them (the shell's environment wins over the .env beside the compose file).

# Exports every KEY=value of <dir>/.env that the environment does not already set.
fluxplane_load_env() {
  local k v
  while IFS='=' read -r k v; do
    [[ "$k" =~ ^[A-Z_][A-Z0-9_]*$ ]] || continue
    [ -n "${!k+x}" ] || export "$k=$v"
  done <"$1/.env"
}

# Prints FLUXPLANE_SECRETS as an absolute path (a relative one is relative to <dir>, as in compose).
fluxplane_secrets_dir() {
  local sec="${FLUXPLANE_SECRETS:?FLUXPLANE_SECRETS is not set}"
  case "$sec" in /*) ;; *) sec="$1/$sec" ;; esac
  printf '%s\n' "$sec"
}
