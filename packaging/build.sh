#!/usr/bin/env bash
# Builds the self-contained Dossier bundle for this platform, and optionally the offline installer kit.
#
#   packaging/build.sh                 dist/dossier/ (run dist/dossier/dossier) and
#                                      dist/dossier-<version>-<os>-<arch>.tar.gz (the folder, archived)
#   packaging/build.sh --wheelhouse    the same, plus dist/wheelhouse/ (packaging/wheelhouse.sh)
#   packaging/build.sh --no-archive    the folder only (faster)
#
# The build happens in its own virtual environment (build/venv, or $DOSSIER_BUILD_VENV) holding the
# pinned runtime dependencies (requirements.lock) and the pinned build tools (requirements-build.lock,
# the `build` extra of pyproject.toml); it needs the package index only the first time.  The bundle
# needs neither Python nor a network where it runs.  A summary (timings, sizes) goes to
# dist/dossier-build.json.  docs/packaging.md has the details, and the Windows/macOS notes.
# Optional: DOSSIER_DIST_DIR (instead of dist/), DOSSIER_WORK_DIR (instead of build/), DOSSIER_TRIM=0
# (keep every Qt module/plugin/translation: to measure what trimming saves).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
archive=1 wheelhouse=0
for arg in "$@"; do
  case "$arg" in
    --no-archive) archive=0 ;;
    --wheelhouse) wheelhouse=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "build.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done
say() { printf '[build] %s\n' "$*" >&2; }
now() { "${PYTHON:-python3}" -c 'import time; print(time.time())'; }  # (BSD date has no %N)
t_start=$(now)

venv="${DOSSIER_BUILD_VENV:-$here/build/venv}"
dist="${DOSSIER_DIST_DIR:-$here/dist}"        # where the bundle, the archive and the summary go
work="${DOSSIER_WORK_DIR:-$here/build}"       # PyInstaller's work folder (a cache: rebuilds are faster)
py="${PYTHON:-python3}"
version="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' dossier/__init__.py)"
os_name="$(uname -s | tr '[:upper:]' '[:lower:]')"
arch="$(uname -m)"

# --- tools PyInstaller needs on Linux: objdump (binutils) and ldd --------------------------------------
if [ "$os_name" = linux ] && ! command -v objdump >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing binutils (objdump, strip) for PyInstaller"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq binutils >/dev/null
fi

# --- the build venv: pinned runtime deps + pinned PyInstaller -----------------------------------------
mkdir -p "$work" "$dist"
if [ ! -x "$venv/bin/python" ]; then
  say "creating the build venv in $venv"
  "$py" -m venv "$venv"
fi
stamp="$venv/.dossier-build-installed"
want="$(cat requirements.lock requirements-build.lock | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing requirements.lock + requirements-build.lock into the build venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r requirements.lock -r requirements-build.lock \
    > "$work/pip-install.log" 2>&1 || { cat "$work/pip-install.log" >&2; exit 1; }
  echo "$want" > "$stamp"
fi
t_venv=$(now)

# --- icons for the desktop (rendered from resources/icons/dossier.svg with Qt) ------------------------
rm -rf "$work/icons"
QT_QPA_PLATFORM=offscreen "$venv/bin/python" packaging/render_icons.py "$work/icons" >&2

# --- the bundle ---------------------------------------------------------------------------------------
say "PyInstaller: packaging/dossier.spec -> $dist/dossier/"
rm -rf "$dist/dossier"
t_pi=$(now)
DOSSIER_ICON_DIR="$work/icons" "$venv/bin/python" -m PyInstaller --noconfirm --log-level WARN \
  --distpath "$dist" --workpath "$work/pyinstaller" packaging/dossier.spec
t_pi_end=$(now)

if [ "$os_name" = linux ]; then
  # The desktop entry, the themed icons and the script that installs both for a user.
  mkdir -p "$dist/dossier/share/applications" "$dist/dossier/share/icons"
  cp packaging/linux/dossier.desktop "$dist/dossier/share/applications/dossier.desktop"
  cp -r "$work/icons/hicolor" "$dist/dossier/share/icons/"
  install -m 755 packaging/linux/install-desktop-entry.sh "$dist/dossier/install-desktop-entry.sh"
fi
if [ "$os_name" = linux ] && [ "${DOSSIER_TRIM:-1}" != 0 ] && command -v strip >/dev/null 2>&1; then
  # Some Pythons (pyenv builds, like this machine's) ship libpython and lib-dynload with full debug
  # info (35 MB here).  Drop only the debug sections, only where they exist: PyInstaller's own
  # strip=True strips every library, including wheels' patchelf-ed ones, which it can break.
  n=0
  while IFS= read -r -d '' so; do
    if readelf -S "$so" 2>/dev/null | grep '\.debug_info' >/dev/null; then strip --strip-debug "$so" && n=$((n + 1)); fi
  done < <(find "$dist/dossier" -type f -name '*.so*' -print0)
  say "stripped debug info from $n libraries"
fi
exe="$dist/dossier/dossier"
[ -x "$exe" ] || exe="$dist/dossier/dossier.exe"
"$exe" --version >&2 || { say "the built executable does not start"; exit 1; }

# --- the archive --------------------------------------------------------------------------------------
archive_path=""
t_ar=$(now)
if [ "$archive" = 1 ]; then
  archive_path="$dist/dossier-$version-$os_name-$arch.tar.gz"
  say "archiving -> $archive_path"
  rm -f "$archive_path"
  tar -C "$dist" -cf - dossier | gzip -6 > "$archive_path"
fi
t_ar_end=$(now)

if [ "$wheelhouse" = 1 ]; then
  DOSSIER_BUILD_VENV="$venv" DOSSIER_WHEELHOUSE="$dist/wheelhouse" packaging/wheelhouse.sh
fi
t_end=$(now)

# --- summary ------------------------------------------------------------------------------------------
"$venv/bin/python" - "$dist" "$version" "$archive_path" "$t_start" "$t_venv" "$t_pi" "$t_pi_end" "$t_ar" "$t_ar_end" \
  "$t_end" "${DOSSIER_TRIM:-1}" <<'EOF'
import json, os, sys
from pathlib import Path
dist, version, archive, t0, tv, tp, tpe, ta, tae, te, trim = sys.argv[1:]
f = float
bundle = Path(dist) / "dossier"
size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
info = {
    "version": version, "trim": trim != "0",
    "venv_seconds": round(f(tv) - f(t0), 1), "pyinstaller_seconds": round(f(tpe) - f(tp), 1),
    "archive_seconds": round(f(tae) - f(ta), 1), "total_seconds": round(f(te) - f(t0), 1),
    "bundle_bytes": size, "bundle_files": sum(1 for p in bundle.rglob("*") if p.is_file()),
    "archive": archive or None, "archive_bytes": os.path.getsize(archive) if archive else None,
}
(Path(dist) / "dossier-build.json").write_text(json.dumps(info, indent=2) + "\n")
mb = lambda b: f"{b / 1e6:.1f} MB"
print(f"[build] {bundle}: {mb(size)} in {info['bundle_files']} files; PyInstaller {info['pyinstaller_seconds']} s, "
      f"total {info['total_seconds']} s" + (f"; {archive}: {mb(info['archive_bytes'])}" if archive else ""),
      file=sys.stderr)
EOF
