"""File ▸ Import tracking sheet…: a client's sheet previewed value by value, then imported.

Nothing is written before Import: the preview (:func:`csconsole.ingest.sheets.preview_file`) and
the import (:func:`csconsole.ingest.sheets.import_file`) run on the window's TaskRunner. Changing
the file, client or month checks again; a result that arrives after such a change, or after
the dialog closed, is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QMimeData, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from csconsole import clock
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.health.rules import fmt_value
from csconsole.views.table_model import RIGHT, SORT_ROLE, RowsModel
from csconsole.views.tasks import TaskContext, TaskRunner

if TYPE_CHECKING:  # the import engine loads when the dialog first works, not at start-up
    from csconsole.ingest.sheets import ImportReport, PreviewRow

#: Files the dashboard accepts when dropped (the engine also reads .tsv and .txt by Browse…).
SHEET_SUFFIXES = (".csv", ".xlsx", ".xlsm")
#: How many months back the month picker offers.
MONTHS_BACK = 24

COLUMNS = ("Row", "Week of", "Metric", "Value", "Before", "Replaces", "Change")
C_ROW, C_WEEK, C_METRIC, C_VALUE, C_BEFORE, C_REPLACES, C_CHANGE = range(len(COLUMNS))
HEADER_TIPS = (
    "The spreadsheet's row number (header = row 1); blank for a value typed in an earlier "
    "sheet that this one leaves blank",
    "The week's Monday (or the day or month of a long-form row)",
    "The catalog metric the value is for",
    "The value as it will be stored",
    "The value typed in an earlier sheet for this week, if any",
    "The warehouse's figure for this week (by the metric's rule) that the typed value takes "
    "the place of in every view, and how many warehouse samples that is",
    "New, Update, Unchanged, or Remove (typed earlier, blank in this sheet)",
)
CHANGE_WORDS = {"new": "New", "update": "Update", "unchanged": "Unchanged", "remove": "Remove"}
CHANGE_ORDER = tuple(CHANGE_WORDS)
NO_ROW = 1_000_000_000  # removals sort after every sheet row


def sheet_path(mime: QMimeData) -> str | None:
    """The first local tracking sheet (.csv, .xlsx, .xlsm) among dropped URLs, if any."""
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        path = url.toLocalFile()
        if path and Path(path).suffix.lower() in SHEET_SUFFIXES:
            return path
    return None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _month_label(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return date(year, number, 1).strftime("%B %Y")


def preview_summary(report: ImportReport) -> str:
    """What Import would do, in words, then the engine's notes (week numbers, skipped rows…)."""
    client = f"{report.client_name} ({report.client_key})"
    changes = report.inserted + report.updated + report.removed + report.notes_written
    if not changes:
        head = (
            f"{report.file_name}: every value is already stored for {client}; "
            "importing it again changes nothing."
        )
    else:
        counts = [f"{report.inserted} new", f"{report.updated} to update"]
        counts.append(f"{report.unchanged} unchanged")
        if report.removed:
            counts.append(f"{report.removed} to remove")
        if report.notes_written:
            counts.append(f"{_plural(report.notes_written, 'note')} to write")
        stored = len(report.rows) - report.removed
        head = (
            f"{report.file_name} → {client}: {_plural(stored, 'value')} "
            f"({', '.join(counts)}). Nothing is written until you press Import."
        )
    return "\n".join([head, *report.text().splitlines()[1:]])


class PreviewModel(RowsModel):
    """The preview's rows: every value as it will be stored, and what it replaces."""

    columns = COLUMNS

    def set_rows(self, rows: Sequence[PreviewRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS[section]
        return super().headerData(section, orientation, role)

    def display(self, item: PreviewRow, row: int, column: int, /) -> str:
        if column == C_ROW:
            return "—" if item.row is None else str(item.row)
        if column == C_WEEK:
            start = item.period_start.isoformat()
            return start if item.grain == "week" else f"{start} ({item.grain})"
        if column == C_METRIC:
            return item.label
        if column == C_VALUE:
            return "removed" if item.value is None else fmt_value(item.value, item.unit)
        if column == C_BEFORE:
            return fmt_value(item.earlier, item.unit)
        if column == C_REPLACES:
            if not item.warehouse_samples:
                return "—"
            samples = _plural(item.warehouse_samples, "sample")
            return f"{fmt_value(item.warehouse_value, item.unit)} ({samples})"
        return CHANGE_WORDS.get(item.change, item.change)

    def sort_key(self, item: PreviewRow, column: int, /) -> Any:
        numbers = {C_VALUE: item.value, C_BEFORE: item.earlier, C_REPLACES: item.warehouse_value}
        if column in numbers:
            number = numbers[column]
            return float("-inf") if number is None else float(number)
        if column == C_ROW:
            return NO_ROW if item.row is None else item.row
        if column == C_WEEK:
            return item.period_start.isoformat()
        if column == C_METRIC:
            return item.label.casefold()
        return CHANGE_ORDER.index(item.change) if item.change in CHANGE_ORDER else 99

    def item_id(self, item: PreviewRow, /) -> Any:
        return f"{item.metric}:{item.period_start.isoformat()}:{item.grain}"

    def role_data(self, item: PreviewRow, row: int, column: int, role: int, /) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            C_ROW,
            C_VALUE,
            C_BEFORE,
            C_REPLACES,
        ):
            return RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item, column)
        changed = item.change in ("update", "remove")
        if role == Qt.ItemDataRole.FontRole and column == C_CHANGE and changed:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and item.change == "unchanged":
            return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        return None

    def _tooltip(self, item: PreviewRow, column: int) -> str | None:
        if column == C_ROW and item.row is None:
            return "Typed in an earlier sheet and blank in this one: it is removed"
        if column == C_REPLACES and item.warehouse_samples:
            return (
                f"The warehouse's {_plural(item.warehouse_samples, 'sample')} of this period "
                f"come to {fmt_value(item.warehouse_value, item.unit)}; the typed value takes "
                "their place in every view, and a sync never overwrites it"
            )
        if column == C_REPLACES:
            return "The warehouse has no sample of this period"
        return None


class ImportDialog(QDialog):
    """Pick a sheet, its client and month; see every value as it will be stored; Import."""

    #: The report of a finished import (emitted once per import).
    imported = Signal(object)

    def __init__(
        self,
        *,
        cache: Cache,
        catalog: Catalog,
        runner: TaskRunner,
        clients: Sequence[tuple[str, str]],
        client: str | None = None,
        month: str | None = None,
        path: str | None = None,
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.cache = cache
        self.catalog = catalog
        self.runner = runner
        self.today = today
        self.report: ImportReport | None = None
        self.state = "empty"
        self.done_import = False
        #: Asks for a file; replaced in tests (the native dialog cannot be driven offscreen).
        self.ask_path: Callable[[], str] = self._ask_path
        self._generation = 0
        self._live = True
        self.setWindowTitle("Import tracking sheet")

        self.path_edit = QLineEdit(path or "")
        self.path_edit.setPlaceholderText("A tracking sheet: .csv or .xlsx")
        self.path_edit.setAccessibleName("Tracking sheet file")
        self.browse_button = QPushButton("&Browse…")
        self.recheck_button = QPushButton("Check &again")
        self.recheck_button.setToolTip("Read the file again, e.g. after fixing it")
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse_button)
        file_row.addWidget(self.recheck_button)

        self.client_box = QComboBox()
        self.client_box.setAccessibleName("Client")
        self.client_box.setPlaceholderText("Choose the client this sheet is for")
        self.client_box.setMinimumWidth(300)
        for key, name in sorted(clients, key=lambda c: c[1].casefold()):
            self.client_box.addItem(f"{name} ({key})", key)
        self.client_box.setCurrentIndex(self.client_box.findData(client) if client else -1)

        self.month_box = QComboBox()
        self.month_box.setAccessibleName("Month")
        self._fill_months(month)
        month_note = QLabel(
            "Used when the sheet numbers its weeks 1–5; dated weeks keep their dates."
        )
        month_note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        month_row = QHBoxLayout()
        month_row.addWidget(self.month_box)
        month_row.addWidget(month_note, 1)

        form = QFormLayout()
        for text, buddy, field in (
            ("&File:", self.path_edit, file_row),
            ("&Client:", self.client_box, self.client_box),
            ("&Month:", self.month_box, month_row),
        ):
            label = QLabel(text)
            label.setBuddy(buddy)
            form.addRow(label, field)

        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAccessibleName("Summary")

        self.model = PreviewModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Preview")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSortIndicator(C_ROW, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)

        self.errors = QPlainTextEdit()
        self.errors.setReadOnly(True)
        self.errors.setAccessibleName("Problems")
        self.errors.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        errors_page = QWidget()
        errors_layout = QVBoxLayout(errors_page)
        errors_layout.setContentsMargins(0, 0, 0, 0)
        errors_layout.addWidget(
            QLabel(
                "Rows as the spreadsheet numbers them (header = row 1). Fix them, save the "
                "file, then press Check again."
            )
        )
        errors_layout.addWidget(self.errors, 1)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.table)
        self.pages.addWidget(errors_page)

        buttons = QDialogButtonBox()
        self.import_button = buttons.addButton("&Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        # Enter in the file field checks the file; only a click (or Alt+I) imports.
        for button in (self.browse_button, self.recheck_button, self.import_button):
            button.setAutoDefault(False)
        self.cancel_button.setAutoDefault(False)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.pages, 1)
        layout.addWidget(buttons)
        self.resize(940, 560)

        self.browse_button.clicked.connect(self.browse)
        self.recheck_button.clicked.connect(self.preview)
        self.path_edit.editingFinished.connect(self._path_edited)
        self.client_box.currentIndexChanged.connect(lambda _i: self.preview())
        self.month_box.currentIndexChanged.connect(lambda _i: self.preview())
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button.clicked.connect(self.reject)
        self._checked_path = self.path_edit.text()
        self.preview()

    # --- inputs ------------------------------------------------------------------

    def _fill_months(self, wanted: str | None) -> None:
        today = self.today or clock.today()
        index = today.year * 12 + today.month - 1
        months = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(index, index - MONTHS_BACK, -1)]
        if wanted and wanted not in months:
            months.insert(0, wanted)
        for month in months:
            self.month_box.addItem(_month_label(month), month)
        self.month_box.setCurrentIndex(max(0, self.month_box.findData(wanted)))

    def client_key(self) -> str | None:
        key = self.client_box.currentData()
        return str(key) if key else None

    def month(self) -> str:
        return str(self.month_box.currentData())

    def path(self) -> str:
        return self.path_edit.text().strip()

    def _ask_path(self) -> str:
        start = str(Path(self.path()).parent) if self.path() else ""
        chosen, _ = QFileDialog.getOpenFileName(
            self,
            "Import tracking sheet",
            start,
            "Tracking sheets (*.csv *.xlsx *.xlsm);;All files (*)",
        )
        return chosen

    def browse(self) -> None:
        chosen = self.ask_path()
        if chosen:
            self.path_edit.setText(chosen)
            self._path_edited()

    def _path_edited(self) -> None:
        if self.path() != self._checked_path:
            self.preview()

    # --- preview and import --------------------------------------------------------

    def _set_state(self, state: str, text: str, *, errors: str = "") -> None:
        self.state = state
        self.summary.setText(text)
        self.errors.setPlainText(errors)
        self.pages.setCurrentIndex(1 if errors else 0)
        busy = state == "importing"
        ready = state == "ready" and self.report is not None
        changes = ready and self.report is not None and bool(self._changes(self.report))
        self.import_button.setEnabled(changes)
        self.cancel_button.setEnabled(not busy)
        self.cancel_button.setText("Cl&ose" if self.done_import else "Cancel")
        for widget in (self.path_edit, self.browse_button, self.client_box, self.month_box):
            widget.setEnabled(not busy)
        self.recheck_button.setEnabled(not busy and bool(self.path()))

    @staticmethod
    def _changes(report: ImportReport) -> int:
        return report.inserted + report.updated + report.removed + report.notes_written

    def preview(self) -> None:
        """Check the file against the cache, off the GUI thread; writes nothing."""
        if self.state == "importing":
            return
        self._generation += 1
        generation = self._generation
        self.report = None
        self.model.set_rows([])
        path, client, month = self.path(), self.client_key(), self.month()
        self._checked_path = path
        if not path:
            self._set_state(
                "empty",
                "Choose a tracking sheet (.csv or .xlsx) with Browse…, or drop one on the "
                "Client dashboard.",
            )
            return
        if client is None:
            self._set_state("empty", "Choose the client this sheet is for.")
            return
        cache, catalog, today = self.cache, self.catalog, self.today
        self._set_state("checking", f"Checking {Path(path).name}…")

        def work(_ctx: TaskContext) -> ImportReport:
            from csconsole.usecases.imports import preview_sheet

            return preview_sheet(
                cache, catalog, Path(path).expanduser(), client=client, month=month, today=today
            )

        self.runner.start(
            "import-preview",
            work,
            on_success=lambda report: self._previewed(generation, report),
            on_failure=lambda message: self._failed(generation, message),
        )

    def _current(self, generation: int) -> bool:
        """False for a result that a newer check, or the dialog's closing, made stale."""
        return self._live and generation == self._generation

    def _previewed(self, generation: int, report: ImportReport) -> None:
        if not self._current(generation):
            return
        self.report = report
        self._show_rows(report)
        self._set_state("ready", preview_summary(report))

    def _show_rows(self, report: ImportReport) -> None:
        self.model.set_rows(report.rows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.resizeColumnsToContents()
        header.setSectionResizeMode(C_METRIC, QHeaderView.ResizeMode.Stretch)

    def _failed(self, generation: int, message: str, *, prefix: str = "") -> None:
        if not self._current(generation):
            return
        self.report = None
        self.model.set_rows([])
        head, *rows = message.splitlines()
        problems = "\n".join(line.strip() for line in rows if line.strip())
        self._set_state("failed", f"⚠ {prefix}{head}", errors=problems)

    def start_import(self) -> None:
        """Write the sheet in one transaction; the dialog stays open until it is done."""
        if self.state != "ready" or self.report is None:
            return
        self._generation += 1
        generation = self._generation
        path, client, month = self.path(), self.client_key(), self.month()
        if client is None:
            return
        cache, catalog, today = self.cache, self.catalog, self.today
        self._set_state("importing", f"Importing {Path(path).name}…")

        def work(_ctx: TaskContext) -> ImportReport:
            from csconsole.usecases.imports import import_sheet

            # Written, then the client's alerts raised, as a sync does for its clients.
            imported = import_sheet(
                cache, catalog, Path(path).expanduser(), client=client, month=month, today=today
            )
            return imported.report

        def failed(message: str) -> None:
            said = "nothing was imported" in message.splitlines()[0].casefold()
            self._failed(generation, message, prefix="" if said else "Nothing was imported: ")

        self.runner.start(
            "import-write",
            work,
            on_success=lambda report: self._imported(generation, report),
            on_failure=failed,
        )

    def _imported(self, generation: int, report: ImportReport) -> None:
        self.done_import = True
        self.imported.emit(report)
        if not self._current(generation):
            return
        self.report = report
        self._show_rows(report)
        self._set_state("imported", report.text())

    # --- closing -----------------------------------------------------------------

    def reject(self) -> None:
        if self.state == "importing":
            return  # the write is short and cannot be taken back half-way
        super().reject()

    def done(self, result: int) -> None:
        self._live = False
        task = self.runner.running("import-preview")
        if task is not None:
            task.cancel()
        super().done(result)

    def preview_rows(self) -> list[PreviewRow]:
        """The rows as the table shows them (sorted), for tests and accessibility."""
        return [
            self.model.row_at(self.proxy.mapToSource(self.proxy.index(r, 0)).row())
            for r in range(self.proxy.rowCount(QModelIndex()))
        ]
