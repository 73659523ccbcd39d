#!/bin/sh
# Install csconsole for the current user: the program under ~/.local/opt/csconsole, a
# `csconsole` command in ~/.local/bin, and a menu entry with its icon. Run it from the
# unpacked folder: ./install.sh   (./install.sh --uninstall removes all three; your data in
# ~/.local/share/csconsole is left alone).
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${XDG_DATA_HOME:-$HOME/.local/share}"
opt="$HOME/.local/opt/csconsole"
bin="$HOME/.local/bin"
if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$opt" "$bin/csconsole" "$prefix/applications/csconsole.desktop" \
    "$prefix/icons/hicolor/256x256/apps/csconsole.png"
  echo "csconsole removed (your data in $prefix/csconsole is kept)"
  exit 0
fi
mkdir -p "$opt" "$bin" "$prefix/applications" "$prefix/icons/hicolor/256x256/apps"
rm -rf "$opt"
cp -R "$here/csconsole" "$opt"
ln -sf "$opt/csconsole" "$bin/csconsole"
cp "$here/csconsole.png" "$prefix/icons/hicolor/256x256/apps/csconsole.png"
sed "s#@BIN@#$opt/csconsole#" "$here/csconsole.desktop" > "$prefix/applications/csconsole.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database "$prefix/applications" || true
echo "csconsole installed: start it from the menu or run $bin/csconsole"
