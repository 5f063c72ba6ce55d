#!/bin/sh
# SYNCTHING_HOME (keys, config, apikey), SYNCTHING_GUI (REST address, ip:port),
# SYNCTHING_LISTEN (where peers dial, tcp://ip:port)
set -eu
h="${SYNCTHING_HOME:-/var/lib/syncthing}"
gui="${SYNCTHING_GUI:?set SYNCTHING_GUI (ip:port of the REST API)}"
listen="${SYNCTHING_LISTEN:?set SYNCTHING_LISTEN (tcp://ip:port peers dial)}"
mkdir -p "$h"
[ -f "$h/config.xml" ] || syncthing generate --home="$h" --no-default-folder --skip-port-probing >/dev/null
sed -i \
  -e "s#<listenAddress>[^<]*</listenAddress>#<listenAddress>$listen</listenAddress>#" \
  -e 's#<globalAnnounceEnabled>true#<globalAnnounceEnabled>false#' \
  -e 's#<localAnnounceEnabled>true#<localAnnounceEnabled>false#' \
  -e 's#<relaysEnabled>true#<relaysEnabled>false#' \
  -e 's#<natEnabled>true#<natEnabled>false#' \
  -e 's#<urAccepted>[^<]*<#<urAccepted>-1<#' \
  -e 's#<startBrowser>true#<startBrowser>false#' \
  -e 's#<crashReportingEnabled>true#<crashReportingEnabled>false#' \
  -e 's#<autoUpgradeIntervalH>[^<]*<#<autoUpgradeIntervalH>0<#' \
  "$h/config.xml"
key="$(sed -n 's:.*<apikey>\(.*\)</apikey>.*:\1:p' "$h/config.xml" | head -n1)"
[ -n "$key" ] || { echo "syncthing: no <apikey> in $h/config.xml" >&2; exit 1; }
( umask 077; printf '%s\n' "$key" >"$h/apikey" )
exec syncthing serve --home="$h" --no-browser --no-restart --no-upgrade --gui-address="http://$gui"
