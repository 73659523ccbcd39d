"""The Reviews tab's form: the CSM's narrative sections, feature requests and action
items, with rows added by typing and removed with Delete (Ctrl+Z brings them back)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from csconsole.errors import KnownError
from csconsole.reviews import FEASIBILITY, SECTIONS, ActionItem, FeatureRequest, Review, parse_due

#: Sections shown in the executive summary box (the rest are in "Narrative").
SUMMARY_KEYS = ("key_achievement", "primary_focus", "expansion_readiness", "referral_potential")

Field = QPlainTextEdit | QLineEdit | QComboBox


def _row_values(table: QTableWidget, row: int) -> list[Any]:
    """A row's cells: text, or True/False for a check box."""
    values: list[Any] = []
    for col in range(table.columnCount()):
        item = table.item(row, col)
        if item is None:
            values.append("")
        elif item.data(Qt.ItemDataRole.CheckStateRole) is not None:  # the Done box
            values.append(item.checkState() == Qt.CheckState.Checked)
        else:
            values.append(item.text())
    return values


def _cell(table: QTableWidget, row: int, col: int) -> str:
    item = table.item(row, col)
    return item.text() if item is not None else ""


class RemoveRow(QUndoCommand):
    """Removing a row of an editable list, undone by putting it back where it was."""

    def __init__(self, form: ReviewForm, table: QTableWidget, row: int) -> None:
        super().__init__(f"Remove row {row + 1}")
        self.form, self.table, self.row = form, table, row
        self.values = _row_values(table, row)

    def redo(self) -> None:
        self.table.removeRow(self.row)
        self.form.touched()

    def undo(self) -> None:
        self.form.add_row(self.table, self.values, at=self.row)


class ReviewForm(QWidget):
    """The narrative fields and the two lists; :attr:`edited` says the user changed them."""

    #: The user changed a field or a row (not when a review is shown).
    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loading = 0
        self._new_row: tuple[QTableWidget, int] | None = None
        #: Rows removed from the action items and feature requests, for Ctrl+Z.
        self.undo_stack = QUndoStack(self)
        self.fields: dict[str, Field] = {}
        summary_box = QGroupBox("Executive summary")
        summary_form = QFormLayout(summary_box)
        narrative_box = QGroupBox("Narrative")
        narrative_col = QVBoxLayout(narrative_box)
        for section in SECTIONS:
            widget: Field
            if section.kind == "choice":
                widget = QComboBox()
                widget.addItems(["", *section.choices])
                widget.currentTextChanged.connect(self.touched)
            elif section.kind == "line":
                widget = QLineEdit()
                widget.setPlaceholderText(section.hint)
                widget.textEdited.connect(self.touched)
            else:
                widget = QPlainTextEdit()
                widget.setPlaceholderText(section.hint)
                widget.setTabChangesFocus(True)
                widget.setMinimumHeight(70)
                widget.textChanged.connect(self.touched)
            widget.setObjectName(f"section_{section.key}")
            widget.setAccessibleName(section.title)
            self.fields[section.key] = widget
            if section.key in SUMMARY_KEYS:
                summary_form.addRow(section.title, widget)
            else:
                narrative_col.addWidget(QLabel(f"<b>{section.title}</b>"))
                narrative_col.addWidget(widget)
        self.request_table = self._table(["Request", "Feasibility", "Timeline or alternative"])
        self.action_table = self._table(["Task", "Owner", "Due", "Done"])
        requests_box, self.add_request_button, self.remove_request_button = self._table_box(
            "Feature requests", self.request_table
        )
        actions_box, self.add_action_button, self.remove_action_button = self._table_box(
            "Action items", self.action_table
        )
        self.add_request_button.clicked.connect(
            lambda: self.add_and_edit(self.request_table, ["", "", ""])
        )
        self.add_action_button.clicked.connect(
            lambda: self.add_and_edit(self.action_table, ["", "", "", False])
        )
        self.remove_request_button.clicked.connect(lambda: self.remove_row(self.request_table))
        self.remove_action_button.clicked.connect(lambda: self.remove_row(self.action_table))
        column = QVBoxLayout(self)
        column.addWidget(summary_box)
        column.addWidget(actions_box)
        column.addWidget(narrative_box)
        column.addWidget(requests_box)
        column.addStretch(1)

    @contextmanager
    def _filling(self) -> Iterator[None]:
        """Changes made by the code, not the user: no :attr:`edited`."""
        self._loading += 1
        try:
            yield
        finally:
            self._loading -= 1

    def touched(self, *_args: object) -> None:
        if not self._loading:
            self.edited.emit()

    # --- the two lists ----------------------------------------------------------------

    def _table(self, headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, title in enumerate(headers[1:], start=1):  # each title whole
            header.resizeSection(column, max(header.sectionSize(column), header.fontMetrics().horizontalAdvance(title) + 24))  # fmt: skip
        table.setMinimumHeight(110)
        table.itemChanged.connect(self.touched)
        table.itemDelegate().closeEditor.connect(lambda _e, hint, t=table: self._editor_closed(t, hint))  # fmt: skip
        remove = QAction("Remove row", table)
        remove.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        remove.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # not while typing in a cell
        remove.triggered.connect(lambda _c=False, t=table: self.remove_row(t))
        table.addAction(remove)
        return table

    def _table_box(self, title: str, table: QTableWidget) -> tuple[QGroupBox, QPushButton, QPushButton]:  # fmt: skip
        box = QGroupBox(title)
        col = QVBoxLayout(box)
        col.addWidget(table)
        row = QHBoxLayout()
        add, remove = QPushButton("Add"), QPushButton("Remove")
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        col.addLayout(row)
        return box, add, remove

    def add_row(self, table: QTableWidget, values: list[Any], *, at: int | None = None) -> None:
        """Put a row into ``table`` (at the end, or ``at``); True/False make a check box."""
        with self._filling():
            row = table.rowCount() if at is None else at
            table.insertRow(row)
            for col, value in enumerate(values):
                item = QTableWidgetItem()
                if isinstance(value, bool):
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsUserCheckable)  # fmt: skip
                    item.setCheckState(Qt.CheckState.Checked if value else Qt.CheckState.Unchecked)
                else:
                    item.setText(str(value))
                table.setItem(row, col, item)
        table.setCurrentCell(row, 0, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.touched()

    def add_and_edit(self, table: QTableWidget, values: list[Any]) -> None:
        """Add a row and start typing in its first cell: Enter keeps it, Esc drops it."""
        self.add_row(table, values)
        row = table.rowCount() - 1
        self._new_row = (table, row)
        table.setFocus()
        table.editItem(table.item(row, 0))  # type: ignore[arg-type]  # made just above

    def _editor_closed(self, table: QTableWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        """Esc on a row just added and still empty takes the row away again."""
        new, self._new_row = self._new_row, None
        if new is None or new[0] is not table or hint != QAbstractItemDelegate.EndEditHint.RevertModelCache:  # fmt: skip
            return
        row = new[1]
        texts = [v for v in _row_values(table, row) if isinstance(v, str)] if row < table.rowCount() else ["gone"]  # fmt: skip
        if not any(texts):
            table.removeRow(row)
            self.touched()

    def remove_row(self, table: QTableWidget) -> None:
        """Remove the current row; Ctrl+Z brings it back while this client-month is open."""
        row = table.currentRow()
        if row >= 0:
            self.undo_stack.push(RemoveRow(self, table, row))

    # --- a review in, a review out ----------------------------------------------------

    def set_enabled(self, on: bool) -> None:
        for widget in (*self.fields.values(), self.request_table, self.action_table,
                       self.add_action_button, self.add_request_button,
                       self.remove_action_button, self.remove_request_button):  # fmt: skip
            widget.setEnabled(on)

    def set_review(self, review: Review) -> None:
        """Show ``review``; a removed row belongs to the client-month it was removed from,
        so Ctrl+Z forgets it."""
        with self._filling():
            for section in SECTIONS:
                widget = self.fields[section.key]
                value = review.text(section.key)
                if isinstance(widget, QComboBox):
                    widget.setCurrentIndex(max(0, widget.findText(value)))
                elif isinstance(widget, QLineEdit):
                    widget.setText(value)
                else:
                    widget.setPlainText(value)
            self.undo_stack.clear()
            self._new_row = None
            self.request_table.setRowCount(0)
            self.action_table.setRowCount(0)
            for req in review.requests:
                self.add_row(self.request_table, [req.request, req.feasibility, req.note])
            for a in review.actions:
                self.add_row(self.action_table, [a.task, a.owner, a.due.isoformat() if a.due else "", a.done])  # fmt: skip

    def collect(self, *, client_key: str, month: str) -> Review:
        """The review as the form shows it; a feasibility or a due date that is not one
        raises :class:`KnownError` naming the row."""
        sections: dict[str, str] = {}
        for key, widget in self.fields.items():
            if isinstance(widget, QComboBox):
                sections[key] = widget.currentText()
            elif isinstance(widget, QLineEdit):
                sections[key] = widget.text()
            else:
                sections[key] = widget.toPlainText()
        requests, table = [], self.request_table
        for r in range(table.rowCount()):
            feasibility = _cell(table, r, 1).strip().lower()
            if feasibility and feasibility not in FEASIBILITY:
                raise KnownError(f"feasibility {feasibility!r} in row {r + 1}: use high, medium or low")  # fmt: skip
            requests.append(FeatureRequest(_cell(table, r, 0), feasibility, _cell(table, r, 2)))
        actions, table = [], self.action_table
        for r in range(table.rowCount()):
            done = table.item(r, 3)
            actions.append(
                ActionItem(
                    _cell(table, r, 0),
                    _cell(table, r, 1),
                    parse_due(_cell(table, r, 2)),
                    done is not None and done.checkState() == Qt.CheckState.Checked,
                )
            )
        return Review(client_key, month, sections, actions, requests)


__all__ = ["SUMMARY_KEYS", "RemoveRow", "ReviewForm"]
