#!/bin/sh
# Adds Dossier to the desktop's application menu, pointing at the executable beside this script.
#   ./install-desktop-entry.sh            for the current user (~/.local/share)
#   sudo ./install-desktop-entry.sh --system   for every user (/usr/local/share)
#   ./install-desktop-entry.sh --uninstall [--system]
# Works offline; copies only the .desktop file and the icons (the bundle stays where it is).
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${XDG_DATA_HOME:-$HOME/.local/share}"
uninstall=0
for arg in "$@"; do
  case "$arg" in
    --system) prefix=/usr/local/share ;;
    --uninstall) uninstall=1 ;;
    *) echo "usage: $0 [--system] [--uninstall]" >&2; exit 2 ;;
  esac
done
if [ "$uninstall" = 1 ]; then
  rm -f "$prefix/applications/dossier.desktop"
  for f in "$prefix"/icons/hicolor/*/apps/dossier.png; do rm -f "$f"; done
  echo "removed Dossier's menu entry from $prefix"
  exit 0
fi
for dir in "$here"/share/icons/hicolor/*/apps; do
  size="$(basename "$(dirname "$dir")")"
  mkdir -p "$prefix/icons/hicolor/$size/apps"
  cp "$dir/dossier.png" "$prefix/icons/hicolor/$size/apps/dossier.png"
done
mkdir -p "$prefix/applications"
exe="$here/dossier"
# Exec and TryExec take the absolute path (quoted for Exec, as the Desktop Entry spec asks).
sed -e "s|^Exec=.*|Exec=\"$exe\"|" -e "s|^TryExec=.*|TryExec=$exe|" \
  "$here/share/applications/dossier.desktop" > "$prefix/applications/dossier.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$prefix/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$prefix/icons/hicolor" || true
echo "installed Dossier's menu entry in $prefix/applications (runs $exe)"
