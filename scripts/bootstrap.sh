#!/usr/bin/env bash
# Installs what edge needs on Debian 12 / Raspberry Pi OS Bookworm: the Debian
# packages (when it can: as root, or with password-less sudo) and a virtualenv
# with edge and its Python dependencies. Idempotent; quick when nothing changed.
#   scripts/bootstrap.sh            runtime
#   scripts/bootstrap.sh --test     runtime + test tools
set -euo pipefail
cd "$(dirname "$0")/.."

EXTRA=""
[[ "${1:-}" == "--test" ]] && EXTRA="[test]"
VENV="${EDGE_VENV:-.venv}"
PY="${PYTHON:-python3}"

# Debian packages: PortAudio (microphone/speaker), espeak-ng (second test voice),
# Mosquitto (local broker for the demo and tests), libsndfile (FLAC/WAV),
# strace (the privacy test watches the loop's connect() calls).
APT_PKGS=(libportaudio2 espeak-ng mosquitto libsndfile1 strace python3-venv)
missing=()
for p in "${APT_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    if [[ $(id -u) == 0 ]]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO="none"; fi
    if [[ "$SUDO" == "none" ]]; then
        echo "edge: these Debian packages are missing and I cannot install them without root:" >&2
        echo "    sudo apt-get install -y ${missing[*]}" >&2
        echo "edge: continuing; the parts that need them will say so." >&2
    else
        echo "edge: installing Debian packages: ${missing[*]}"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    echo "edge: creating virtualenv $VENV"
    "$PY" -m venv "$VENV"
fi
STAMP="$VENV/.edge-installed$EXTRA"
if [[ ! -f "$STAMP" || pyproject.toml -nt "$STAMP" ]]; then
    echo "edge: installing Python packages into $VENV (first time takes a few minutes)"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".$EXTRA"
    touch "$STAMP"
fi
