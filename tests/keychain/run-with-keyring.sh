#!/usr/bin/env bash
# Run a command under a real Secret Service: a private D-Bus session bus (dbus-run-session) with
# gnome-keyring-daemon's "secrets" component, unlocked, in a throw-away HOME. Used by the ctest entry
# keychain.secretstore (tests/CMakeLists.txt) to test SecretStore's keychain path through QtKeychain.
#
#   tests/keychain/run-with-keyring.sh <command> [args...]
#
# Exits with the command's status; 2 on a usage error; 127 when dbus-run-session or gnome-keyring-daemon is
# missing (Debian packages: dbus, gnome-keyring). Nothing outside the temporary directory is touched, and
# the daemon goes away with its bus.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 <command> [args...]" >&2
    exit 2
fi

missing=()
for tool in dbus-run-session gnome-keyring-daemon; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "run-with-keyring.sh: cannot start a Secret Service: ${missing[*]} not found." >&2
    echo "run-with-keyring.sh: install the Debian packages 'dbus' and 'gnome-keyring' (see scripts/setup)." >&2
    exit 127
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/canopy-keyring.XXXXXX")"
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT

# A fresh HOME (the keyring files land in $HOME/.local/share/keyrings) and a private runtime dir (the
# daemon's control socket); no display, so nothing can autolaunch or reach a desktop session's bus.
export HOME="$tmp/home"
export XDG_DATA_HOME="$HOME/.local/share"
export XDG_CONFIG_HOME="$HOME/.config"
export XDG_CACHE_HOME="$HOME/.cache"
export XDG_RUNTIME_DIR="$tmp/run"
mkdir -p "$HOME/.local/share/keyrings" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
mkdir -m 0700 -p "$XDG_RUNTIME_DIR"
unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY GNOME_KEYRING_CONTROL

# --unlock reads the password of the new "login" collection from stdin; its output (GNOME_KEYRING_CONTROL=...)
# is exported for the command. Without --unlock the collection does not exist and writes fail.
# dbus-run-session ends the bus when the command exits, and gnome-keyring-daemon exits with its bus.
status=0
dbus-run-session -- bash -c '
    export $(printf pw | gnome-keyring-daemon --unlock --replace --components=secrets | xargs)
    if [ -z "${GNOME_KEYRING_CONTROL:-}" ]; then
        echo "run-with-keyring.sh: gnome-keyring-daemon did not start (no GNOME_KEYRING_CONTROL)" >&2
        exit 125
    fi
    exec "$@"
' run-with-keyring "$@" || status=$?
exit "$status"
