"""The engine imports no Qt: the command line and scripts use it bare."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import csconsole

ENGINE = sorted(
    f"csconsole.{m.name}"
    for m in pkgutil.iter_modules(csconsole.__path__)
    if m.name not in ("views", "__main__")
)


def test_engine_modules_import_no_qt() -> None:
    code = (
        f"import sys\nfor name in {ENGINE!r}:\n    __import__(name)\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph')))\n"
        "print(bad)\nsys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(ENGINE) > 10
