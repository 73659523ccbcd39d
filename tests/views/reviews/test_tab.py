"""The Reviews tab with real widgets, offscreen: figures, editing that persists, export."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
)
from pytestqt.qtbot import QtBot

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.reviews import load_stored
from csconsole.views.reviews.tab import ReviewsView
from csconsole.views.tasks import TaskRunner
from tests.helpers import SCREENSHOTS, TODAY


def _open(qtbot: QtBot, cache: Cache, catalog: Catalog) -> tuple[ReviewsView, TaskRunner]:
    runner = TaskRunner()
    view = ReviewsView(cache=cache, catalog=catalog, runner=runner, today=TODAY)
    view.show_error = lambda text: pytest.fail(f"error shown: {text}")
    qtbot.addWidget(view)
    view.resize(1400, 900)
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        view.show()  # reads the clients and loads the first one's latest complete month
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        view.show_client("CL-004", "2026-10")
    return view, runner


@pytest.fixture
def opened(qtbot: QtBot, synced_cache: Cache, catalog: Catalog) -> Iterator[ReviewsView]:
    view, runner = _open(qtbot, synced_cache, catalog)
    yield view
    assert runner.shutdown()


def test_figures_come_from_the_engine_and_are_read_only(opened: ReviewsView) -> None:
    facts = opened.facts
    assert facts is not None and facts.client.key == "CL-004" and facts.month == "2026-10"
    assert "GREEN" in opened.status_label.text().upper()
    rows = opened.figures.rowCount()
    assert rows == len(facts.evaluation.kpis)
    labels = {opened.figures.item(r, 1).text() for r in range(rows)}
    assert {k.label for k in facts.evaluation.kpis} == labels
    assert not opened.figures.item(0, 2).flags() & Qt.ItemFlag.ItemIsEditable
    # Pre-filled from the data, not saved yet.
    assert "Not saved yet" in opened.edited_label.text()
    wins = opened.fields["wins"]
    assert isinstance(wins, QPlainTextEdit) and wins.toPlainText().startswith("• ")


def test_an_edit_is_saved_as_typed_and_shown_after_reopening(
    qtbot: QtBot, opened: ReviewsView, synced_cache: Cache, catalog: Catalog
) -> None:
    quote = opened.fields["client_quote"]
    assert isinstance(quote, QPlainTextEdit)
    quote.setFocus()
    qtbot.keyClicks(quote, "Great <month> & ")
    quote.insertPlainText("🚀")  # pasted: QTest cannot type characters beyond U+FFFF
    readiness = opened.fields["expansion_readiness"]
    assert isinstance(readiness, QComboBox)
    readiness.setCurrentText("Yes")
    opened.add_action_button.click()
    opened.action_table.item(0, 0).setText("Send the renewal offer")
    opened.action_table.item(0, 1).setText("Maya")
    opened.action_table.item(0, 2).setText("2026-12-01")
    with qtbot.waitSignal(opened.saved, timeout=5_000):
        pass  # the debounced save fires once typing stops
    assert opened.edited_label.text().startswith("Last edited")
    stored = load_stored(synced_cache, "CL-004", "2026-10")
    assert stored is not None
    assert stored.text("client_quote") == "Great <month> & 🚀"
    assert stored.text("expansion_readiness") == "Yes"
    assert [(a.task, a.owner, str(a.due)) for a in stored.actions] == [
        ("Send the renewal offer", "Maya", "2026-12-01")
    ]
    opened.close()

    again, runner = _open(qtbot, synced_cache, catalog)
    try:
        field = again.fields["client_quote"]
        assert isinstance(field, QPlainTextEdit)
        assert field.toPlainText() == "Great <month> & 🚀"
        assert again.action_table.item(0, 0).text() == "Send the renewal offer"
        assert again.edited_label.text().startswith("Last edited")
    finally:
        assert runner.shutdown()


def test_sections_left_out_of_the_pdf_are_listed_as_they_change(
    qtbot: QtBot, opened: ReviewsView
) -> None:
    text = opened.left_out_label.text()
    assert text.startswith("Will be left out of the PDF")
    assert "Client feedback" in text and "Action items" in text
    quote = opened.fields["client_quote"]
    assert isinstance(quote, QPlainTextEdit)
    quote.setPlainText("Best month yet.")
    assert "Client feedback" not in opened.left_out_label.text()
    quote.setPlainText("   \n ")
    assert "Client feedback" in opened.left_out_label.text()


def test_export_pdf_to_the_chosen_path_and_offer_to_open_it(
    qtbot: QtBot, opened: ReviewsView, tmp_path: Path
) -> None:
    offered: list[Path] = []
    target = tmp_path / "review"
    opened.ask_save_path = lambda suggested: str(target)
    opened.offer_open = offered.append
    with qtbot.waitSignal(opened.exported, timeout=30_000) as blocker:
        opened.export_button.click()
    assert blocker.args == [tmp_path / "review.pdf"]
    assert offered == [tmp_path / "review.pdf"]
    data = (tmp_path / "review.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        import subprocess

        text = subprocess.run(
            ["pdftotext", str(tmp_path / "review.pdf"), "-"], capture_output=True, text=True
        ).stdout
        assert "Harbour Dental Group" in text and "Executive summary" in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    opened.grab().save(str(SCREENSHOTS / "reviews.png"))


@pytest.mark.slow
def test_export_all_writes_every_client_with_progress(
    qtbot: QtBot, opened: ReviewsView, tmp_path: Path
) -> None:
    opened.ask_folder = lambda: str(tmp_path / "book")
    offered: list[Path] = []
    opened.offer_open = offered.append
    with qtbot.waitSignal(opened.exported, timeout=120_000):
        opened.export_all_button.click()
    assert offered == [tmp_path / "book"]
    assert len(list((tmp_path / "book").glob("*.pdf"))) == 40
    assert not opened.progress_dialog.isVisible()


@pytest.mark.slow
def test_export_all_roi_reports_into_a_folder(
    qtbot: QtBot, opened: ReviewsView, tmp_path: Path
) -> None:
    opened.ask_folder = lambda: str(tmp_path / "roi")
    opened.offer_open = lambda _path: None
    with qtbot.waitSignal(opened.exported, timeout=120_000):
        opened.export_all_roi_button.click()
    written = sorted((tmp_path / "roi").glob("*.pdf"))
    assert len(written) == 40
    assert all("roi" in p.name.lower() for p in written)


def _closed(qtbot: QtBot, table: QTableWidget) -> None:
    """The delegate commits (or reverts) and closes its editor by a queued call."""
    qtbot.waitUntil(lambda: table.state() != QAbstractItemView.State.EditingState)


def _editor(table: QTableWidget) -> QLineEdit:
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit) and table.isAncestorOf(editor)
    return editor


@pytest.mark.parametrize("which", ["action", "request"])
def test_adding_a_row_starts_editing_enter_keeps_it_and_esc_drops_it(
    qtbot: QtBot, opened: ReviewsView, which: str
) -> None:
    opened.activateWindow()
    table = opened.action_table if which == "action" else opened.request_table
    add = opened.add_action_button if which == "action" else opened.add_request_button
    before = table.rowCount()
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    editor = _editor(table)  # typing goes into the new cell, not to the button
    qtbot.keyClicks(editor, "Call Maya about the renewal")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    _closed(qtbot, table)
    assert table.rowCount() == before + 1
    assert table.item(before, 0).text() == "Call Maya about the renewal"
    assert not add.hasFocus()
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    assert table.rowCount() == before + 2
    qtbot.keyClick(_editor(table), Qt.Key.Key_Escape)
    _closed(qtbot, table)
    assert table.rowCount() == before + 1  # the empty new row is gone again


def test_delete_removes_a_row_and_ctrl_z_brings_it_back(
    qtbot: QtBot, opened: ReviewsView, synced_cache: Cache
) -> None:
    opened.activateWindow()
    table = opened.action_table
    for task in ("First task", "Second task"):
        qtbot.mouseClick(opened.add_action_button, Qt.MouseButton.LeftButton)
        qtbot.keyClicks(_editor(table), task)
        qtbot.keyClick(_editor(table), Qt.Key.Key_Return)
        _closed(qtbot, table)
    count = table.rowCount()
    row = next(r for r in range(count) if table.item(r, 0).text() == "First task")
    table.setCurrentCell(row, 0)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert table.rowCount() == count - 1
    assert "First task" not in [table.item(r, 0).text() for r in range(table.rowCount())]
    with qtbot.waitSignal(opened.saved, timeout=5_000):
        pass
    stored = load_stored(synced_cache, "CL-004", "2026-10")
    assert stored is not None and "First task" not in [a.task for a in stored.actions]
    qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert table.rowCount() == count
    assert table.item(row, 0).text() == "First task"  # back where it was
    with qtbot.waitSignal(opened.saved, timeout=5_000):
        pass
    stored = load_stored(synced_cache, "CL-004", "2026-10")
    assert stored is not None and "First task" in [a.task for a in stored.actions]
    # Typing in a cell keeps Delete for the text.
    item = table.item(row, 0)
    assert item is not None
    table.editItem(item)
    qtbot.keyClick(_editor(table), Qt.Key.Key_Delete)
    assert table.rowCount() == count
