#!/usr/bin/env bash
# Sets everything up from nothing on a Debian machine with Python 3.11+, then runs one thing:
#   scripts/bootstrap.sh app [ARGS...]   open Dossier (the sample database on first start)
#   scripts/bootstrap.sh test [ARGS...]  run the whole test suite
# Idempotent: a second run only checks what the first one installed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
mode="${1:-app}"; shift || true
venv="${DOSSIER_VENV:-$here/.venv}"
py="${PYTHON:-python3}"

say() { printf '[bootstrap] %s\n' "$*" >&2; }

# --- system libraries Qt needs (installed only when missing; needs root or sudo) -------------------
need_debs=(libegl1 libgl1 libfontconfig1 libxkbcommon0 libglib2.0-0 libdbus-1-3)
if [ "$mode" = app ]; then
  need_debs+=(libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
              libxcb-render-util0 libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libxcb-xkb1)
fi
if [ "$mode" = test ]; then
  need_debs+=(poppler-utils strace)
fi
if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for d in "${need_debs[@]}"; do
    dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q "install ok installed" || missing+=("$d")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    say "installing system libraries: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# --- virtual environment with the pinned dependencies ---------------------------------------------
if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  say "Python 3.11 or newer is needed (found $("$py" --version 2>&1))"; exit 2
fi
if [ ! -x "$venv/bin/python" ]; then
  say "creating virtual environment in $venv"
  if ! "$py" -m venv "$venv" 2>/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$venv"; "$py" -m venv "$venv"
  fi
fi
stamp="$venv/.dossier-installed"
want="$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing pinned dependencies (requirements.lock)"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r requirements.lock
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . \
    || "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e .
  echo "$want" > "$stamp"
fi

case "$mode" in
  app)
    if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
      say "no display found (DISPLAY is not set); start it from a desktop session, or under xvfb-run"
    fi
    exec "$venv/bin/dossier" "$@" ;;
  test)
    export QT_QPA_PLATFORM=offscreen
    # A hang outside any test (collection, exit) still ends: SIGABRT makes faulthandler print the stacks.
    guard=(timeout --signal=ABRT --kill-after=60 "${DOSSIER_TEST_PASS_SECONDS:-2400}")
    env -u DOSSIER_TEST_ENCRYPT "${guard[@]}" "$venv/bin/python" -m pytest "$@"
    # Once more with the database fixtures encrypted (SQLCipher), only when the first run passed.
    # The slow tests (kill loops) are left out of this second run to keep CI time reasonable.
    say "running the tests again on encrypted databases (DOSSIER_TEST_ENCRYPT=1, -m 'not slow')"
    rc=0; DOSSIER_TEST_ENCRYPT=1 "${guard[@]}" "$venv/bin/python" -m pytest -m "not slow" "$@" || rc=$?
    [ "$rc" -eq 5 ] && rc=0  # nothing selected (e.g. only slow tests were asked for)
    exit "$rc" ;;
  *)
    say "usage: scripts/bootstrap.sh app|test [ARGS...]"; exit 2 ;;
esac
