#!/usr/bin/env bash
# One Syncthing instance (Debian's `syncthing`) for one node, on loopback, started idempotently.
# usage: syncthing.sh <name> <gui-addr> <listen-addr> <home>
#   name         instance name: pid file pids/syncthing-<name>.pid, log logs/syncthing-<name>.log
#   gui-addr     host:port of the REST API (and GUI), e.g. 127.1.0.1:8384
#   listen-addr  address peers dial, e.g. tcp://127.1.0.1:16129 (tcp only: no QUIC, no relays)
#   home         its config and database dir (created; config.xml generated on first start)
# Prints the instance's API key on stdout (also stored in <home>/apikey, mode 600).
# It never talks to the internet: no global/local discovery, relays, NAT traversal, usage reports,
# crash reports or upgrades. down.sh (`down.sh syncthing`) stops what this started.
COMPONENT=syncthing
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$#" -eq 4 ] || die "usage: syncthing.sh <name> <gui-addr> <listen-addr> <home>"
NAME="$1"; GUI="$2"; LISTEN="$3"; HOME_DIR="$4"
[[ "$NAME" =~ ^[A-Za-z0-9._-]+$ ]] || die "name '$NAME' may only hold letters, digits, '.', '_' and '-'"
[[ "$GUI" =~ ^[0-9.]+:[0-9]+$ ]] || die "gui-addr '$GUI' must be ipv4:port"
[[ "$LISTEN" =~ ^tcp://[0-9.]+:[0-9]+$ ]] || die "listen-addr '$LISTEN' must be tcp://ipv4:port"
PROC="syncthing-$NAME"

mkdir -p "$HOME_DIR"
HOME_DIR="$(cd "$HOME_DIR" && pwd)"
KEY_FILE="$HOME_DIR/apikey"

api_key() { sed -n 's:.*<apikey>\(.*\)</apikey>.*:\1:p' "$HOME_DIR/config.xml" | head -n1; }
status_ok() { [ "$(http_code -H "X-API-Key: $1" "http://$GUI/rest/system/status")" = 200 ]; }

if pid_alive "$PROC" && [ -f "$HOME_DIR/config.xml" ] && status_ok "$(api_key)"; then
  log "$NAME already running (pid $(cat "$(pid_file "$PROC")"), api http://$GUI)"
  cat "$KEY_FILE"
  exit 0
fi
if tcp_open "${GUI%:*}" "${GUI##*:}"; then
  die "something already listens on $GUI and it is not our running syncthing '$NAME'"
fi

need_pkg syncthing

if [ ! -f "$HOME_DIR/config.xml" ]; then
  log "generating $HOME_DIR (device keys, config)"
  syncthing generate --home="$HOME_DIR" --no-default-folder --skip-port-probing >>"$LOGS_DIR/$PROC.log" 2>&1 \
    || fail_start "$PROC" "syncthing generate failed"
fi

# Loopback-only and offline, rewritten on every start so an address change takes effect.
python3 - "$HOME_DIR/config.xml" "$GUI" "$LISTEN" <<'PY' || die "could not edit $HOME_DIR/config.xml"
import sys, xml.etree.ElementTree as ET
path, gui, listen = sys.argv[1:4]
tree = ET.parse(path)
root = tree.getroot()
opts = root.find('options')
def setopt(name, value, many=False):
    for el in opts.findall(name): opts.remove(el)
    for v in (value if many else [value]):
        el = ET.SubElement(opts, name); el.text = v
setopt('listenAddress', [listen], many=True)
for name, value in [('globalAnnounceEnabled', 'false'), ('localAnnounceEnabled', 'false'), ('relaysEnabled', 'false'),
                    ('natEnabled', 'false'), ('urAccepted', '-1'), ('startBrowser', 'false'),
                    ('crashReportingEnabled', 'false'), ('autoUpgradeIntervalH', '0'),
                    # A peer added after it was refused once is dialled again within seconds, not a minute.
                    ('reconnectionIntervalS', '5')]:
    setopt(name, value)
g = root.find('gui')
addr = g.find('address')
if addr is None: addr = ET.SubElement(g, 'address')
addr.text = gui
tree.write(path)
PY

KEY="$(api_key)"
[ -n "$KEY" ] || die "no <apikey> in $HOME_DIR/config.xml"
( umask 077; printf '%s\n' "$KEY" >"$KEY_FILE" )

# --no-restart: the child is not restarted by the monitor; still two processes (monitor + child),
# and SIGTERM to the monitor (our pid) stops both.
STNODEFAULTFOLDER=1 start_bg "$PROC" syncthing serve --home="$HOME_DIR" --no-browser --no-restart --no-upgrade
wait_for_cmd 60 "syncthing $NAME on $GUI" status_ok "$KEY" || fail_start "$PROC" "syncthing '$NAME' did not answer on http://$GUI within 60 s"
log "ready: $NAME api http://$GUI, peers dial $LISTEN, key file $KEY_FILE"
printf '%s\n' "$KEY"
