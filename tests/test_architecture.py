"""The engine imports no Qt: the command line and scripts use it bare."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from collections.abc import Sequence

import csconsole

#: Not engine: the Qt layer, the window's entry point, and Alembic's scripts (run by Alembic).
NOT_ENGINE = ("csconsole.views", "csconsole.__main__", "csconsole.migrations")


def _modules(path: Sequence[str], prefix: str) -> list[str]:
    """Every module below ``path``, packages' modules included, without importing any."""
    found = []
    for module in pkgutil.iter_modules(path, prefix):
        if module.name in NOT_ENGINE:
            continue
        found.append(module.name)
        if module.ispkg:
            folder = f"{path[0]}/{module.name.rsplit('.', 1)[-1]}"
            found += _modules([folder], module.name + ".")
    return found


ENGINE = sorted(_modules(csconsole.__path__, "csconsole."))


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


#: Modules the console's start must not pay for: each is imported where it is used.
HEAVY = ("pandas", "numpy", "pyqtgraph", "alembic", "reportlab", "openpyxl", "jinja2", "keyring")


def test_start_up_to_the_portfolio_loads_no_heavy_module(synced_demo_file, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The main window's module and the portfolio it shows first import none of HEAVY, so
    the console opens fast (bench/bench_gui.py measures it); charts, ROI, reports, imports
    and emails load theirs when first used."""
    import shutil

    path = tmp_path / "cache.sqlite"
    shutil.copy(synced_demo_file, path)
    code = (
        "import sys\nfrom pathlib import Path\n"
        "import csconsole.views.main_window\n"
        "from csconsole.cache import Cache\nfrom csconsole.catalog import default_catalog\n"
        "from csconsole.portfolio import build_portfolio\n"
        f"cache = Cache.open(Path({str(path)!r}))\n"
        "rows = build_portfolio(cache, default_catalog()).rows\n"
        "assert len(rows) > 10 and any(r.evaluation for r in rows)\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
