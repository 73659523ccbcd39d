"""Before `make run` installs anything: are the system libraries Qt's X11 plugin needs here?

PySide6's wheels carry Qt but not the X11/OpenGL libraries of the desktop. Without two of
them (libxcb-icccm4, libxcb-keysyms1 on a fresh Debian) the console aborts with a core
dump after minutes of installing; this check takes a moment and names the packages.
Runs on the system's python3 (standard library only); exits 0 off Linux, where the
wheels need nothing more. `make test` does not run it: tests use the offscreen platform.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable, Sequence

#: (shared library, Debian/Ubuntu package, Fedora package) that libqxcb loads.
LIBRARIES: tuple[tuple[str, str, str], ...] = (
    ("libxcb-icccm.so.4", "libxcb-icccm4", "xcb-util-wm"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1", "xcb-util-keysyms"),
    ("libxcb-cursor.so.0", "libxcb-cursor0", "xcb-util-cursor"),
    ("libxcb-image.so.0", "libxcb-image0", "xcb-util-image"),
    ("libxcb-render-util.so.0", "libxcb-render-util0", "xcb-util-renderutil"),
    ("libxcb-util.so.1", "libxcb-util1", "xcb-util"),
    ("libxcb-randr.so.0", "libxcb-randr0", "libxcb"),
    ("libxcb-shape.so.0", "libxcb-shape0", "libxcb"),
    ("libxcb-xkb.so.1", "libxcb-xkb1", "libxcb"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0", "libxkbcommon-x11"),
    ("libxkbcommon.so.0", "libxkbcommon0", "libxkbcommon"),
    ("libX11-xcb.so.1", "libx11-xcb1", "libX11-xcb"),
    ("libEGL.so.1", "libegl1", "libglvnd-egl"),
    ("libGL.so.1", "libgl1", "libglvnd-glx"),
    ("libfontconfig.so.1", "libfontconfig1", "fontconfig"),
    ("libdbus-1.so.3", "libdbus-1-3", "dbus-libs"),
    ("libglib-2.0.so.0", "libglib2.0-0", "glib2"),
)


def loads(name: str) -> bool:
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def missing(
    libraries: Sequence[tuple[str, str, str]] = LIBRARIES,
    load: Callable[[str], bool] | None = None,
) -> list[tuple[str, str, str]]:
    """The libraries that cannot be loaded."""
    load = load or loads
    return [entry for entry in libraries if not load(entry[0])]


def message(absent: Sequence[tuple[str, str, str]]) -> str:
    """One line naming what to install, for Debian/Ubuntu and for Fedora."""
    debian = " ".join(dict.fromkeys(e[1] for e in absent))
    fedora = " ".join(dict.fromkeys(e[2] for e in absent))
    names = ", ".join(e[0] for e in absent)
    return (
        f"csconsole: Qt needs system libraries that are missing ({names}); install them with "
        f"`sudo apt install {debian}` (Debian/Ubuntu) or `sudo dnf install {fedora}` (Fedora), "
        "then run `make run` again."
    )


def python_problem() -> str:
    """Why this python3 cannot make the console's venv, or ''."""
    if sys.version_info < (3, 11):  # noqa: UP036 (runs on whatever python3 the system has)
        found = ".".join(map(str, sys.version_info[:2]))
        return f"csconsole: Python 3.11 or newer is needed (python3 is {found})."
    try:
        import ensurepip  # noqa: F401
        import venv  # noqa: F401
    except ImportError:
        return (
            "csconsole: python3 cannot make a virtual environment; install it with "
            "`sudo apt install python3-venv` (Debian/Ubuntu), then run `make run` again."
        )
    return ""


def main(platform: str = sys.platform) -> int:
    problem = python_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    if not platform.startswith("linux"):
        return 0
    absent = missing()
    if absent:
        print(message(absent), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
