#!/usr/bin/env bash
# Install edge as a systemd service on Raspberry Pi OS Bookworm / Debian 12 (64-bit).
#
#   sudo deploy/install.sh [--dry-run] [--no-broker] [--profile NAME]
#
#   --dry-run     print what would be done, change nothing (needs no root)
#   --no-broker   don't install Mosquitto (edge.toml must then name your broker)
#   --profile     board profile; default: detected from /proc/device-tree/model
#
# Safe to run again: it upgrades edge from this checkout and restarts it, and never
# overwrites /etc/edge/edge.toml or an existing Mosquitto configuration.
# EDGE_MODEL_FILE overrides /proc/device-tree/model (to test the detection).
set -euo pipefail

REPO=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
VENV=/opt/edge/venv
SHARE=/usr/share/edge
CONF=/etc/edge/edge.toml
UNIT=/etc/systemd/system/edge.service
MQ=/etc/mosquitto
MODEL_FILE=${EDGE_MODEL_FILE:-/proc/device-tree/model}

dry_run=0
broker=1
profile=""

usage() { sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

while (($#)); do
    case $1 in
        --dry-run) dry_run=1 ;;
        --no-broker) broker=0 ;;
        --profile) profile=${2:?--profile needs a name}; shift ;;
        --profile=*) profile=${1#*=} ;;
        -h | --help) usage; exit 0 ;;
        *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

say() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command, or under --dry-run print it (shell-quoted) instead.
run() {
    if ((dry_run)); then
        printf '    would run:'; printf ' %q' "$@"; printf '\n'
    else
        "$@"
    fi
}

detect_profile() {
    local model=""
    [[ -r $MODEL_FILE ]] && model=$(tr -d '\0' <"$MODEL_FILE")
    case $model in
        *"Raspberry Pi 5"* | *"Compute Module 5"*) echo pi5 ;;
        *"Raspberry Pi 4"* | *"Compute Module 4"*) echo pi4 ;; # also "Raspberry Pi 400"
        *"Raspberry Pi Zero 2 W"*) echo pi-zero-2w ;;
        *"Jetson Orin Nano"*) echo jetson-orin-nano ;;
        *) echo "" ;;
    esac
}

# --- checks -------------------------------------------------------------------
((dry_run)) && say "dry run: nothing will be changed"
((dry_run)) || ((EUID == 0)) || die "run as root (sudo), or try --dry-run"
if [[ -r /etc/os-release ]]; then
    # shellcheck disable=SC1091
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    [[ $codename == bookworm ]] || warn "made for Debian 12 / Raspberry Pi OS Bookworm, this is '${codename:-unknown}'"
fi
case $(uname -m) in
    aarch64 | x86_64) ;;
    *) warn "$(uname -m): onnxruntime and CTranslate2 have no wheels for it; use a 64-bit OS" ;;
esac

if [[ -z $profile ]]; then
    profile=$(detect_profile)
    if [[ -n $profile ]]; then
        say "board: $(tr -d '\0' <"$MODEL_FILE") -> profile $profile"
    else
        warn "unknown board (no match in $MODEL_FILE): no profile; set profile in $CONF"
    fi
fi
if [[ -n $profile && ! -f $REPO/hardware/$profile.toml ]]; then
    known=$(for f in "$REPO"/hardware/*.toml; do f=${f##*/}; printf '%s ' "${f%.toml}"; done)
    die "no profile $profile; known: $known"
fi

# --- packages -----------------------------------------------------------------
packages=(python3-venv libportaudio2 libsndfile1 espeak-ng)
((broker)) && packages+=(mosquitto mosquitto-clients)
say "system packages: ${packages[*]}"
run apt-get update
run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"

# --- user ---------------------------------------------------------------------
if id -u edge >/dev/null 2>&1; then
    say "user edge exists; making sure it is in group audio"
    run usermod --append --groups audio edge
else
    say "system user edge (no login, group audio)"
    run useradd --system --user-group --groups audio --home-dir /var/lib/edge --no-create-home \
        --shell /usr/sbin/nologin edge
fi

# --- edge itself --------------------------------------------------------------
say "edge into $VENV from $REPO"
[[ -x $VENV/bin/python ]] || run python3 -m venv "$VENV"
run "$VENV/bin/pip" install --upgrade "$REPO"

say "board profiles into $SHARE/hardware"
run install -d -m 0755 "$SHARE/hardware"
run install -m 0644 "$REPO"/hardware/*.toml "$SHARE/hardware/"

# --- configuration ------------------------------------------------------------
fresh_config=0
if [[ -e $CONF ]]; then
    say "keeping $CONF"
    grep -q '^profile = ""' "$CONF" 2>/dev/null && [[ -n $profile ]] &&
        warn "$CONF sets no profile; consider profile = \"$profile\""
else
    fresh_config=1
    say "$CONF from deploy/edge.example.toml with profile = \"$profile\""
    run install -d -m 0755 /etc/edge
    run install -m 0640 -o root -g edge "$REPO/deploy/edge.example.toml" "$CONF"
    run sed -i "s/^profile = \"\"/profile = \"$profile\"/" "$CONF"
fi

# --- broker -------------------------------------------------------------------
restart_broker=0
if ((broker)); then
    if [[ -e $MQ/conf.d/edge.conf ]]; then
        say "keeping $MQ/conf.d/edge.conf"
    else
        say "Mosquitto: localhost listener, logins and ACL ($MQ/conf.d/edge.conf, $MQ/acl)"
        run install -m 0644 "$REPO/deploy/mosquitto/edge.conf" "$MQ/conf.d/edge.conf"
        restart_broker=1
    fi
    if [[ ! -e $MQ/acl ]]; then
        run install -m 0640 -o root -g mosquitto "$REPO/deploy/mosquitto/acl" "$MQ/acl"
        restart_broker=1
    fi
    if [[ ! -e $MQ/passwd ]]; then
        run install -m 0640 -o root -g mosquitto /dev/null "$MQ/passwd"
    fi
    if ((fresh_config)); then
        # A random password for the speaker, known only to the broker and edge.toml
        # (briefly visible in the process list while these two commands run).
        say "broker user edge with a random password, written to $CONF"
        password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
        ((dry_run)) && password="<random>"
        run mosquitto_passwd -b "$MQ/passwd" edge "$password"
        run sed -i -e "s/^username = \"\"/username = \"edge\"/" -e "s/^password = \"\"/password = \"$password\"/" "$CONF"
        restart_broker=1
    fi
    run systemctl enable mosquitto.service
    ((restart_broker)) && run systemctl restart mosquitto.service
fi

say "checking $CONF"
check='import sys
from edge.config import load_settings
from edge.errors import EdgeError
try:
    load_settings(sys.argv[1])
except EdgeError as exc:
    sys.exit(f"error: {sys.argv[1]}: {exc}")'
run "$VENV/bin/python" -c "$check" "$CONF"

# --- service ------------------------------------------------------------------
was_active=0
systemctl is-active --quiet edge.service 2>/dev/null && was_active=1
say "systemd unit $UNIT"
run install -m 0644 "$REPO/systemd/edge.service" "$UNIT"
run systemctl daemon-reload
run systemctl enable --now edge.service
((was_active)) && run systemctl restart edge.service  # pick up the upgrade

say "done. Logs: journalctl -u edge -f"
say "microphone: set [audio] input_device in $CONF; hints in $SHARE/hardware/${profile:-<board>}.toml"
say "broker on another host: systemctl edit edge, add [Service] IPAddressAllow=<its address>"
