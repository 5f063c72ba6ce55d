#!/usr/bin/env bash
# Installs Debian packages whose binaries the tests start themselves (private HAProxy instances,
# `haproxy -c` checks), without starting any shared daemon.
# usage: packages.sh [package ...]    default: haproxy socat
COMPONENT=packages
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ "$#" -eq 0 ]; then set -- haproxy socat syncthing; fi
need_pkg "$@"
log "installed: $*"
