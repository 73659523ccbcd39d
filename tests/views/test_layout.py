"""Every tab at a laptop's size (1366×768, 1280×720) and on a 1080p screen at 150 %:
nothing smaller than its minimum size, no label or column header cut. The PNGs are left
in build/screenshots for a person to look at."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from csconsole.alerts import evaluate_alerts
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.health.engine import HealthEngine
from csconsole.opportunities.demo import create_demo_opportunities
from csconsole.views.opportunities import table as opp
from tests.helpers import ROOT, SCREENSHOTS, TODAY
from tests.helpers.layout_check import TAB_NAMES, render_tabs, tab_ready
from tests.helpers.windows import close, make_window

#: An Enterprise client: the dashboard with the most panels.
CLIENT = "CL-005"


@pytest.mark.slow
@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1280, 720)])
def test_every_tab_fits_a_laptop_screen(
    qtbot: QtBot,
    synced_cache: Cache,
    catalog: Catalog,
    qsettings: QSettings,
    width: int,
    height: int,
) -> None:
    create_demo_opportunities(synced_cache, catalog, today=TODAY)
    evaluate_alerts(HealthEngine(synced_cache, catalog, today=TODAY))
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    window.open_client(CLIENT)
    found = render_tabs(
        window,
        window.tabs,
        size=(width, height),
        tag=f"{width}x{height}",
        folder=SCREENSHOTS,
        wait_tab=lambda i: qtbot.waitUntil(lambda: tab_ready(window, i), timeout=30_000),
    )
    assert window.size().width() == width
    assert found == {name: [] for name in TAB_NAMES}
    close(window)


@pytest.mark.slow
def test_every_tab_fits_1080p_at_150_percent(
    synced_demo_file: Path, catalog: Catalog, tmp_path: Path
) -> None:
    """QT_SCALE_FACTOR is read when the QApplication starts: a process of its own."""
    cache_path = tmp_path / "cache.sqlite"
    shutil.copy(synced_demo_file, cache_path)
    with Cache.open(cache_path) as cache:
        create_demo_opportunities(cache, catalog, today=TODAY)
        evaluate_alerts(HealthEngine(cache, catalog, today=TODAY))
    env = {**os.environ, "QT_SCALE_FACTOR": "1.5", "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-m", "tests.helpers.layout_check", str(cache_path), str(tmp_path / "gui.ini"),
         "1280", "720", "1920x1080-150", str(SCREENSHOTS), CLIENT],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found == {name: [] for name in TAB_NAMES}
    from PySide6.QtGui import QImage

    shot = QImage(str(SCREENSHOTS / "dashboard-1920x1080-150.png"))
    assert (shot.width(), shot.height()) == (1920, 1080)  # 1280×720 logical at 150 %


def test_columns_narrow_to_stay_in_view_until_the_user_sizes_one(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog, qsettings: QSettings
) -> None:
    create_demo_opportunities(synced_cache, catalog, today=TODAY)
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    window.resize(1100, 700)
    window.tabs.setCurrentIndex(2)
    view = window.opportunities_view
    qtbot.waitUntil(lambda: tab_ready(window, 2), timeout=30_000)
    header = view.table.horizontalHeader()
    qtbot.waitUntil(lambda: header.length() <= header.width() + 1)
    assert not header.isSectionHidden(opp.C_REVIEW)  # Next review stays on screen
    header.setSectionHidden(opp.C_CURRENT, False)  # one more column shown: still in view
    assert view.fitter is not None
    view.fitter.fit()
    assert header.length() <= header.width() + 1
    view.fitter.user_sized = True  # a drag on a header: the widths are the user's now
    header.resizeSection(opp.C_AREA, 600)
    window.resize(1000, 700)
    qtbot.waitUntil(lambda: view.table.width() < 1000)
    assert header.sectionSize(opp.C_AREA) == 600
    close(window)
