"""Wrap the PyInstaller output in dist/ into what a user downloads, for this platform.

- Linux: dist/csconsole-VERSION-linux-ARCH.tar.gz with the program folder, a desktop
  entry, the icon and install.sh (per-user install with a menu entry).
- Windows: dist/csconsole-VERSION-windows.zip, and the Inno Setup installer when ``iscc``
  is on PATH (installers/windows/csconsole.iss: Start-menu shortcut).
- macOS: dist/csconsole-VERSION-macos.zip holding csconsole.app.

It prints the size of the bundle, which CI keeps under 400 MB.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
LIMIT_MB = 400


def version() -> str:
    sys.path.insert(0, str(ROOT / "src"))
    from csconsole import __version__

    return __version__


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def linux(ver: str, bundle: Path) -> Path:
    out = DIST / f"csconsole-{ver}-linux-{platform.machine()}.tar.gz"
    top = f"csconsole-{ver}"
    with tarfile.open(out, "w:gz") as tar:
        tar.add(bundle, arcname=f"{top}/csconsole")
        for name in ("csconsole.desktop", "install.sh"):
            tar.add(ROOT / "installers" / "linux" / name, arcname=f"{top}/{name}")
        tar.add(ROOT / "resources" / "icons" / "csconsole.png", arcname=f"{top}/csconsole.png")
    return out


def windows(ver: str, bundle: Path) -> Path:
    out = Path(
        shutil.make_archive(str(DIST / f"csconsole-{ver}-windows"), "zip", DIST, bundle.name)
    )
    iscc = shutil.which("iscc")
    if iscc:
        subprocess.run(
            [iscc, f"/DVersion={ver}", str(ROOT / "installers/windows/csconsole.iss")], check=True
        )
    else:
        print("iscc (Inno Setup) not found: made the zip only")
    return out


def macos(ver: str) -> Path:
    app = DIST / "csconsole.app"
    return Path(shutil.make_archive(str(DIST / f"csconsole-{ver}-macos"), "zip", DIST, app.name))


def main() -> int:
    bundle = DIST / "csconsole"
    if not bundle.is_dir():
        print(f"{bundle} is missing: run PyInstaller first (make dist)", file=sys.stderr)
        return 1
    ver = version()
    size_mb = folder_size(bundle) / 1e6
    print(f"bundle {bundle}: {size_mb:.0f} MB (limit {LIMIT_MB} MB)")
    if sys.platform.startswith("linux"):
        out = linux(ver, bundle)
    elif sys.platform == "win32":
        out = windows(ver, bundle)
    else:
        out = macos(ver)
    print(f"package {out}: {out.stat().st_size / 1e6:.0f} MB")
    return 0 if size_mb <= LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
