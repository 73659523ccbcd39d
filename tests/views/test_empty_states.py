"""Empty states: a tab with nothing to show says what to do in one line at the top, with
its controls where they always are."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.views.dashboard.tab import DashboardView
from csconsole.views.tasks import TaskRunner
from tests.helpers.windows import close, make_window

TAB_OPPORTUNITIES = 2


def test_opportunities_and_portfolio_say_what_to_do_when_nothing_shows(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog, qsettings: QSettings
) -> None:
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    opps = window.opportunities_view
    window.tabs.setCurrentIndex(TAB_OPPORTUNITIES)
    hint = opps.empty_hint
    qtbot.waitUntil(hint.isVisible, timeout=20_000)  # once the (empty) list has loaded
    assert opps.model.rowCount() == 0
    assert hint.isVisible() and hint.text().startswith("No opportunities yet")
    assert "\n" not in hint.text()
    assert opps.layout().indexOf(hint) == 1  # at the top, under the toolbar
    assert opps.search.isVisible() and opps.table.isVisible()  # the controls stay
    portfolio = window.portfolio_view
    window.tabs.setCurrentIndex(0)
    assert not portfolio.empty_hint.isVisible()
    portfolio.search.setText("no client is called this")
    assert portfolio.empty_hint.isVisible() and portfolio.layout().indexOf(portfolio.empty_hint) == 0  # fmt: skip
    portfolio.search.clear()
    assert not portfolio.empty_hint.isVisible()
    close(window)


def test_the_dashboard_without_a_client_keeps_its_picker_at_the_top(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog
) -> None:
    runner = TaskRunner()
    view = DashboardView(cache=synced_cache, catalog=catalog, runner=runner)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    view.set_clients([("CL-001", "Atlas"), ("CL-002", "Bluebell")])  # no default, none viewed
    assert view.client.currentIndex() == -1  # the picker names no client the page is not showing
    assert view.placeholder.isVisible() and view.placeholder.y() < 80
    assert view.client.y() < 40  # the controls at the top, not floating mid-window
    assert not view.chip.isVisible() and not view.month.isEnabled()
    assert runner.shutdown()
