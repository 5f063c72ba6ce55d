#!/usr/bin/env bash
# What node agents need for app data volumes (FluxOS's way: a sparse file of the component's hdd
# size, formatted ext4 and loop-mounted): truncate (coreutils), mkfs.ext4 (e2fsprogs), mount/umount
# (mount) and loop devices. Installs the missing packages and proves, once, that this machine can
# loop-mount a file: the agents must run as root, with the loop driver and /dev/loop-control.
# No daemon: nothing to stop in down.sh.
COMPONENT=volumes
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_pkg coreutils e2fsprogs mount util-linux
require_root

probe="$(mktemp -d "${TMPDIR:-/tmp}/fluxplane-volume-probe.XXXXXX")"
cleanup() { umount "$probe/mnt" 2>/dev/null || true; rm -rf "$probe"; }
trap cleanup EXIT
mkdir "$probe/mnt"
truncate -s 16M "$probe/img" && mkfs.ext4 -F -q "$probe/img" || die "mkfs.ext4 failed on a sparse file"
mount -o loop "$probe/img" "$probe/mnt" 2>"$probe/err" \
  || die "cannot loop-mount a file ($(cat "$probe/err")); node agents need root and loop devices (modprobe loop; in a container: --privileged or /dev/loop-control)"
log "loop-mounted ext4 volumes work"
