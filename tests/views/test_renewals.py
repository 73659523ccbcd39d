"""Renewals in the console: the Portfolio's ARR and "Renews in" columns and window filter,
and the Renewals tab with the book's totals, its windows, and opening a client."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from csconsole import formatting
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.renewals import RenewalRule, Window, book_totals, renewals_due
from csconsole.settings import Settings
from csconsole.views.main_window import TAB_DASHBOARD, MainWindow
from csconsole.views.portfolio_view import C_ARR, C_RENEWS, KEY_ROLE
from csconsole.views.renewals import model as rm
from tests.helpers import SCREENSHOTS, TODAY
from tests.helpers.windows import close, make_window

TAB_RENEWALS = 5


def column(view: object, col: int) -> list[str]:
    proxy = view.proxy  # type: ignore[attr-defined]
    return [str(proxy.index(r, col).data()) for r in range(proxy.rowCount())]


def keys(view: object) -> list[str]:
    proxy = view.proxy  # type: ignore[attr-defined]
    return [str(proxy.index(r, 0).data(KEY_ROLE)) for r in range(proxy.rowCount())]


def test_portfolio_sorts_by_arr_and_renewal_and_filters_by_window(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog, qsettings: QSettings
) -> None:
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    view = window.portfolio_view
    assert window.portfolio is not None
    rows = {r.key: r for r in window.portfolio.rows}
    view.table.sortByColumn(C_ARR, Qt.SortOrder.DescendingOrder)
    arr = [rows[k].arr for k in keys(view)]
    assert arr == sorted(arr, reverse=True) and column(view, C_ARR)[0] == "$180,000"
    view.table.sortByColumn(C_RENEWS, Qt.SortOrder.AscendingOrder)
    shown = column(view, C_RENEWS)
    assert shown[:3] == ["6 d", "9 d", "11 d"]  # by days, not by text ("11 d" < "6 d")
    assert shown[-1] == "Nov 2027"  # beyond ~90 days: the month
    days = [rows[k].days_to_renewal for k in keys(view)]
    assert days == sorted(d for d in days if d is not None)

    view.renewal.setCurrentIndex(view.renewal.findData("30"))
    due = renewals_due(window.portfolio.rows, Window(30), today=TODAY)
    assert sorted(keys(view)) == sorted(r.key for r in due) and 0 < len(due) < 40
    assert f"{len(due)} of 40 clients" in view.summary.text()
    view.renewal.setCurrentIndex(view.renewal.findData("quarter"))
    assert sorted(keys(view)) == sorted(
        r.key for r in renewals_due(window.portfolio.rows, Window(None), today=TODAY)
    )
    view.renewal.setCurrentIndex(0)
    assert view.proxy.rowCount() == 40
    close(window)


def figures(window: MainWindow) -> tuple[str, str, str]:
    tab = window.renewals_view
    return tab.arr.value.text(), tab.at_risk.value.text(), tab.this_month.value.text()


def test_renewals_tab_lists_the_window_with_the_books_totals(
    qtbot: QtBot,
    qtmodeltester: ModelTester,
    synced_cache: Cache,
    catalog: Catalog,
    qsettings: QSettings,
) -> None:
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    qtbot.keyClick(window.portfolio_view.table, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == TAB_RENEWALS
    tab = window.renewals_view
    assert window.portfolio is not None
    totals = book_totals(synced_cache, today=TODAY)
    assert figures(window) == (
        formatting.money(totals.arr),
        f"{formatting.money(totals.value_at_risk)} ({len(totals.at_risk)} clients)",
        str(totals.renewals_this_month),
    )
    assert "yellow and red clients renewing within 90 days" in tab.definition.text()
    # Next 30 days (the default): soonest first, a yellow and a red client among them.
    due = renewals_due(window.portfolio.rows, Window(30), today=TODAY)
    assert keys(tab) == [r.key for r in due]
    statuses = {s.split()[-1] for s in column(tab, rm.C_STATUS)}
    assert {"Yellow", "Red"} <= statuses
    assert column(tab, rm.C_RENEWS)[0] == "in 6 days"
    qtmodeltester.check(tab.model)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SCREENSHOTS / "renewals.png"))

    tab.window_choice.setCurrentIndex(tab.window_choice.findData("90"))
    assert len(keys(tab)) > len(due)
    tab.table.sortByColumn(rm.C_ARR, Qt.SortOrder.DescendingOrder)
    arr = [float(a.strip("$").replace(",", "")) for a in column(tab, rm.C_ARR)]
    assert arr == sorted(arr, reverse=True)

    # One CSM's book: the totals follow.
    tab.csm.setCurrentIndex(tab.csm.findData("Lucas Meyer"))
    lucas = book_totals(synced_cache, today=TODAY, csm="Lucas Meyer")
    assert tab.arr.value.text() == formatting.money(lucas.arr)
    assert all(c == "Lucas Meyer" for c in column(tab, rm.C_CSM))

    # Enter opens the client's dashboard, as in the Portfolio.
    tab.table.setCurrentIndex(tab.proxy.index(0, 0))
    key = str(tab.proxy.index(0, 0).data(KEY_ROLE))
    tab.table.setFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    assert window.tabs.currentIndex() == TAB_DASHBOARD
    qtbot.waitUntil(
        lambda: (
            window.dashboard_view.dashboard is not None
            and window.dashboard_view.dashboard.client.key == key
        ),
        timeout=20_000,
    )
    close(window)


def test_renewals_tab_keeps_its_window_across_a_restart(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog, qsettings: QSettings
) -> None:
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    tab = window.renewals_view
    tab.window_choice.setCurrentIndex(tab.window_choice.findData("quarter"))
    tab.csm.setCurrentIndex(tab.csm.findData("Maya Okafor"))
    window.portfolio_view.renewal.setCurrentIndex(window.portfolio_view.renewal.findData("60"))
    close(window)
    again = make_window(qtbot, synced_cache, catalog, qsettings)
    assert again.renewals_view.window_choice.currentData() == "quarter"
    assert again.renewals_view.csm.currentData() == "Maya Okafor"
    assert again.portfolio_view.renewal.currentData() == "60"
    assert "end of the quarter (Dec 31, 2026)" in again.renewals_view.definition.text()
    close(again)


def test_a_new_rule_in_the_settings_shows_at_once(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog, qsettings: QSettings
) -> None:
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    Settings(value_at_risk_statuses=["red"], value_at_risk_days=30, renewal_windows=[14, 45]).save()
    window.bus.publish({"settings"})
    tab = window.renewals_view
    assert tab.rule == RenewalRule.configured()
    assert "of red clients renewing within 30 days" in tab.definition.text()
    labels = [tab.window_choice.itemText(i) for i in range(tab.window_choice.count())]
    assert labels == ["Next 14 days", "Next 45 days"]
    portfolio_windows = [
        window.portfolio_view.renewal.itemData(i)
        for i in range(window.portfolio_view.renewal.count())
    ]
    assert portfolio_windows == ["", "14", "45"]
    qtbot.waitUntil(lambda: window.runner.running("portfolio") is None, timeout=20_000)
    red_soon = book_totals(synced_cache, today=TODAY)
    assert tab.at_risk.value.text().startswith(formatting.money(red_soon.value_at_risk))
    close(window)
