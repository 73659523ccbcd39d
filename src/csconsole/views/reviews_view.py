"""The Reviews tab: one client's monthly review, written in the console and exported as PDF.

The figures (status, rating, every KPI against target) come from the engine and are
read-only. The narrative fields, feature requests and action items are the CSM's: each
edit is saved shortly after typing stops (a quick local write) and "last edited" shows
when. Export PDF / Export ROI PDF write the selected client's report; Export all writes
every client's for the month into a folder, off the GUI thread with progress and Cancel.
reportlab is imported by the export work, never when the tab is built.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import QItemSelectionModel, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from csconsole import clock, wording
from csconsole import formatting as fmt
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.errors import KnownError
from csconsole.health.engine import open_engine
from csconsole.health.rules import MARKS, TREND_ARROWS, fmt_value
from csconsole.reviews import (
    FEASIBILITY,
    SECTIONS,
    ActionItem,
    FeatureRequest,
    Review,
    ReviewFacts,
    describe_edited,
    gather_facts,
    left_out,
    load_review,
    parse_due,
    save_review,
)
from csconsole.rollup import month_index, month_label, parse_month
from csconsole.views.files import FilePlaces, open_path
from csconsole.views.table_state import restore_table, save_table, setup_columns
from csconsole.views.tasks import TaskContext, TaskRunner
from csconsole.views.theme import status_colours, status_label

#: Milliseconds after the last keystroke before the review is saved.
SAVE_DELAY_MS = 400
MONTHS_OFFERED = 24
#: Widest the figures' Group and Status columns get, in pixels (the rest is the metric's).
FIGURE_COLUMN_CAPS = {0: 120, 4: 150}
#: Sections shown in the executive summary box (the rest are in "Narrative").
SUMMARY_KEYS = ("key_achievement", "primary_focus", "expansion_readiness", "referral_potential")


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


class RemoveRow(QUndoCommand):
    """Removing a row of an editable list, undone by putting it back where it was."""

    def __init__(self, view: ReviewsView, table: QTableWidget, row: int) -> None:
        super().__init__(f"Remove row {row + 1}")
        self.view, self.table, self.row = view, table, row
        self.values = _row_values(table, row)

    def redo(self) -> None:
        self.table.removeRow(self.row)
        self.view._edited()

    def undo(self) -> None:
        self.view._add_row(self.table, self.values, at=self.row)


class ReviewsView(QWidget):
    """Client and month pickers, the figures, the narrative form and the export buttons."""

    #: The review was saved (client key, month).
    saved = Signal(str, str)
    #: A client-month was loaded into the form.
    loaded = Signal()
    #: An export finished: the file or folder written.
    exported = Signal(object)
    #: The user chose a client-month here (client key, month): the dashboard follows.
    chosen = Signal(str, str)

    def __init__(
        self,
        *,
        cache: Cache,
        catalog: Catalog,
        runner: TaskRunner,
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.cache = cache
        self.catalog = catalog
        self.runner = runner
        self.today = today
        self.facts: ReviewFacts | None = None
        self.review: Review | None = None
        self._loading = False
        self._dirty = False
        self._new_row: tuple[QTableWidget, int] | None = None
        #: Rows removed from the action items and feature requests, for Ctrl+Z.
        self.undo_stack = QUndoStack(self)
        # Dialogs are attributes so tests can answer them without a modal loop.
        self.ask_save_path: Callable[[str], str | None] = self._ask_save_path
        self.ask_folder: Callable[[], str | None] = self._ask_folder
        self.offer_open: Callable[[Path], None] = self._offer_open
        self.show_error: Callable[[str], None] = self._show_error
        #: Where the export dialogs start (the main window shares its remembered places).
        self.places = FilePlaces()
        #: The "could not open" message of the last Open, if the desktop had no program.
        self.open_problem: QMessageBox | None = None

        self.save_timer = QTimer(self)
        self.save_timer.setSingleShot(True)
        self.save_timer.setInterval(SAVE_DELAY_MS)
        self.save_timer.timeout.connect(self.save_now)

        self.client_box = QComboBox()
        self.client_box.setMinimumContentsLength(12)
        self.client_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.month_box = QComboBox()
        self.edited_label = QLabel("")
        self.edited_label.setObjectName("editedLabel")
        self.export_button = QPushButton("Export &PDF…")
        self.edited_label.setWordWrap(True)
        self.export_roi_button = QPushButton("&ROI PDF…")
        self.export_roi_button.setToolTip("Export the monthly ROI report of this client as PDF")
        self.export_roi_button.setAccessibleName("Export ROI PDF")
        self.export_all_button = QPushButton("Export &all…")
        self.export_all_button.setToolTip(
            "Export every client's review for this month into a folder"
        )
        self.export_all_roi_button = QPushButton("All RO&I…")
        self.export_all_roi_button.setToolTip(
            "Export every client's ROI report for this month into a folder"
        )
        top = QHBoxLayout()
        top.addWidget(QLabel("Client"))
        top.addWidget(self.client_box, 1)
        top.addWidget(QLabel("Month"))
        top.addWidget(self.month_box)
        top.addWidget(self.export_button)
        top.addWidget(self.export_roi_button)
        top.addWidget(self.export_all_button)
        top.addWidget(self.export_all_roi_button)

        # Left: the figures (read-only).
        self.status_label = QLabel("")
        self.status_label.setObjectName("reviewStatus")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.summary_label = QLabel("")
        self.summary_label.setWordWrap(True)
        # Sections with nothing to print are left out of the PDF; say which, as they change.
        self.left_out_label = QLabel("")
        self.left_out_label.setObjectName("leftOutLabel")
        self.left_out_label.setWordWrap(True)
        self.left_out_label.setTextFormat(Qt.TextFormat.PlainText)
        self.figures = QTableWidget(0, 5)
        self.figures.setHorizontalHeaderLabels(["Group", "Metric", "This month", "Target", "Status"])  # fmt: skip
        self.figures.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.figures.verticalHeader().setVisible(False)
        self.figures.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        setup_columns(self.figures)
        left = QWidget()
        left_col = QVBoxLayout(left)
        left_col.setContentsMargins(0, 0, 0, 0)
        left_col.addWidget(self.edited_label)
        left_col.addWidget(self.status_label)
        left_col.addWidget(self.summary_label)
        left_col.addWidget(self.left_out_label)
        left_col.addWidget(self.figures, 1)

        # Right: the narrative form.
        self.fields: dict[str, QPlainTextEdit | QLineEdit | QComboBox] = {}
        form_host = QWidget()
        form_col = QVBoxLayout(form_host)
        summary_box = QGroupBox("Executive summary")
        summary_form = QFormLayout(summary_box)
        narrative_box = QGroupBox("Narrative")
        narrative_col = QVBoxLayout(narrative_box)
        for section in SECTIONS:
            widget: QPlainTextEdit | QLineEdit | QComboBox
            if section.kind == "choice":
                widget = QComboBox()
                widget.addItems(["", *section.choices])
                widget.currentTextChanged.connect(self._edited)
            elif section.kind == "line":
                widget = QLineEdit()
                widget.setPlaceholderText(section.hint)
                widget.textEdited.connect(self._edited)
            else:
                widget = QPlainTextEdit()
                widget.setPlaceholderText(section.hint)
                widget.setTabChangesFocus(True)
                widget.setMinimumHeight(70)
                widget.textChanged.connect(self._edited)
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
        self.add_action_button.clicked.connect(lambda: self.add_and_edit(self.action_table, ["", "", "", False]))  # fmt: skip
        self.remove_request_button.clicked.connect(lambda: self._remove_row(self.request_table))
        self.remove_action_button.clicked.connect(lambda: self._remove_row(self.action_table))
        form_col.addWidget(summary_box)
        form_col.addWidget(actions_box)
        form_col.addWidget(narrative_box)
        form_col.addWidget(requests_box)
        form_col.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_host)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        #: One line at the top when there is nothing to review yet.
        self.empty_hint = QLabel("No clients yet: load the demo data or add a source in Settings, then sync.")  # fmt: skip
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.hide()
        column = QVBoxLayout(self)
        column.addWidget(self.empty_hint)
        column.addLayout(top)
        column.addWidget(splitter, 1)

        self.client_box.currentIndexChanged.connect(self._client_changed)
        self.month_box.currentIndexChanged.connect(self._month_changed)
        self.client_box.activated.connect(lambda _i: self._user_chose())
        self.month_box.activated.connect(lambda _i: self._user_chose())
        self.export_button.clicked.connect(lambda: self.export_one("review"))
        self.export_roi_button.clicked.connect(lambda: self.export_one("roi"))
        self.export_all_button.clicked.connect(lambda: self.export_all())
        self.export_all_roi_button.clicked.connect(lambda: self.export_all(("roi",)))
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.undo_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
        self.redo_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Redo))
        for action in (self.undo_action, self.redo_action):
            # The tab's own: a text field keeps Ctrl+Z for its typing.
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.save_now)
        self._set_enabled(False)
        self._clients: list[tuple[str, str, int]] = []
        self._wanted: tuple[str, str] | None = None
        self._wanted_month = ""
        self._following = False

    def _show_error(self, text: str) -> None:
        QMessageBox.warning(self, "Reviews", text)

    # --- widgets ------------------------------------------------------------------

    def _table(self, headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, title in enumerate(headers[1:], start=1):  # each title whole
            header.resizeSection(column, max(header.sectionSize(column), header.fontMetrics().horizontalAdvance(title) + 24))  # fmt: skip
        table.setMinimumHeight(110)
        table.itemChanged.connect(self._edited)
        table.itemDelegate().closeEditor.connect(lambda _e, hint, t=table: self._editor_closed(t, hint))  # fmt: skip
        remove = QAction("Remove row", table)
        remove.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        remove.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # not while typing in a cell
        remove.triggered.connect(lambda _c=False, t=table: self._remove_row(t))
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

    def _add_row(self, table: QTableWidget, values: list[Any], *, at: int | None = None) -> None:
        self._loading = True
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
        self._loading = False
        table.setCurrentCell(row, 0, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self._edited()

    def add_and_edit(self, table: QTableWidget, values: list[Any]) -> None:
        """Add a row and start typing in its first cell: Enter keeps it, Esc drops it."""
        self._add_row(table, values)
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
            self._edited()

    def _remove_row(self, table: QTableWidget) -> None:
        """Remove the current row; Ctrl+Z brings it back while this client-month is open."""
        row = table.currentRow()
        if row >= 0:
            self.undo_stack.push(RemoveRow(self, table, row))

    def _set_enabled(self, on: bool) -> None:
        for widget in (*self.fields.values(), self.request_table, self.action_table, self.export_button,
                       self.export_roi_button, self.add_action_button, self.add_request_button,
                       self.remove_action_button, self.remove_request_button):  # fmt: skip
            widget.setEnabled(on)

    # --- choosing a client-month ---------------------------------------------------

    def _today(self) -> date:
        return self.today or clock.today()

    def reload_clients(self) -> None:
        """Fill the client picker from the cache (keeps the current client, or takes the
        one another tab or the last session asked for)."""
        engine = open_engine(self.cache, self.catalog, today=self.today)
        current = self.client_key
        wanted, self._wanted = self._wanted, None
        if wanted is not None:
            current, self._wanted_month = wanted
        self._clients = [(c.key, c.name, c.start_month) for c in engine.clients()]
        self.client_box.blockSignals(True)
        self.client_box.clear()
        for key, name, _start in self._clients:
            self.client_box.addItem(f"{name} ({key})", key)
        self.client_box.blockSignals(False)
        self.export_all_button.setEnabled(bool(self._clients))
        self.export_all_roi_button.setEnabled(bool(self._clients))
        self.empty_hint.setVisible(not self._clients)
        if self._clients:
            index = max(0, self.client_box.findData(current)) if current else 0
            self.client_box.setCurrentIndex(index)
            self._client_changed()

    def follow(self, key: str, month: str) -> None:
        """The dashboard shows this client-month: show it here too, now or when next shown
        (a hidden tab does no work)."""
        if not self._clients or not self.isVisible():
            self._wanted = (key, month)
        elif (key, month) != (self.client_key, self.month):
            self._following = True
            try:
                self.show_client(key, month)
            finally:
                self._following = False

    def save_state(self, settings: QSettings) -> None:
        current = (self.client_key, self.month) if self._clients else ("", "")
        key, month = self._wanted or current
        if key:
            settings.setValue("reviews/client", key)
            settings.setValue("reviews/month", month)
        save_table(settings, "reviews/figures", self.figures)

    def restore_state(self, settings: QSettings) -> None:
        key, month = settings.value("reviews/client"), settings.value("reviews/month")
        if isinstance(key, str) and key:
            self._wanted = (key, month if isinstance(month, str) else "")
        restore_table(settings, "reviews/figures", self.figures)

    @property
    def client_key(self) -> str:
        data = self.client_box.currentData()
        return data if isinstance(data, str) else ""

    @property
    def month(self) -> str:
        data = self.month_box.currentData()
        return data if isinstance(data, str) else ""

    def show_client(self, key: str, month: str | None = None) -> None:
        if not self._clients:
            self.reload_clients()
        index = self.client_box.findData(key)
        if index >= 0 and index != self.client_box.currentIndex():
            self._wanted_month = month or ""
            self.client_box.setCurrentIndex(index)
        if month:
            self.set_month(month)

    def set_month(self, month: str) -> None:
        index = self.month_box.findData(month)
        if index >= 0:
            self.month_box.setCurrentIndex(index)

    def _client_changed(self) -> None:
        self.save_now()
        start = next((s for k, _n, s in self._clients if k == self.client_key), None)
        if start is None:
            return
        chosen, self._wanted_month = self._wanted_month or self.month, ""
        current = month_index(self._today())
        first = max(start, current - MONTHS_OFFERED + 1)
        self.month_box.blockSignals(True)
        self.month_box.clear()
        for m in range(current, first - 1, -1):
            label = month_label(m)
            self.month_box.addItem(label + (" (to date)" if m == current else ""), label)
        index = self.month_box.findData(chosen) if chosen else -1
        if index < 0:  # reviews are of complete months: default to the latest one
            index = min(1, self.month_box.count() - 1)
        self.month_box.setCurrentIndex(index)
        self.month_box.blockSignals(False)
        self.load()

    def _month_changed(self) -> None:
        self.save_now()
        self.load()

    def _user_chose(self) -> None:
        """A client or month picked here (not following the dashboard): tell it."""
        if not self._following and self.client_key and self.month:
            self.chosen.emit(self.client_key, self.month)

    def load(self) -> None:
        """Compute the figures and read the review off the GUI thread, then fill the form."""
        key, month = self.client_key, self.month
        if not key or not month:
            return
        self._set_enabled(False)
        self.edited_label.setText("Loading…")
        cache, catalog, today = self.cache, self.catalog, self.today

        def work(_ctx: TaskContext) -> tuple[ReviewFacts, Review]:
            engine = open_engine(cache, catalog, today=today)
            facts = gather_facts(cache, catalog, client=key, month=parse_month(month), engine=engine)  # fmt: skip
            return facts, load_review(cache, facts)

        self.runner.start("reviews-load", work, on_success=self._show, on_failure=self._load_failed)  # fmt: skip

    def _load_failed(self, message: str) -> None:
        self.facts = self.review = None
        self.edited_label.setText(message)
        self.figures.setRowCount(0)
        self.status_label.setText("")
        self.summary_label.setText("")

    def _show(self, result: tuple[ReviewFacts, Review]) -> None:
        facts, review = result
        if (facts.client.key, facts.month) != (self.client_key, self.month):
            return  # the user moved on while this was loading
        self.facts, self.review = facts, review
        self._loading = True
        ev = facts.evaluation
        self.status_label.setText(f"{status_label(ev.status)}  ·  rating {ev.rating if ev.rating is not None else '—'}/10 {TREND_ARROWS.get(ev.trend, '')}")  # fmt: skip
        bg, fg = status_colours(ev.status)
        self.status_label.setStyleSheet(f"QLabel {{ background: {bg.name()}; color: {fg.name()}; padding: 4px; font-weight: bold; }}")  # fmt: skip
        why = "\n".join(wording.reason_sentences(ev)) or wording.no_reason_sentence(ev)
        roi = facts.roi
        if roi is not None:
            why += f"\nValue this month {fmt.money(roi.current.value)}; year-to-date ROI {fmt.percent(roi.ytd_roi)}"  # fmt: skip
        self.summary_label.setText(why)
        self._fit_height(self.summary_label)
        rows = [(title, k) for title, kpis in facts.groups for k in kpis]
        self.figures.setRowCount(len(rows))
        for r, (title, k) in enumerate(rows):
            target = "tracked" if k.target is None else fmt_value(k.target, k.unit, k.metric)
            # The group is named on its first row only, so the metric's name has the room.
            first = r == 0 or rows[r - 1][0] != title
            texts = [title if first else "", k.label, fmt_value(k.value, k.unit, k.metric), target, k.band]  # fmt: skip
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)  # engine figures
                if c in (2, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)  # fmt: skip
                if c == 4 and k.band in ("green", "yellow", "red"):
                    bg, fg = status_colours(k.band)
                    item.setBackground(bg)
                    item.setForeground(fg)
                    # ✓ only at or above target; below it inside the band, say so.
                    symbol = MARKS[k.mark][0]
                    item.setText(f"{symbol} {k.mark_text()}")
                self.figures.setItem(r, c, item)
        for column in (0, 2, 3, 4):
            self.figures.resizeColumnToContents(column)
        # The metric's name keeps the room: a long group or mark is cut ("…") and shown
        # whole on hover.
        for column, widest in FIGURE_COLUMN_CAPS.items():
            self.figures.setColumnWidth(column, min(self.figures.columnWidth(column), widest))
        for section in SECTIONS:
            widget = self.fields[section.key]
            value = review.text(section.key)
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(0, widget.findText(value)))
            elif isinstance(widget, QLineEdit):
                widget.setText(value)
            else:
                widget.setPlainText(value)
        self.undo_stack.clear()  # a removed row belongs to the client-month it was removed from
        self._new_row = None
        self.request_table.setRowCount(0)
        self.action_table.setRowCount(0)
        self._loading = False
        for req in review.requests:
            self._add_row(self.request_table, [req.request, req.feasibility, req.note])
        for a in review.actions:
            self._add_row(self.action_table, [a.task, a.owner, a.due.isoformat() if a.due else "", a.done])  # fmt: skip
        self._dirty = False
        self.save_timer.stop()
        self.edited_label.setText(describe_edited(review))
        self._update_left_out()
        self._set_enabled(True)
        self.loaded.emit()

    # --- saving ----------------------------------------------------------------------

    def _edited(self, *_args: object) -> None:
        if self._loading or self.review is None:
            return
        self._dirty = True
        self.edited_label.setText("Editing…")
        self.save_timer.start()
        self._update_left_out()

    @staticmethod
    def _fit_height(label: QLabel) -> None:
        """A wrapped label asks for the height its text needs at its width: the splitter
        does not pass height-for-width down, so the table below would squeeze it."""
        label.setMinimumHeight(label.heightForWidth(max(label.width(), 240)) if label.text() else 0)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        for label in (self.summary_label, self.left_out_label):
            self._fit_height(label)

    def _update_left_out(self) -> None:
        """List the sections the PDF will leave out (nothing typed, nothing derived)."""
        if self.review is None:
            self.left_out_label.setText("")
            return
        try:
            review = self.collect()
        except KnownError:
            return  # a cell being typed is not valid yet; keep the last list
        parts = left_out(review, self.facts)
        self.left_out_label.setText(
            f"Will be left out of the PDF (nothing to print): {', '.join(parts)}." if parts else ""
        )
        self._fit_height(self.left_out_label)

    def collect(self) -> Review:
        """The review as the form shows it."""
        assert self.review is not None
        sections: dict[str, str] = {}
        for key, widget in self.fields.items():
            if isinstance(widget, QComboBox):
                sections[key] = widget.currentText()
            elif isinstance(widget, QLineEdit):
                sections[key] = widget.text()
            else:
                sections[key] = widget.toPlainText()

        def cell(table: QTableWidget, row: int, col: int) -> str:
            item = table.item(row, col)
            return item.text() if item is not None else ""

        requests = []
        for r in range(self.request_table.rowCount()):
            feasibility = cell(self.request_table, r, 1).strip().lower()
            if feasibility and feasibility not in FEASIBILITY:
                raise KnownError(f"feasibility {feasibility!r} in row {r + 1}: use high, medium or low")  # fmt: skip
            requests.append(FeatureRequest(cell(self.request_table, r, 0), feasibility, cell(self.request_table, r, 2)))  # fmt: skip
        actions = []
        for r in range(self.action_table.rowCount()):
            done = self.action_table.item(r, 3)
            actions.append(
                ActionItem(
                    cell(self.action_table, r, 0),
                    cell(self.action_table, r, 1),
                    parse_due(cell(self.action_table, r, 2)),
                    done is not None and done.checkState() == Qt.CheckState.Checked,
                )
            )
        return Review(self.review.client_key, self.review.month, sections, actions, requests)

    def save_now(self) -> None:
        """Save pending edits at once (a quick local write)."""
        self.save_timer.stop()
        if not self._dirty or self.review is None:
            return
        try:
            review = self.collect()
            self.review = save_review(self.cache, review)
        except KnownError as exc:
            self.edited_label.setText(f"Not saved: {exc}")
            return
        self._dirty = False
        self.edited_label.setText(describe_edited(self.review))
        self.saved.emit(self.review.client_key, self.review.month)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._clients:  # read the clients when the tab is first shown
            self.reload_clients()
        elif self._wanted is not None:  # the dashboard moved on while this tab was hidden
            key, month = self._wanted
            self._wanted = None
            self.follow(key, month)

    def hideEvent(self, event: Any) -> None:
        self.save_now()
        super().hideEvent(event)

    # --- export ----------------------------------------------------------------------

    def _ask_save_path(self, suggested: str) -> str | None:
        path, _filter = QFileDialog.getSaveFileName(self, "Export PDF", self.places.start("review-pdf", suggested), "PDF (*.pdf)")  # fmt: skip
        if path:
            self.places.remember("review-pdf", path)
        return path or None

    def _ask_folder(self) -> str | None:
        folder = QFileDialog.getExistingDirectory(self, "Export every client's review into", self.places.start("review-folder"))  # fmt: skip
        if folder:
            self.places.remember("review-folder", folder)
        return folder or None

    def _offer_open(self, path: Path) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("Export finished")
        box.setText(f"Saved {path}")
        open_file = box.addButton("Open" if path.is_file() else "Open folder", QMessageBox.ButtonRole.AcceptRole)  # fmt: skip
        open_folder = box.addButton("Show folder", QMessageBox.ButtonRole.ActionRole) if path.is_file() else None  # fmt: skip
        box.addButton(QMessageBox.StandardButton.Close)
        box.exec()
        if box.clickedButton() is open_file:
            self.open_problem = open_path(self, path)
        elif open_folder is not None and box.clickedButton() is open_folder:
            self.open_problem = open_path(self, path.parent)

    def export_one(self, kind: str) -> None:
        """Export the selected client's review (or ROI report) to a file the user picks."""
        if self.facts is None:
            return
        self.save_now()
        from csconsole.reports.export import file_name

        chosen = self.ask_save_path(file_name(self.facts.client.name, self.facts.month_index, kind))
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        cache, catalog, today = self.cache, self.catalog, self.today
        key, month = self.facts.client.key, self.facts.month_index

        def work(_ctx: TaskContext) -> Path:
            from csconsole.reports.export import export_one

            engine = open_engine(cache, catalog, today=today)
            return export_one(cache, catalog, client=key, month=month, kind=kind, path=path, engine=engine)  # fmt: skip

        self.export_button.setEnabled(False)
        self.export_roi_button.setEnabled(False)

        def finish() -> None:
            self.export_button.setEnabled(True)
            self.export_roi_button.setEnabled(True)

        self.runner.start("reviews-export", work, on_success=self._exported, on_failure=self.show_error, on_finish=finish)  # fmt: skip

    def _exported(self, path: Path) -> None:
        self.exported.emit(path)
        self.offer_open(path)

    def export_all(self, kinds: tuple[str, ...] = ("review",)) -> None:
        """Every client's report of these kinds for the month into a folder, with progress
        and Cancel."""
        self.save_now()
        month = self.month
        chosen = self.ask_folder()
        if not chosen or not month:
            return
        folder = Path(chosen)
        cache, catalog, today = self.cache, self.catalog, self.today
        what = "ROI reports" if kinds == ("roi",) else "reviews"
        progress = QProgressDialog(f"Exporting {what} for {month}…", "Cancel", 0, 0, self)
        progress.setWindowTitle("Export all")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        self.progress_dialog = progress

        def work(ctx: TaskContext) -> Path:
            from csconsole.reports.export import export_all

            engine = open_engine(cache, catalog, today=today)
            export_all(
                cache, catalog, month=parse_month(month), folder=folder, kinds=kinds,
                progress=lambda done, total, text: ctx.progress((done, total, text)),
                cancelled=lambda: ctx.cancelled, engine=engine,
            )  # fmt: skip
            return folder

        def on_progress(value: object) -> None:
            done, total, text = cast(tuple[int, int, str], value)
            progress.setMaximum(total)
            progress.setValue(done)
            progress.setLabelText(f"{done} of {total}: {text}")

        def finish() -> None:
            progress.reset()
            progress.hide()
            self.export_all_button.setEnabled(True)
            self.export_all_roi_button.setEnabled(True)

        def on_cancel() -> None:
            self.edited_label.setText("Export cancelled; the files finished before it are complete.")  # fmt: skip

        self.export_all_button.setEnabled(False)
        self.export_all_roi_button.setEnabled(False)
        task = self.runner.start(
            "reviews-export-all", work, on_success=self._exported, on_failure=self.show_error,
            on_progress=on_progress, on_cancel=on_cancel, on_finish=finish,
        )  # fmt: skip
        progress.canceled.connect(task.cancel)
        progress.show()


__all__ = ["ReviewsView"]
