#!/usr/bin/env bash
# Build the demo HTTP image locally from Debian's busybox-static + deploy/demo-image/rootfs,
# `docker import` it and push it to the local registry:
#   $REGISTRY_ADDR/fluxplane/demo:latest   and   :src-<hash of the sources>
# Skips the build when the registry already has both tags (same sources) unless --force.
# After a push it removes the local tags and pulls them back from the registry (proves the pull).
#
# usage: demo-image.sh [--force] [--smoke]
#   --smoke  also run it like a node agent would (-p 127.1.0.1:39001:8080 -m 64m, FLUX_* env),
#            curl / and /cgi-bin/whoami, check the memory limit, and remove the container.
COMPONENT=demo-image
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FORCE=0; SMOKE=0
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    --smoke) SMOKE=1 ;;
    *) die "unknown argument '$a' (usage: demo-image.sh [--force] [--smoke])" ;;
  esac
done

SRC="$REPO_ROOT/deploy/demo-image/rootfs"
REPO_NAME="fluxplane/demo"
IMAGE="$REGISTRY_ADDR/$REPO_NAME"
SMOKE_ADDR="${DEMO_SMOKE_ADDR:-127.1.0.1}"
SMOKE_PORT="${DEMO_SMOKE_PORT:-39001}"
RECIPE_VERSION=1   # bump when the way the image is assembled below changes

[ -d "$SRC" ] || die "missing $SRC"
bash "$INFRA_DIR/docker.sh"
bash "$INFRA_DIR/registry.sh"
need_pkg busybox-static
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || die "$BUSYBOX not found after installing busybox-static"

src_hash="$( { echo "recipe=$RECIPE_VERSION"; sha256sum "$BUSYBOX" | cut -d' ' -f1
  cd "$SRC" && find . \( -type f -o -type l \) -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
  cd "$SRC" && find . -perm -u+x -type f | LC_ALL=C sort; } | sha256sum | cut -c1-12)"
SRC_TAG="src-$src_hash"

manifest_code() {
  http_code -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY_ADDR/v2/$REPO_NAME/manifests/$1"
}

if [ "$FORCE" = 0 ] && [ "$(manifest_code latest)" = 200 ] && [ "$(manifest_code "$SRC_TAG")" = 200 ]; then
  log "registry already has $IMAGE:latest ($SRC_TAG); skipping build (--force to rebuild)"
  # A new engine (another data-root, or a fresh machine with this registry's storage) has no copy yet.
  if ! docker image inspect "$IMAGE:latest" >/dev/null 2>&1; then
    log "pulling $IMAGE:latest into this engine"
    docker pull -q "$IMAGE:latest" >/dev/null || die "docker pull $IMAGE:latest failed"
  fi
else
  stage="$RUN/demo-image/rootfs"
  rm -rf "$stage"; mkdir -p "$stage"
  cp -a "$SRC/." "$stage/"
  mkdir -p "$stage/bin" "$stage/etc" "$stage/tmp" "$stage/root" "$stage/proc" "$stage/sys" "$stage/dev"
  chmod 1777 "$stage/tmp"
  cp "$BUSYBOX" "$stage/bin/busybox"
  for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$stage/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$stage/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$stage/etc/group"
  log "importing $IMAGE:$SRC_TAG ($(du -sh "$stage" | cut -f1) rootfs)"
  tar -C "$stage" --numeric-owner --owner=0 --group=0 --mtime='2024-01-01' -cf - . | docker import \
    --change 'ENV PATH=/bin' \
    --change 'ENV PORT=8080' \
    --change 'EXPOSE 8080' \
    --change 'WORKDIR /' \
    --change "LABEL org.fluxplane.demo.src=$src_hash" \
    --change 'CMD ["/start.sh"]' \
    - "$IMAGE:$SRC_TAG" >/dev/null || die "docker import failed"
  docker tag "$IMAGE:$SRC_TAG" "$IMAGE:latest"
  for t in "$SRC_TAG" latest; do
    log "pushing $IMAGE:$t"
    docker push -q "$IMAGE:$t" >/dev/null || die "docker push $IMAGE:$t failed"
  done
  # Prove the registry round trip: drop the local copies and pull back.
  docker rmi "$IMAGE:latest" "$IMAGE:$SRC_TAG" >/dev/null
  log "pulling $IMAGE:latest back from the registry"
  docker pull -q "$IMAGE:latest" >/dev/null || die "docker pull $IMAGE:latest failed after push"
  got="$(docker image inspect -f '{{index .Config.Labels "org.fluxplane.demo.src"}}' "$IMAGE:latest")"
  [ "$got" = "$src_hash" ] || die "pulled image has src label '$got', expected '$src_hash'"
  rm -rf "$stage"
fi
log "ready: $IMAGE:latest ($SRC_TAG)"

if [ "$SMOKE" = 1 ]; then
  name="fluxplane-demo-smoke"
  grep -q ' dev lo' <<<"$(ip route get "$SMOKE_ADDR" 2>/dev/null)" || die "$SMOKE_ADDR does not route to lo"
  docker rm -f "$name" >/dev/null 2>&1 || true
  log "smoke: docker run -m 64m -p $SMOKE_ADDR:$SMOKE_PORT:8080 $IMAGE:latest"
  docker run -d --name "$name" -m 64m -e FLUX_APP=demo -e FLUX_NODE_ID=smoke-node \
    -p "$SMOKE_ADDR:$SMOKE_PORT:8080" "$IMAGE:latest" >/dev/null || die "docker run failed"
  trap 'docker rm -f "$name" >/dev/null 2>&1 || true' EXIT
  wait_for_cmd 15 "demo container" curl -fsS --max-time 2 "http://$SMOKE_ADDR:$SMOKE_PORT/healthz" \
    || { docker logs "$name" 2>&1 | tail -n 5 >&2; die "demo container did not answer on $SMOKE_ADDR:$SMOKE_PORT"; }
  grep -q 'fluxplane demo' <<<"$(curl -fsS "http://$SMOKE_ADDR:$SMOKE_PORT/")" || die "GET / did not return the demo page"
  who="$(curl -fsS "http://$SMOKE_ADDR:$SMOKE_PORT/cgi-bin/whoami")"
  cid="$(docker inspect -f '{{.Id}}' "$name")"
  case "$who" in
    "app=demo node=smoke-node hostname=${cid:0:12}") ;;
    *) die "unexpected /cgi-bin/whoami answer: '$who'" ;;
  esac
  mem="$(docker inspect -f '{{.HostConfig.Memory}}' "$name")"
  [ "$mem" = 67108864 ] || die "memory limit not applied (HostConfig.Memory=$mem)"
  cg="/sys/fs/cgroup/memory/docker/$cid/memory.limit_in_bytes"
  if [ -r "$cg" ]; then [ "$(cat "$cg")" = 67108864 ] || die "cgroup limit is $(cat "$cg"), expected 67108864"; fi
  t0=$(date +%s%N); docker stop "$name" >/dev/null; t1=$(date +%s%N)
  log "smoke OK: '$who'; memory limit 64m enforced in cgroup; docker stop took $(( (t1 - t0) / 1000000 )) ms"
fi
