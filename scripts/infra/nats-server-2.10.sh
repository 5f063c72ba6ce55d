#!/usr/bin/env bash
# Prints the path of a NATS 2.10 server binary, fetching it first if needed: Debian 13's (trixie)
# `nats-server` package, downloaded with apt and unpacked under $FLUXPLANE_RUN/nats-2.10 (nothing is
# installed system-wide; the host's own nats-server, 2.9 on Debian 12, stays). The VM deployments run
# 2.10, the first with `sync_interval: always`; the NATS cluster test uses this one.
COMPONENT=nats-2.10
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEST="$RUN/nats-2.10"
BIN="$DEST/usr/sbin/nats-server"
if [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q 'v2\.1[0-9]\.'; then echo "$BIN"; exit 0; fi

APT="$DEST/apt"
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" >"$APT/sources.list"
OPTS=(-o "Dir::Etc::SourceList=$APT/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache" -o APT::Sandbox::User=root)
log "fetching Debian 13's nats-server package list"
apt-get "${OPTS[@]}" update -qq >"$LOGS_DIR/nats-2.10-apt.log" 2>&1 || die "apt-get update (trixie) failed: see $LOGS_DIR/nats-2.10-apt.log"
( cd "$APT" && apt-get "${OPTS[@]}" download nats-server >>"$LOGS_DIR/nats-2.10-apt.log" 2>&1 ) || die "apt-get download nats-server (trixie) failed: see $LOGS_DIR/nats-2.10-apt.log"
DEB="$(ls "$APT"/nats-server_*.deb | head -1)"
dpkg-deb -x "$DEB" "$DEST"
"$BIN" --version | grep -q 'v2\.1[0-9]\.' || die "$DEB did not hold a NATS 2.10+ server"
log "ready: $("$BIN" --version) at $BIN"
echo "$BIN"
