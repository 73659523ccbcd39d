"""The Opportunities tab with real widgets, offscreen: model, filters, form, delete, totals,
history, import and export, and its place in the main window."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QMenu, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.errors import KnownError
from csconsole.opportunities.context import load_context
from csconsole.opportunities.demo import create_demo_opportunities
from csconsole.opportunities.model import STATUSES, Opportunity
from csconsole.opportunities.pipeline import open_by_client
from csconsole.opportunities.store import get, list_opportunities
from csconsole.views.opportunities.dialogs import OpportunityDialog
from csconsole.views.opportunities.tab import OpportunitiesView
from csconsole.views.opportunities.table import C_ID, C_INVESTMENT, C_PACKAGE, C_REVIEW, C_ROI
from csconsole.views.tasks import TaskRunner
from tests.helpers import SCREENSHOTS, TODAY


@pytest.fixture
def demo_cache(synced_cache: Cache, catalog: Catalog) -> Cache:
    create_demo_opportunities(synced_cache, catalog, today=TODAY)
    return synced_cache


@pytest.fixture
def view(qtbot: QtBot, demo_cache: Cache, catalog: Catalog) -> Iterator[OpportunitiesView]:
    host = QWidget()
    runner = TaskRunner(host)
    widget = OpportunitiesView(cache=demo_cache, catalog=catalog, runner=runner, today=TODAY)
    widget.setParent(host)
    qtbot.addWidget(host)
    host.resize(1400, 700)
    widget.resize(1400, 700)
    with qtbot.waitSignal(widget.loaded, timeout=20_000):
        widget.reload()
    yield widget
    assert runner.shutdown()


def reload(qtbot: QtBot, view: OpportunitiesView) -> None:
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        pass


def shown_ids(view: OpportunitiesView) -> list[str]:
    return [str(view.proxy.index(r, C_ID).data()) for r in range(view.proxy.rowCount())]


def all_rows(cache: Cache, catalog: Catalog) -> list[Opportunity]:
    return list_opportunities(cache, load_context(cache, catalog))


def test_models_are_well_behaved(
    view: OpportunitiesView, qtmodeltester: ModelTester, qtbot: QtBot
) -> None:
    qtmodeltester.check(view.model)
    qtmodeltester.check(view.proxy)
    view.table.sortByColumn(C_INVESTMENT, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(view.proxy)


@pytest.mark.parametrize(
    ("combo", "value"),
    [
        ("client_key", "CL-004"),
        ("category", "AF"),
        ("priority", "high"),
        ("status", "in progress"),
        ("required_tier", "enterprise"),
    ],
)
def test_each_filter_shows_exactly_the_matching_rows(
    view: OpportunitiesView, demo_cache: Cache, catalog: Catalog, combo: str, value: str
) -> None:
    rows = all_rows(demo_cache, catalog)
    box = view.combos[combo]
    box.setCurrentIndex(box.findData(value))
    expected = sorted(o.id for o in rows if getattr(o, combo) == value)
    assert expected and sorted(shown_ids(view)) == expected
    assert view.totals.text().startswith(f"{len(expected)} of {len(rows)} opportunities")
    box.setCurrentIndex(0)
    assert len(shown_ids(view)) == len(rows)


def test_overdue_filter_and_search(
    view: OpportunitiesView, demo_cache: Cache, catalog: Catalog, qtbot: QtBot
) -> None:
    rows = all_rows(demo_cache, catalog)
    view.overdue.setChecked(True)
    overdue = sorted(o.id for o in rows if o.overdue(TODAY))
    assert overdue and sorted(shown_ids(view)) == overdue
    assert all(str(view.proxy.index(r, C_REVIEW).data()).startswith("⚠")
               for r in range(view.proxy.rowCount()))  # fmt: skip
    view.overdue.setChecked(False)
    qtbot.keyClicks(view.search, "invoice")
    expected = sorted(o.id for o in rows if "invoice" in o.search_text())
    assert expected and sorted(shown_ids(view)) == expected
    view.search.setText("zzz-nothing")
    assert shown_ids(view) == []
    assert view.totals.text().startswith("0 of")


def test_sort_by_investment_and_back_by_id(view: OpportunitiesView) -> None:
    view.table.sortByColumn(C_INVESTMENT, Qt.SortOrder.DescendingOrder)
    rows = view.visible_rows()
    values = [o.investment or 0 for o in rows]
    assert values == sorted(values, reverse=True)
    view.table.sortByColumn(C_ID, Qt.SortOrder.AscendingOrder)
    ids = shown_ids(view)
    assert ids[:2] == ["AF-001", "AF-002"]
    assert ids.index("IE-001") < ids.index("PO-001")


def test_totals_are_of_the_visible_rows(view: OpportunitiesView) -> None:
    view.combos["category"].setCurrentIndex(view.combos["category"].findData("IE"))
    rows = view.visible_rows()
    investment = sum(o.investment or 0 for o in rows)
    benefit = sum(o.annual_benefit or 0 for o in rows)
    text = view.totals.text()
    assert f"investment ${investment:,.0f}" in text
    assert f"expected annual benefit ${benefit:,.0f}" in text


def fill(dialog: OpportunityDialog, **values: str) -> None:
    for name, value in values.items():
        dialog.set_value(name, value)


def error_at(dialog: OpportunityDialog, name: str) -> str:
    label = dialog.errors[name]
    return label.text() if label.isVisible() else ""


def test_add_through_the_form_checks_as_you_type(
    view: OpportunitiesView, demo_cache: Cache, qtbot: QtBot
) -> None:
    before = view.model.rowCount()
    seen: dict[str, object] = {}

    def run_dialog(dialog: OpportunityDialog) -> Opportunity | None:
        dialog.show()
        assert not dialog.ok_button.isEnabled()  # empty form: nothing to save yet
        fill(dialog, client_key="CL-004", category="IE", area="CRM <&> Accounting 🚀")
        fill(dialog, investment="-5")
        seen["negative"] = error_at(dialog, "investment")
        assert not dialog.ok_button.isEnabled()
        fill(dialog, investment="lots")
        seen["text"] = error_at(dialog, "investment")
        fill(dialog, investment="1,200", timeline_weeks="0", next_review="2026-02-30")
        seen["weeks"] = error_at(dialog, "timeline_weeks")
        seen["date"] = error_at(dialog, "next_review")
        fill(dialog, area="x" * 300)
        seen["long"] = error_at(dialog, "area")
        fill(dialog, area="", timeline_weeks="3", next_review="2027-01-15")
        seen["empty"] = error_at(dialog, "area")
        assert not dialog.ok_button.isEnabled()
        fill(dialog, area="CRM <&> Accounting 🚀", benefit="$2,000/month savings")
        assert dialog.ok_button.isEnabled(), dialog.ok_button.toolTip()
        seen["roi"] = dialog.roi_label.text()
        assert not dialog.editors["roi_typed"].isEnabled()  # computed, so not typed
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        return dialog.result_opportunity

    view.run_dialog = run_dialog  # type: ignore[method-assign]
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        opp_id = view.add_new()
    assert seen["negative"] == "Investment ($) must be 0 or more, not -5"
    assert "must be a number of dollars" in str(seen["text"])
    assert "between 1 and 520" in str(seen["weeks"])
    assert "real date" in str(seen["date"])
    assert "too long" in str(seen["long"])
    assert seen["empty"] == "Area is required"
    assert "$24,000" in str(seen["roi"]) and "1,900 %" in str(seen["roi"])
    assert opp_id is not None and opp_id.startswith("IE-")
    assert view.model.rowCount() == before + 1
    assert view.selected_id() == opp_id
    assert get(demo_cache, opp_id).area == "CRM <&> Accounting 🚀"
    assert "1,900 %" in str(view.proxy.index(view.table.currentIndex().row(), C_ROI).data())


def test_edit_duplicate_and_history(
    view: OpportunitiesView, demo_cache: Cache, qtbot: QtBot
) -> None:
    assert view.select_id("PO-001")

    def set_status(dialog: OpportunityDialog) -> Opportunity | None:
        assert dialog.opp_id == "PO-001"
        assert not dialog.editors["category"].isEnabled()
        fill(dialog, status="declined", owner="Zoë <lead> & co")
        dialog.ok_button.click()
        return dialog.result_opportunity

    view.run_dialog = set_status  # type: ignore[method-assign]
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        view.edit_action.trigger()
    assert get(demo_cache, "PO-001").status == "declined"
    assert view.selected_id() == "PO-001"

    def accept(dialog: OpportunityDialog) -> Opportunity | None:
        assert dialog.opp_id == "" and dialog.ok_button.isEnabled()
        dialog.ok_button.click()
        return dialog.result_opportunity

    view.run_dialog = accept  # type: ignore[method-assign]
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        view.duplicate_action.trigger()
    copy = view.selected()
    assert copy is not None and copy.id != "PO-001" and copy.id.startswith("PO-")
    assert copy.owner == "Zoë <lead> & co"

    assert view.select_id("PO-001")
    dialog = view.show_history()
    assert dialog is not None
    qtbot.addWidget(dialog)
    cells = [dialog.table.item(r, 3).text() for r in range(dialog.table.rowCount())]
    assert "Status: " in cells[0] and "→ declined" in cells[0]  # newest first
    assert dialog.table.item(dialog.table.rowCount() - 1, 2).text() == "create"
    dialog.close()


def test_delete_asks_first(view: OpportunitiesView, demo_cache: Cache, qtbot: QtBot) -> None:
    assert view.select_id("IE-002")
    asked: list[str] = []
    view.confirm = lambda text: asked.append(text) or False  # type: ignore[method-assign,func-returns-value]
    view.delete_action.trigger()
    assert get(demo_cache, "IE-002")
    view.confirm = lambda text: True  # type: ignore[method-assign]
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        view.delete_action.trigger()
    assert "IE-002" in asked[0] and "not given again" in asked[0]
    assert "IE-002" not in shown_ids(view)
    with pytest.raises(KnownError):
        get(demo_cache, "IE-002")


def test_shortcuts_and_context_menu_actions(view: OpportunitiesView, qtbot: QtBot) -> None:
    keys = {a.text().replace("&", ""): a.shortcut().toString() for a in view.edit_actions()}
    assert keys["Add opportunity…"] == "Ctrl+N"
    assert keys["Edit opportunity…"] == "Ctrl+E"
    assert keys["Duplicate opportunity…"] == "Ctrl+D"
    assert keys["Delete opportunity…"] == "Del"
    opened: list[str] = []
    view.run_dialog = lambda dialog: opened.append(dialog.windowTitle())  # type: ignore[method-assign]
    view.select_id("AF-001")
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert opened == ["Edit AF-001"]


def test_export_visible_rows_and_import_shows_the_first_bad_line(
    view: OpportunitiesView, qtbot: QtBot, tmp_path: Path
) -> None:
    view.combos["status"].setCurrentIndex(view.combos["status"].findData("proposed"))
    visible = shown_ids(view)
    out = tmp_path / "visible.csv"
    view.ask_save_path = lambda: str(out)  # type: ignore[method-assign]
    view.export_visible()
    qtbot.waitUntil(lambda: "Exported" in view.notice.text(), timeout=20_000)
    with out.open(encoding="utf-8-sig") as fh:
        assert sorted(r["ID"] for r in csv.DictReader(fh)) == sorted(visible)

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Client,Category,Area,Priority,Required package,Status,Investment ($)\n"
        "CL-001,PO,Fine,high,essential,identified,10\n"
        "CL-001,PO,Bad money,high,essential,identified,-10\n"
        "CL-404,PO,Unknown,high,essential,identified,10\n",
        encoding="utf-8",
    )
    before = view.model.rowCount()
    view.ask_open_path = lambda: str(bad)  # type: ignore[method-assign]
    view.import_from_file()
    qtbot.waitUntil(lambda: "Nothing imported" in view.notice.text(), timeout=20_000)
    assert view.notice.text() == (
        "Nothing imported: bad.csv: line 3: Investment ($) must be 0 or more, not -10 (and 1 more)"
    )
    assert view.model.rowCount() == before


def test_upsell_and_overdue_are_marked(view: OpportunitiesView) -> None:
    rows = view.visible_rows()
    upsell = next(i for i, o in enumerate(rows) if o.upsell)
    assert "↑ upsell" in str(view.proxy.index(upsell, C_PACKAGE).data())
    assert "upsell" in str(view.proxy.index(upsell, C_PACKAGE).data(Qt.ItemDataRole.ToolTipRole))


def test_the_tab_sits_after_the_dashboard_and_is_in_the_edit_menu(
    qtbot: QtBot, demo_cache: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    from csconsole.views.main_window import TAB_OPPORTUNITIES, MainWindow

    settings = QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(demo_cache, catalog, today=TODAY, settings=settings)
    qtbot.addWidget(window)
    window.resize(1500, 800)
    window.show()
    view = window.opportunities_view
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=20_000)
    assert window.tabs.tabText(TAB_OPPORTUNITIES) == "&Opportunities"
    # The portfolio shows each client's open opportunities and their value.
    from csconsole.views.portfolio_view import C_OPPORTUNITIES, KEY_ROLE

    proxy = window.portfolio_view.proxy
    cells = {
        str(proxy.index(r, 0).data(KEY_ROLE)): str(proxy.index(r, C_OPPORTUNITIES).data())
        for r in range(proxy.rowCount())
    }
    for key, (count, value) in open_by_client(demo_cache).items():
        assert cells[key] == f"{count} · ${value:,.0f}"
    assert window.tabs.widget(TAB_OPPORTUNITIES) is view
    edit_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    assert isinstance(edit_menu, QMenu)
    assert view.add_action in edit_menu.actions()
    window.tabs.setCurrentIndex(TAB_OPPORTUNITIES)
    view.select_id("PO-001")
    qtbot.waitUntil(lambda: view.isVisible())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SCREENSHOTS / "opportunities.png"))
    # A form with its messages, for a person to look at.
    assert view.ctx is not None
    dialog = OpportunityDialog(view.ctx, title="Add opportunity", parent=window)
    qtbot.addWidget(dialog)
    fill(dialog, client_key="CL-004", category="PO", area="Leads", investment="-5")
    fill(dialog, benefit="+3 hours/week", timeline_weeks="2.5")
    dialog.show()
    assert dialog.findChildren(QLabel)
    assert dialog.findChildren(QLineEdit)
    assert dialog.grab().save(str(SCREENSHOTS / "opportunity-form.png"))
    dialog.close()
    window.close()
    assert not window.runner.running("sync")


@pytest.mark.slow
def test_load_demo_in_the_console_fills_the_tab(
    qtbot: QtBot, cache: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    from csconsole.views.main_window import MainWindow

    settings = QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(cache, catalog, today=TODAY, settings=settings)
    qtbot.addWidget(window)
    window.show()
    window.demo_action.trigger()
    qtbot.waitUntil(lambda: window.opportunities_view.model.rowCount() >= 60, timeout=60_000)
    statuses = {o.status for o in window.opportunities_view.model.rows()}
    assert statuses == set(STATUSES)
    window.close()
    assert not window.runner.running("sync")
