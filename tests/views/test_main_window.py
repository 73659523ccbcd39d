"""The console window with real widgets, offscreen: portfolio, dashboard, sync, settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.health.rules import fmt_value
from csconsole.models import Source, utcnow
from csconsole.views.dashboard.explanation import ExplanationDialog
from csconsole.views.dashboard.panels import PanelBox
from csconsole.views.main_window import MainWindow
from csconsole.views.portfolio_view import C_NAME, C_STATUS, KEY_ROLE
from csconsole.views.theme import current_theme
from tests.helpers import SCREENSHOTS
from tests.helpers.windows import close, make_window


def statuses(window: MainWindow) -> list[str]:
    proxy = window.portfolio_view.proxy
    return [str(proxy.index(r, C_STATUS).data()) for r in range(proxy.rowCount())]


def test_portfolio_lists_every_client_worst_first(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog, qsettings: QSettings, tmp_path: Path
) -> None:
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    view = window.portfolio_view
    assert view.proxy.rowCount() == 40
    shown = statuses(window)
    assert shown[0].endswith("Red") and shown[-1].endswith("Green")
    assert {s.split()[-1] for s in shown} == {"Red", "Yellow", "Green"}
    # Readable without colour: a symbol and a word in every chip.
    assert all(s[0] in "■▲●○" for s in shown)
    assert "40 of 40 clients" in view.summary.text()
    assert "Synced" in window.sync_label.text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SCREENSHOTS / "portfolio.png"))
    close(window)


def test_portfolio_filters_search_and_sort(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog, qsettings: QSettings
) -> None:
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    view = window.portfolio_view
    view.status.setCurrentIndex(view.status.findData("red"))
    assert {s.split()[-1] for s in statuses(window)} == {"Red"}
    view.status.setCurrentIndex(0)
    view.tier.setCurrentIndex(view.tier.findData("enterprise"))
    tiers = {view.proxy.index(r, 1).data() for r in range(view.proxy.rowCount())}
    assert tiers == {"Enterprise"}
    view.tier.setCurrentIndex(0)
    qtbot.keyClicks(view.search, "lumi")  # typed; QTest types ASCII only
    assert view.proxy.rowCount() == 1
    assert view.proxy.index(0, C_NAME).data() == "Café Lumière"
    view.search.setText("CAFÉ")
    assert view.proxy.rowCount() == 1
    view.search.clear()
    view.csm.setCurrentIndex(view.csm.findData("Maya Okafor"))
    assert 0 < view.proxy.rowCount() < 40
    view.csm.setCurrentIndex(0)
    view.table.sortByColumn(C_NAME, Qt.SortOrder.AscendingOrder)
    names = [view.proxy.index(r, C_NAME).data() for r in range(view.proxy.rowCount())]
    assert names == sorted(names, key=str.casefold)
    view.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    assert view.proxy.index(0, 2).data() == "$15,000"
    close(window)


def test_portfolio_models_are_well_behaved(
    qtbot: QtBot,
    qtmodeltester: ModelTester,
    synced_cache: Cache,
    catalog: Catalog,
    qsettings: QSettings,
) -> None:
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    qtmodeltester.check(window.portfolio_view.model)
    qtmodeltester.check(window.portfolio_view.proxy)
    close(window)


@pytest.mark.parametrize(
    ("key", "panels"),
    [
        ("CL-002", ["System health", "Performance", "User adoption", "ROI tracking"]),
        (
            "CL-001",
            ["System health", "Performance", "User adoption", "ROI tracking", "Integrations",
             "Advanced features", "Cross-department impact", "Optimisation pipeline"],
        ),
        (
            "CL-005",
            ["System health", "Performance", "User adoption", "ROI tracking", "Integrations",
             "Advanced features", "Cross-department impact", "Optimisation pipeline",
             "Revenue impact", "Strategic transformation", "Scalability readiness",
             "Leadership engagement"],
        ),
    ],
)  # fmt: skip
def test_enter_opens_the_tier_dashboard(
    qtbot: QtBot,
    synced_cache: Cache,
    catalog: Catalog,
    qsettings: QSettings,
    tmp_path: Path,
    key: str,
    panels: list[str],
) -> None:
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    view = window.portfolio_view
    row = next(
        r for r in range(view.proxy.rowCount()) if view.proxy.index(r, 0).data(KEY_ROLE) == key
    )
    view.table.setCurrentIndex(view.proxy.index(row, 0))
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    dash = window.dashboard_view
    qtbot.waitUntil(
        lambda: dash.dashboard is not None and dash.dashboard.client.key == key, timeout=20_000
    )
    assert window.tabs.currentIndex() == 1
    titles = [w.title() for w in dash.panels_host.findChildren(PanelBox)]
    assert titles == panels
    qtbot.waitUntil(lambda: dash.chart.series is not None, timeout=20_000)
    assert dash.chart.series is not None and dash.chart.series.days
    assert dash.weekly.rowCount() >= 2
    # Kept as an artefact for people to look at (not compared pixel by pixel).
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SCREENSHOTS / f"dashboard-{dash.dashboard.client.tier}.png"))
    close(window)


def test_dashboard_explains_status_and_changes_month(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog, qsettings: QSettings
) -> None:
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    window.open_client("CL-004")  # adoption slipping: yellow
    dash = window.dashboard_view
    qtbot.waitUntil(lambda: dash.dashboard is not None, timeout=20_000)
    assert dash.dashboard is not None
    assert dash.chip.text().endswith("Yellow")
    assert "User adoption" in dash.chip.toolTip()
    dialog = ExplanationDialog(dash.dashboard, dash)
    qtbot.addWidget(dialog)
    assert "Yellow" in dialog.headline.text()
    adoption = next(row for row in dialog.reason_rows() if row[0] == "User adoption")
    _metric, actual, target, shortfall, rule, status, _since = adoption
    assert (target, rule, status) == (fmt_value(90, "%", "user_adoption"), "Short of target", "▲ Yellow")  # fmt: skip
    assert actual.endswith("%") and shortfall.endswith("%")
    assert dialog.reasons.item(0, 0).toolTip()  # the reason in words
    assert dialog.moves.rowCount() >= 1  # what changed since last month
    previous = dash.month.findData("2026-06")
    dash.month.setCurrentIndex(previous)
    dash.month.activated.emit(previous)
    qtbot.waitUntil(
        lambda: dash.dashboard is not None and dash.dashboard.month == "2026-06", timeout=20_000
    )
    assert dash.chip.text().endswith("Green")
    close(window)


def test_chart_ranges_and_target_line(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog, qsettings: QSettings
) -> None:
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    window.open_client("CL-002")
    chart = window.dashboard_view.chart
    qtbot.waitUntil(lambda: chart.series is not None, timeout=20_000)
    chart.metric_box.setCurrentIndex(chart.metric_box.findData("user_adoption"))
    qtbot.waitUntil(
        lambda: chart.series is not None and chart.series.metric == "user_adoption", timeout=20_000
    )
    six = len(chart.series.days)
    assert chart.target.isVisible() and chart.target.value() == 90
    chart.range_buttons.button(24).click()
    qtbot.waitUntil(
        lambda: chart.series is not None and len(chart.series.days) > six, timeout=20_000
    )
    close(window)


@pytest.mark.slow
def test_sync_runs_in_the_background_and_reports(
    qtbot: QtBot,
    cache: Cache,
    catalog: Catalog,
    qsettings: QSettings,
    demo_warehouse: Path,
    tmp_path: Path,
) -> None:
    warehouse = tmp_path / "wh.sqlite"
    shutil.copy(demo_warehouse, warehouse)
    with cache.session() as session:
        session.add(
            Source(name="wh", kind="sql", url=f"sqlite:///{warehouse}", created_at=utcnow())
        )
    window = make_window(qtbot, cache, catalog, qsettings)
    assert window.stack.currentWidget() is window.welcome  # empty cache: an offer, not a grid
    text = window.welcome.text  # its wrapped lines all show, none clipped
    assert text.height() >= text.heightForWidth(text.width()) > text.fontMetrics().height()
    with qtbot.waitSignal(window.sync.finished, timeout=60_000):
        window.sync_action.trigger()
        assert window.progress.isVisible() and window.cancel_button.isVisible()
        assert not window.sync_action.isEnabled()
    qtbot.waitUntil(
        lambda: window.portfolio is not None and len(window.portfolio.rows) == 40, timeout=20_000
    )
    assert window.stack.currentWidget() is window.tabs
    assert "new samples for 40 clients" in window.sync_label.text()
    assert not window.progress.isVisible()
    close(window)


def test_sync_can_be_cancelled(
    qtbot: QtBot, cache: Cache, catalog: Catalog, qsettings: QSettings, demo_warehouse: Path
) -> None:
    with cache.session() as session:
        session.add(
            Source(name="wh", kind="sql", url=f"sqlite:///{demo_warehouse}", created_at=utcnow())
        )
    window = make_window(qtbot, cache, catalog, qsettings)
    # Cancel as soon as the sync reports progress, so the cancel lands mid-sync.
    window.sync.progressed.connect(lambda *_: window.cancel_button.click())
    with qtbot.waitSignal(window.sync.cancelled, timeout=120_000):
        assert window.sync.start()
    assert window.sync_action.isEnabled() and not window.cancel_button.isVisible()
    assert "cancelled" in window.sync_label.text()
    with cache.engine.connect() as conn:
        status = conn.exec_driver_sql("SELECT status FROM sync_runs ORDER BY id DESC").scalar()
    assert status == "cancelled"
    with cache.engine.connect() as conn:
        kept = conn.exec_driver_sql("SELECT count(*) FROM samples").scalar_one()
    assert kept % 50_000 == 0  # whole batches only: the cache stays consistent
    close(window)


def test_an_unreachable_source_keeps_the_cached_data(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog, qsettings: QSettings, tmp_path: Path
) -> None:
    with synced_cache.session() as session:
        session.add(
            Source(
                name="offline",
                kind="sql",
                url=f"sqlite:///{tmp_path}/no/such.sqlite",
                created_at=utcnow(),
            )
        )
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    with qtbot.waitSignal(window.sync.finished, timeout=60_000):
        window.sync.start()
    assert window.banner.isVisible()
    assert "offline" in window.banner.text.text() and "cached data" in window.banner.text.text()
    assert window.portfolio_view.proxy.rowCount() == 40
    close(window)


@pytest.mark.slow
def test_window_state_tab_and_theme_are_restored(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog, qsettings: QSettings
) -> None:
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    window.resize(701, 503)  # within the offscreen screen (800×600)
    window.tabs.setCurrentIndex(1)
    window.theme_actions["dark"].trigger()
    assert current_theme() == "dark"
    window.close()
    again = make_window(qtbot, synced_cache, catalog, qsettings)
    assert again.tabs.currentIndex() == 1
    assert again.size().width() == 701
    assert current_theme() == "dark"
    assert QApplication.palette().window().color().lightness() < 80
    again.theme_actions["light"].trigger()
    assert QApplication.palette().window().color().lightness() > 200
    close(again)


def test_menus_have_standard_shortcuts(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog, qsettings: QSettings
) -> None:
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    assert [m.title() for m in window.menuBar().findChildren(type(window.menuBar().addMenu("x")))][
        :0
    ] == []
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles[:4] == ["&File", "&Edit", "&View", "&Help"]
    assert [k.toString() for k in window.sync_action.shortcuts()] == ["F5", "Ctrl+R"]
    assert not window.quit_action.shortcut().isEmpty()
    assert window.find_action.shortcut().toString() == "Ctrl+F"
    window.find_action.trigger()
    assert window.portfolio_view.search.hasFocus() or window.tabs.currentIndex() == 0
    close(window)


def test_pandas_loads_only_after_the_first_rows_are_painted(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog, qsettings: QSettings
) -> None:
    """The console loads pandas in the background for the first dashboard, but not while
    the portfolio's first rows are laid out and painted: an import holds the GIL, and
    bench_gui's cold start measured the window slower with both at once."""
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    assert window.portfolio_view.proxy.rowCount() == 40
    assert not window.warm_up_started
    assert window.runner.running("warm-up") is None
    qtbot.waitUntil(lambda: window.warm_up_started, timeout=10_000)
    close(window)
