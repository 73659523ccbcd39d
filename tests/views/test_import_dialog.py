"""File ▸ Import tracking sheet…: the preview shows every value as it will be stored and what
it replaces, a bad sheet lists its rows, Cancel writes nothing, Import writes and refreshes."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QMenu, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.ingest.sheets import import_file
from csconsole.views.import_dialog import COLUMNS, ImportDialog
from csconsole.views.main_window import MainWindow
from csconsole.views.tasks import TaskRunner
from tests.helpers import SCREENSHOTS
from tests.helpers.health_helpers import add_client, add_samples, weekly

TODAY = date(2026, 11, 22)
HOSTILE = "Ünïcode <b>bold</b> & Co 🚀"
WAIT = 20_000


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def sheet(tmp_path: Path, rows: list[list[str]], name: str = "tracking.csv") -> Path:
    return write(tmp_path / name, [["Week", "Uptime%", "Time Saved", "Notes"], *rows])


@pytest.fixture
def clients(cache: Cache) -> list[tuple[str, str]]:
    """CL-900: the warehouse sends weekly hours (Mondays) and daily uptime; CL-901's name is
    hostile to rich text."""
    cid = add_client(cache, start=date(2026, 1, 1), targets={"time_saved": 15}, team_size=5)
    add_samples(
        cache, cid, weekly("time_saved", ["2026-11-02", "2026-11-09", "2026-11-16"], [13.8] * 3)
    )
    add_samples(cache, cid, [("uptime", f"2026-11-{d:02d}", "day", 99.0) for d in range(2, 9)])
    add_client(cache, key="CL-901", name=HOSTILE, start=date(2026, 1, 1))
    return [("CL-900", "Test Client"), ("CL-901", HOSTILE)]


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    assert tasks.shutdown()


def make_dialog(
    qtbot: QtBot,
    cache: Cache,
    catalog: Catalog,
    runner: TaskRunner,
    clients: list[tuple[str, str]],
    path: Path | None,
    *,
    client: str | None = "CL-900",
    month: str | None = "2026-11",
) -> ImportDialog:
    dialog = ImportDialog(
        cache=cache,
        catalog=catalog,
        runner=runner,
        clients=clients,
        client=client,
        month=month,
        path=str(path) if path else None,
        today=TODAY,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def settled(qtbot: QtBot, dialog: ImportDialog) -> str:
    """Wait for the check to end; the state it ended in."""
    qtbot.waitUntil(lambda: dialog.state not in ("checking", "importing"), timeout=WAIT)
    return dialog.state


def table(dialog: ImportDialog) -> list[tuple[str, ...]]:
    """The preview as the user reads it, row by row."""
    proxy = dialog.proxy
    return [
        tuple(str(proxy.index(r, c).data()) for c in range(proxy.columnCount()))
        for r in range(proxy.rowCount())
    ]


def dump(cache: Cache) -> list[str]:
    with sqlite3.connect(cache.path) as conn:
        return list(conn.iterdump())


def typed_count(cache: Cache) -> int:
    with cache.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM sheet_values").scalar_one())


def test_preview_shows_every_row_and_the_warehouse_value_it_replaces(
    qtbot: QtBot,
    qtmodeltester: ModelTester,
    cache: Cache,
    catalog: Catalog,
    runner: TaskRunner,
    clients: list[tuple[str, str]],
    tmp_path: Path,
) -> None:
    """Week 1 of November 2026 is Monday the 2nd; the typed 17 h takes the place of the
    warehouse's 13.8 h, and 98 % of the seven daily uptime samples of that week."""
    path = sheet(tmp_path, [["1", "98%", "17 hrs", "Smooth start"], ["2", "", "16 hrs", ""]])
    dialog = make_dialog(qtbot, cache, catalog, runner, clients, path)
    assert settled(qtbot, dialog) == "ready"
    assert tuple(dialog.model.headerData(c, Qt.Orientation.Horizontal) for c in range(7)) == COLUMNS
    assert table(dialog) == [
        ("2", "2026-11-02", "Time saved per week", "17.0 h/week", "—", "13.8 h/week (1 sample)", "New"),
        ("2", "2026-11-02", "Uptime", "98.0%", "—", "99.0% (7 samples)", "New"),
        ("3", "2026-11-09", "Time saved per week", "16.0 h/week", "—", "13.8 h/week (1 sample)", "New"),
    ]  # fmt: skip
    summary = dialog.summary.text()
    assert summary.startswith("tracking.csv → Test Client (CL-900): 3 values (3 new")
    assert "1 note to write" in summary and "Nothing is written until you press Import" in summary
    assert "Week numbers were read as weeks of November 2026" in summary
    assert "take the place of 9 warehouse samples" in summary
    assert dialog.import_button.isEnabled() and dialog.pages.currentIndex() == 0
    qtmodeltester.check(dialog.model)
    qtmodeltester.check(dialog.proxy)
    dialog.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # by value, not by its text
    assert [r[3] for r in table(dialog)] == ["98.0%", "17.0 h/week", "16.0 h/week"]
    assert typed_count(cache) == 0


def test_an_xlsx_sheet_previews_like_a_csv(
    qtbot: QtBot,
    cache: Cache,
    catalog: Catalog,
    runner: TaskRunner,
    clients: list[tuple[str, str]],
    tmp_path: Path,
) -> None:
    """A workbook with a title above the header, dated weeks and a %-formatted uptime cell."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["Monthly tracking: Test Client"])
    ws.append(["Week", "Uptime %", "Time Saved (hrs)", "Notes"])
    ws.append([date(2026, 11, 4), 0.98, 17, "mid-week date"])
    ws["B3"].number_format = "0.0%"
    path = tmp_path / "tracking.xlsx"
    book.save(path)
    dialog = make_dialog(qtbot, cache, catalog, runner, clients, path, month="2026-10")
    assert settled(qtbot, dialog) == "ready"
    assert [r[:4] for r in table(dialog)] == [
        ("3", "2026-11-02", "Time saved per week", "17.0 h/week"),
        ("3", "2026-11-02", "Uptime", "98.0%"),
    ]  # the Wednesday's week starts on Monday the 2nd; the month matters only for week numbers
    assert "Week numbers were read" not in dialog.summary.text()


def test_a_corrected_sheet_previews_its_updates_and_removals(
    qtbot: QtBot,
    cache: Cache,
    catalog: Catalog,
    runner: TaskRunner,
    clients: list[tuple[str, str]],
    tmp_path: Path,
) -> None:
    first = sheet(tmp_path, [["1", "98%", "17 hrs", ""], ["2", "99%", "16 hrs", ""]], "first.csv")
    import_file(cache, catalog, first, client="CL-900", month="2026-11", today=TODAY)
    corrected = sheet(tmp_path, [["1", "98%", "18", ""], ["2", "", "16 hrs", ""]])
    dialog = make_dialog(qtbot, cache, catalog, runner, clients, corrected)
    assert settled(qtbot, dialog) == "ready"
    assert table(dialog) == [
        ("2", "2026-11-02", "Time saved per week", "18.0 h/week", "17.0 h/week", "13.8 h/week (1 sample)", "Update"),
        ("2", "2026-11-02", "Uptime", "98.0%", "98.0%", "99.0% (7 samples)", "Unchanged"),
        ("3", "2026-11-09", "Time saved per week", "16.0 h/week", "16.0 h/week", "13.8 h/week (1 sample)", "Unchanged"),
        ("—", "2026-11-09", "Uptime", "removed", "99.0%", "—", "Remove"),
    ]  # fmt: skip
    assert "1 to update, 2 unchanged, 1 to remove" in dialog.summary.text()
    assert "earlier sheet" in str(dialog.proxy.index(3, 0).data(Qt.ItemDataRole.ToolTipRole))


def test_the_same_sheet_again_has_nothing_to_import(
    qtbot: QtBot,
    cache: Cache,
    catalog: Catalog,
    runner: TaskRunner,
    clients: list[tuple[str, str]],
    tmp_path: Path,
) -> None:
    path = sheet(tmp_path, [["1", "98%", "17 hrs", "Smooth start"]])
    import_file(cache, catalog, path, client="CL-900", month="2026-11", today=TODAY)
    dialog = make_dialog(qtbot, cache, catalog, runner, clients, path)
    assert settled(qtbot, dialog) == "ready"
    assert {row[-1] for row in table(dialog)} == {"Unchanged"}
    assert "importing it again changes nothing" in dialog.summary.text()
    assert not dialog.import_button.isEnabled()


def test_a_bad_sheet_lists_its_row_numbered_errors_and_cannot_be_imported(
    qtbot: QtBot,
    cache: Cache,
    catalog: Catalog,
    runner: TaskRunner,
    clients: list[tuple[str, str]],
    tmp_path: Path,
) -> None:
    hostile = "<b>oops</b> & 🎉"
    path = sheet(
        tmp_path,
        [["1", "98%", "17 hrs", ""], ["2", hostile, "16 hrs", ""], ["4", "97%", "", ""]],
    )
    dialog = make_dialog(qtbot, cache, catalog, runner, clients, path)
    assert settled(qtbot, dialog) == "failed"
    assert dialog.summary.text().startswith("⚠ tracking.csv: 2 problems in 2 rows")
    assert dialog.summary.textFormat() == Qt.TextFormat.PlainText
    problems = dialog.errors.toPlainText().splitlines()
    assert len(problems) == 2
    assert problems[0].startswith("row 3, column 'Uptime%': ") and hostile in problems[0]
    assert problems[1] == "row 4, column 'Week': 2026-11-23 is in the future"
    assert dialog.pages.currentIndex() == 1 and dialog.errors.isVisible()
    assert dialog.errors.isReadOnly() and dialog.model.rowCount() == 0
    assert not dialog.import_button.isEnabled()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SCREENSHOTS / "import-dialog-errors.png"))

    # Fixed in the spreadsheet program, then checked again: the preview comes back.
    sheet(tmp_path, [["1", "98%", "17 hrs", ""], ["2", "97%", "16 hrs", ""]])
    dialog.recheck_button.click()
    assert settled(qtbot, dialog) == "ready" and dialog.pages.currentIndex() == 0
    assert len(table(dialog)) == 4 and dialog.import_button.isEnabled()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "file not found: "),
        ("empty.csv", b"", "empty.csv is empty"),
        ("damaged.xlsx", b"PK\x03\x04 not really a workbook", "damaged.xlsx is not a readable .xlsx workbook"),
        ("report.csv", b"%PDF-1.7\n", "report.csv is not a CSV or XLSX file (it looks like"),
        ("other.csv", b"a,b\n1,2\n", "other.csv has no columns csconsole recognises"),
    ],
)  # fmt: skip
def test_an_unreadable_file_is_one_clear_line(
    qtbot: QtBot,
    cache: Cache,
    catalog: Catalog,
    runner: TaskRunner,
    clients: list[tuple[str, str]],
    tmp_path: Path,
    name: str,
    content: bytes | None,
    message: str,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    dialog = make_dialog(qtbot, cache, catalog, runner, clients, path)
    assert settled(qtbot, dialog) == "failed"
    text = dialog.summary.text()
    assert text.startswith("⚠ ") and message in text and "\n" not in text
    assert dialog.errors.toPlainText() == "" and dialog.pages.currentIndex() == 0
    assert not dialog.import_button.isEnabled()
    assert dialog.path_edit.text() == str(path)  # nothing lost: fix the file, Check again


def test_cancel_writes_nothing(
    qtbot: QtBot,
    cache: Cache,
    catalog: Catalog,
    runner: TaskRunner,
    clients: list[tuple[str, str]],
    tmp_path: Path,
) -> None:
    before = dump(cache)
    path = sheet(tmp_path, [["1", "98%", "17 hrs", "Smooth start"], ["2", "", "16 hrs", ""]])
    dialog = make_dialog(qtbot, cache, catalog, runner, clients, path)
    assert settled(qtbot, dialog) == "ready"
    with qtbot.waitSignal(dialog.finished) as finished:
        dialog.cancel_button.click()
    assert finished.args == [QDialog.DialogCode.Rejected]
    assert dump(cache) == before and typed_count(cache) == 0


def test_import_writes_and_the_dialog_reports_it(
    qtbot: QtBot,
    cache: Cache,
    catalog: Catalog,
    runner: TaskRunner,
    clients: list[tuple[str, str]],
    tmp_path: Path,
) -> None:
    path = sheet(tmp_path, [["1", "98%", "17 hrs", "Smooth start"], ["2", "", "16 hrs", ""]])
    dialog = make_dialog(qtbot, cache, catalog, runner, clients, path)
    assert settled(qtbot, dialog) == "ready"
    with qtbot.waitSignal(dialog.imported, timeout=WAIT) as done:
        dialog.import_button.click()
        assert dialog.state == "importing" and not dialog.cancel_button.isEnabled()
        dialog.reject()  # refused while writing
    assert settled(qtbot, dialog) == "imported" and dialog.isVisible()
    assert done.args[0].inserted == 3 and typed_count(cache) == 3
    assert dialog.summary.text().startswith(
        "Imported 2 weeks for Test Client (CL-900): 3 inserted, 0 updated, 0 unchanged, 1 note."
    )
    assert len(table(dialog)) == 3 and not dialog.import_button.isEnabled()
    assert dialog.cancel_button.text() == "Cl&ose"  # Alt+C is the Client picker


def test_changing_the_month_or_client_checks_again(
    qtbot: QtBot,
    cache: Cache,
    catalog: Catalog,
    runner: TaskRunner,
    clients: list[tuple[str, str]],
    tmp_path: Path,
) -> None:
    path = sheet(tmp_path, [["1", "98%", "17 hrs", ""]])
    dialog = make_dialog(qtbot, cache, catalog, runner, clients, path, client=None)
    assert (
        dialog.state == "empty" and dialog.summary.text() == "Choose the client this sheet is for."
    )
    assert dialog.client_box.currentIndex() == -1  # never a guess at whose figures these are
    dialog.client_box.setCurrentIndex(dialog.client_box.findData("CL-901"))
    assert dialog.client_box.currentText() == f"{HOSTILE} (CL-901)"
    assert settled(qtbot, dialog) == "ready"
    assert HOSTILE in dialog.summary.text()  # as typed, not as rich text
    assert [r[1] for r in table(dialog)] == ["2026-11-02"] * 2
    dialog.month_box.setCurrentIndex(dialog.month_box.findData("2026-10"))
    assert dialog.month_box.currentText() == "October 2026"
    assert settled(qtbot, dialog) == "ready"
    assert [r[1] for r in table(dialog)] == ["2026-10-05"] * 2  # the first Monday of October
    dialog.path_edit.clear()
    dialog.path_edit.editingFinished.emit()
    assert dialog.state == "empty" and dialog.model.rowCount() == 0
    dialog.ask_path = lambda: str(path)
    dialog.browse_button.click()
    assert settled(qtbot, dialog) == "ready" and dialog.path_edit.text() == str(path)


def test_a_result_that_arrives_after_closing_is_dropped(
    qtbot: QtBot,
    cache: Cache,
    catalog: Catalog,
    runner: TaskRunner,
    clients: list[tuple[str, str]],
    tmp_path: Path,
) -> None:
    path = sheet(tmp_path, [["1", "98%", "17 hrs", ""]])
    dialog = make_dialog(qtbot, cache, catalog, runner, clients, path)
    task = runner.running("import-preview")
    assert task is not None
    dialog.reject()
    # The worker posts its result (or its cancellation) before it sets `done`.
    qtbot.waitUntil(task.done.is_set, timeout=WAIT)
    QApplication.processEvents()
    assert dialog.state == "checking" and dialog.model.rowCount() == 0


# --- in the main window ---------------------------------------------------------------


@pytest.fixture
def window(
    qtbot: QtBot, cache: Cache, catalog: Catalog, clients: list[tuple[str, str]], tmp_path: Path
) -> Iterator[MainWindow]:
    settings = QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)
    main = MainWindow(cache, catalog, today=TODAY, settings=settings)
    qtbot.addWidget(main)
    main.resize(1366, 768)
    main.show()
    qtbot.waitUntil(lambda: main.portfolio is not None, timeout=WAIT)
    main.open_client("CL-900")
    dash = main.dashboard_view
    qtbot.waitUntil(lambda: dash.dashboard is not None, timeout=WAIT)
    yield main
    main.close()


def test_file_menu_opens_the_dialog_for_the_dashboards_client_and_month(
    qtbot: QtBot, window: MainWindow
) -> None:
    action = window.import_action
    file_menu = window.menuBar().actions()[0].menu()
    assert isinstance(file_menu, QMenu)
    assert action in file_menu.actions() and action.text() == "&Import tracking sheet…"
    assert action.shortcut() == QKeySequence("Ctrl+I")
    others = [a for a in window.findChildren(type(action)) if a is not action]
    assert not [a.text() for a in others if QKeySequence("Ctrl+I") in a.shortcuts()]
    action.trigger()
    dialog = window.import_dialog
    assert dialog is not None and dialog.isVisible() and dialog.isModal()
    assert dialog.client_key() == "CL-900" and dialog.month() == "2026-11"
    assert dialog.path_edit.text() == "" and dialog.state == "empty"
    assert not dialog.import_button.isEnabled()
    assert dialog.client_box.findData("CL-901") >= 0
    dialog.reject()


def drop(widget: QWidget, mime: QMimeData) -> tuple[bool, bool]:
    """Drag ``mime`` over the widget and drop it: (enter accepted, drop accepted)."""
    point = QPointF(40, 40)  # the QPoint constructors are deprecated
    enter = QDragEnterEvent(
        point,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, enter)
    dropped = QDropEvent(
        point,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, dropped)
    return enter.isAccepted(), dropped.isAccepted()


def test_a_sheet_dropped_on_the_dashboard_is_previewed_then_imported(
    qtbot: QtBot, window: MainWindow, cache: Cache, tmp_path: Path
) -> None:
    dash = window.dashboard_view
    other = tmp_path / "notes.pdf"
    other.write_bytes(b"%PDF-1.7\n")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(other))])
    assert drop(dash, mime) == (False, False) and window.import_dialog is None

    path = sheet(tmp_path, [["1", "98%", "17 hrs", "Smooth start"], ["2", "", "16 hrs", ""]])
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(other)), QUrl.fromLocalFile(str(path))])
    assert drop(dash, mime) == (True, True)
    dialog = window.import_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.path_edit.text() == str(path) and dialog.client_key() == "CL-900"
    assert settled(qtbot, dialog) == "ready" and len(table(dialog)) == 3
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SCREENSHOTS / "import-dialog-window.png"))
    assert dialog.grab().save(str(SCREENSHOTS / "import-dialog.png"))

    # Import: the dashboard's weekly table shows the typed values (✎) without a reload.
    assert not any("✎" in (dash.weekly.item(0, c).text()) for c in range(1, 5))
    with qtbot.waitSignal(dialog.imported, timeout=WAIT):
        dialog.import_button.click()
    assert typed_count(cache) == 3
    qtbot.waitUntil(lambda: dash.weekly.item(0, 2).text() == "✎ 17.0 h", timeout=WAIT)
    assert dash.weekly.item(0, 1).text() == "✎ 98.0%"
    assert "Imported 2 weeks for Test Client" in window.statusBar().currentMessage()
    dialog.cancel_button.click()
    assert not dialog.isVisible()
