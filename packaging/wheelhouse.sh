#!/usr/bin/env bash
# The offline installer kit for Python users: dist/wheelhouse/ holds a wheel of every pinned dependency
# (requirements.lock) and the project's own wheel, so a machine with Python 3.11+ and no network installs
# Dossier with
#
#   python3 -m venv dossier-env
#   dossier-env/bin/pip install --no-index --find-links wheelhouse dossier
#
#   packaging/wheelhouse.sh                 for this machine's Python and platform
#   WHEELHOUSE_PLATFORM=win_amd64 WHEELHOUSE_PYTHON=3.11 packaging/wheelhouse.sh
#                                           for another platform (binary wheels only; see docs/packaging.md)
# Output folder: $DOSSIER_WHEELHOUSE (default dist/wheelhouse).  Needs the package index (or a pip cache)
# while it runs; writes SHA256SUMS and INSTALL.txt beside the wheels.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
out="${DOSSIER_WHEELHOUSE:-$here/dist/wheelhouse}"
venv="${DOSSIER_BUILD_VENV:-$here/build/venv}"
py="${PYTHON:-}"
if [ -z "$py" ]; then
  if [ -x "$venv/bin/python" ]; then py="$venv/bin/python"; else py=python3; fi
fi
say() { printf '[wheelhouse] %s\n' "$*" >&2; }
version="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' dossier/__init__.py)"
mkdir -p build
rm -rf "$out"
mkdir -p "$out"

if [ -n "${WHEELHOUSE_PLATFORM:-}" ]; then
  # Cross-platform kit: only ready-made binary wheels can be fetched for another platform.
  say "downloading wheels for ${WHEELHOUSE_PLATFORM} / Python ${WHEELHOUSE_PYTHON:-3.11}"
  "$py" -m pip download -q --disable-pip-version-check --only-binary=:all: -d "$out" \
    --platform "$WHEELHOUSE_PLATFORM" --python-version "${WHEELHOUSE_PYTHON:-3.11}" --implementation cp \
    -r requirements.lock > build/wheelhouse.log 2>&1 || { cat build/wheelhouse.log >&2; exit 1; }
else
  # `pip wheel` = `pip download`, plus a wheel built from any dependency published only as a source
  # archive, so the offline install never has to build anything (nor fetch a build backend).
  say "collecting wheels of requirements.lock"
  "$py" -m pip wheel -q --disable-pip-version-check -w "$out" -r requirements.lock \
    > build/wheelhouse.log 2>&1 || { cat build/wheelhouse.log >&2; exit 1; }
fi
say "building the dossier wheel"
"$py" -m pip wheel -q --disable-pip-version-check --no-deps -w "$out" . >> build/wheelhouse.log 2>&1 \
  || { cat build/wheelhouse.log >&2; exit 1; }
ls "$out"/dossier-"$version"-*.whl >/dev/null

cat > "$out/INSTALL.txt" <<EOF
Dossier $version: offline installer kit (wheels of the app and of every dependency, pinned).

Check the kit:     sha256sum -c SHA256SUMS            (from inside this folder)
Install (no network needed; Python 3.11 or newer):
  python3 -m venv dossier-env
  dossier-env/bin/pip install --no-index --find-links /path/to/wheelhouse dossier
  dossier-env/bin/dossier --version
  dossier-env/bin/dossier                 # the window, on the sample database at first start
Windows: dossier-env\\Scripts\\pip and dossier-env\\Scripts\\dossier instead.
The same folder also installs the test tools: pip install --no-index --find-links ... -r requirements.lock
EOF
cp requirements.lock "$out/requirements.lock"
(cd "$out" && sha256sum -- *.whl requirements.lock > SHA256SUMS)
n="$(ls "$out"/*.whl | wc -l)"
size="$(du -sm "$out" | cut -f1)"
say "$out: $n wheels, ${size} MB"
