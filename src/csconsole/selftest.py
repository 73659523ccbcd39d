"""``csconsole --self-test``: prove that an installed copy works, end to end, in seconds.

Runs from source and inside the PyInstaller bundle alike, in a throwaway data folder,
so it never touches the user's cache. Each step prints one line; the first failure
names its step and ends the run with a non-zero exit code. The steps are those a CSM's
first start takes: migrate a new cache, load the demo data, rate every client, show the
main window (offscreen), and export a review PDF (reportlab, the bundled fonts), through
the same use cases (:mod:`csconsole.usecases`) as the console and the command line.
"""

from __future__ import annotations

import os
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO


class SelfTestFailed(Exception):
    """A step failed; the message names it."""


@dataclass
class SelfTest:
    """The steps share one temporary data folder and what earlier steps made."""

    home: Path
    out: TextIO
    state: dict[str, Any] = field(default_factory=dict)

    def step(self, name: str, fn: Callable[[], str]) -> None:
        started = time.perf_counter()
        try:
            detail = fn()
        except Exception as exc:
            traceback.print_exc(file=self.out)
            raise SelfTestFailed(f"{name} failed: {type(exc).__name__}: {exc}") from exc
        took = time.perf_counter() - started
        print(f"self-test: {name}: ok ({detail}; {took:.1f} s)", file=self.out, flush=True)

    # --- the steps -----------------------------------------------------------------

    def resources(self) -> str:
        from csconsole.catalog import default_catalog
        from csconsole.paths import resources_dir

        catalog = default_catalog()
        self.state["catalog"] = catalog
        return f"{len(catalog.metrics)} metrics from {resources_dir()}"

    def cache(self) -> str:
        from csconsole.cache import Cache, head_revision

        cache = Cache.open(self.home / "cache.sqlite")
        self.state["cache"] = cache
        revision = cache.revision()
        if revision != head_revision():
            raise RuntimeError(f"cache at {revision}, expected {head_revision()}")
        return f"new cache migrated to schema {revision}"

    def demo(self) -> str:
        from csconsole.usecases.demo import load_demo

        loaded = load_demo(self.state["cache"], self.state["catalog"])
        assert loaded is not None  # not asked to skip a cache with clients
        if loaded.summary.status != "ok":
            raise RuntimeError(loaded.summary.message or loaded.summary.status)
        return f"{loaded.samples:,} demo samples synced"

    def status(self) -> str:
        from csconsole import clock
        from csconsole.rollup import month_index
        from csconsole.usecases.health import evaluate_status

        latest_complete = month_index(clock.today()) - 1
        report = evaluate_status(self.state["cache"], self.state["catalog"], month=latest_complete)
        evaluations = report.evaluations
        if not evaluations:
            raise RuntimeError("no client was rated")
        self.state["evaluations"] = evaluations
        colours = sorted({e.status for e in evaluations})
        return f"{len(evaluations)} clients rated ({', '.join(colours)})"

    def window(self) -> str:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import QEventLoop, QSettings, QTimer
        from PySide6.QtWidgets import QApplication

        from csconsole.views.main_window import MainWindow

        app = QApplication.instance() or QApplication([])
        settings = QSettings(str(self.home / "window.ini"), QSettings.Format.IniFormat)
        window = MainWindow(self.state["cache"], self.state["catalog"], settings=settings)
        window.resize(1200, 760)
        window.show()
        loop = QEventLoop()
        poll = QTimer()
        poll.timeout.connect(lambda: loop.quit() if window.portfolio is not None else None)
        poll.start(20)
        QTimer.singleShot(60_000, loop.quit)
        loop.exec()
        poll.stop()
        app.processEvents()
        if window.portfolio is None:
            raise RuntimeError("the portfolio did not load within 60 s")
        rows = len(window.portfolio.rows)
        picture = self.home / "main-window.png"
        if not window.grab().save(str(picture)):
            raise RuntimeError("could not render the main window")
        window.close()
        return f"main window rendered with {rows} clients ({picture.stat().st_size:,} bytes PNG)"

    def review_pdf(self) -> str:
        from csconsole.rollup import parse_month
        from csconsole.usecases.reviews import export_report

        worst = self.state["evaluations"][0]
        path = self.home / "review.pdf"
        export_report(
            self.state["cache"],
            self.state["catalog"],
            client=worst.client_key,
            month=parse_month(worst.month),
            kind="review",
            path=path,
        )
        data = path.read_bytes()
        if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
            raise RuntimeError(f"{path} is not a whole PDF")
        return f"review of {worst.client_key} for {worst.month}, {len(data):,} bytes"


def run(out: TextIO) -> int:
    """Run every step in a temporary data folder; 0 when all pass."""
    from csconsole import __version__
    from csconsole.paths import ENV_CACHE, ENV_HOME

    print(f"self-test: csconsole {__version__}", file=out, flush=True)
    saved = {k: os.environ.get(k) for k in (ENV_HOME, ENV_CACHE)}
    with tempfile.TemporaryDirectory(prefix="csconsole-selftest-") as tmp:
        os.environ[ENV_HOME] = tmp
        os.environ.pop(ENV_CACHE, None)
        test = SelfTest(home=Path(tmp), out=out)
        try:
            for name, fn in (
                ("resources", test.resources),
                ("cache", test.cache),
                ("demo data", test.demo),
                ("status", test.status),
                ("main window", test.window),
                ("review PDF", test.review_pdf),
            ):
                test.step(name, fn)
        except SelfTestFailed as exc:
            print(f"self-test: FAILED: {exc}", file=out, flush=True)
            return 1
        finally:
            cache = test.state.get("cache")
            if cache is not None:
                cache.close()
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    print("self-test: passed", file=out, flush=True)
    return 0
