#!/usr/bin/env bash
# A private registry for tests of registry credentials: Debian's docker-registry with htpasswd
# (bcrypt) Basic auth on $PRIVATE_REGISTRY_ADDR (127.0.0.1:5005), user $PRIVATE_REGISTRY_USER,
# password $PRIVATE_REGISTRY_PASSWORD, holding the demo image as fluxplane/private-demo:latest.
# Config $FLUXPLANE_RUN/private-registry/{config.yml,htpasswd}, blobs under .../data. The push logs
# in with a throwaway DOCKER_CONFIG under the same directory, so no credential is left in ~/.docker.
COMPONENT=private-registry
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ADDR="${PRIVATE_REGISTRY_ADDR:-127.0.0.1:5005}"
USER_NAME="${PRIVATE_REGISTRY_USER:-fluxpuller}"
PASSWORD="${PRIVATE_REGISTRY_PASSWORD:-devnet-pull-secret}"
IMAGE="$ADDR/fluxplane/private-demo:latest"
DIR="$RUN/private-registry"
host="${ADDR%:*}"; port="${ADDR##*:}"

# An auth registry answers /v2/ with 401 without credentials and 200 with them.
authed_ready() {
  [ "$(http_code "http://$ADDR/v2/")" = 401 ] && [ "$(http_code -u "$USER_NAME:$PASSWORD" "http://$ADDR/v2/")" = 200 ]
}

if tcp_open "$host" "$port"; then
  authed_ready || die "something answers $ADDR but it is not a registry taking $USER_NAME's credentials (401 without, 200 with)"
  log "reusing the private registry on $ADDR"
else
  need_pkg docker-registry apache2-utils
  mkdir -p "$DIR/data"
  htpasswd -Bbn "$USER_NAME" "$PASSWORD" >"$DIR/htpasswd"
  cat >"$DIR/config.yml" <<YAML
# written by fluxplane scripts/infra/private-registry.sh
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $DIR/data
  delete:
    enabled: true
auth:
  htpasswd:
    realm: fluxplane-private
    path: $DIR/htpasswd
http:
  addr: $ADDR
YAML
  start_bg private-registry /usr/bin/docker-registry serve "$DIR/config.yml"
  wait_for_cmd 20 "private registry" authed_ready || fail_start private-registry "docker-registry with htpasswd auth did not answer http://$ADDR/v2/ within 20 s"
  log "ready: http://$ADDR (user $USER_NAME)"
fi

# The demo image, pushed once (it is the source image, from the public local registry).
if [ "$(http_code -u "$USER_NAME:$PASSWORD" -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$ADDR/v2/fluxplane/private-demo/manifests/latest")" != 200 ]; then
  bash "$INFRA_DIR/demo-image.sh"
  src="$REGISTRY_ADDR/fluxplane/demo:latest"
  docker pull -q "$src" >/dev/null || die "cannot pull $src"
  docker tag "$src" "$IMAGE"
  export DOCKER_CONFIG="$DIR/docker-config"
  mkdir -p "$DOCKER_CONFIG"
  printf '%s' "$PASSWORD" | docker login -u "$USER_NAME" --password-stdin "$ADDR" >/dev/null 2>&1 || die "docker login $ADDR failed"
  docker push -q "$IMAGE" >/dev/null || die "docker push $IMAGE failed"
  docker logout "$ADDR" >/dev/null 2>&1 || true
  docker rmi "$IMAGE" >/dev/null 2>&1 || true
  log "pushed $IMAGE"
fi
