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
from typing import Any, Unpack

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from csconsole import clock
from csconsole.errors import KnownError
from csconsole.health.engine import open_engine
from csconsole.review_facts import ReviewFacts
from csconsole.reviews import Review, describe_edited, left_out, save_review
from csconsole.rollup import month_index, month_label, parse_month
from csconsole.usecases.reviews import ExportProgress, export_report, export_reports, open_review
from csconsole.views.bus import Change
from csconsole.views.files import FilePlaces, open_path
from csconsole.views.reviews.figures import FiguresPanel
from csconsole.views.reviews.form import ReviewForm
from csconsole.views.tab import Tab, TabServices
from csconsole.views.table_state import restore_table, save_table
from csconsole.views.tasks import TaskContext

#: Milliseconds after the last keystroke before the review is saved.
SAVE_DELAY_MS = 400
MONTHS_OFFERED = 24


class ReviewsView(Tab):
    """Client and month pickers, the figures, the narrative form and the export buttons."""

    #: The review was saved (client key, month).
    saved = Signal(str, str)
    #: A client-month was loaded into the form.
    loaded = Signal()
    #: An export finished: the file or folder written.
    exported = Signal(object)
    #: The user chose a client-month here (client key, month): the dashboard follows.
    chosen = Signal(str, str)

    def __init__(self, **services: Unpack[TabServices]) -> None:
        # A saved review is published; new figures for the client-month shown reload it
        # (now, or when the tab is next shown).
        super().__init__(**services)
        self._stale = False
        self.facts: ReviewFacts | None = None
        self.review: Review | None = None
        self._dirty = False
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

        # Left: the figures (read-only); right: the narrative form.
        self.panel = FiguresPanel()
        self.status_label, self.summary_label = self.panel.status_label, self.panel.summary_label
        self.left_out_label, self.figures = self.panel.left_out_label, self.panel.figures
        left = QWidget()
        left_col = QVBoxLayout(left)
        left_col.setContentsMargins(0, 0, 0, 0)
        left_col.addWidget(self.edited_label)
        left_col.addWidget(self.panel, 1)
        self.form = form = ReviewForm()
        form.edited.connect(self._edited)
        self.fields, self.undo_stack = form.fields, form.undo_stack
        self.request_table, self.action_table = form.request_table, form.action_table
        self.add_request_button, self.add_action_button = (
            form.add_request_button,
            form.add_action_button,
        )
        self.remove_request_button = form.remove_request_button
        self.remove_action_button = form.remove_action_button
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form)

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
        self._clients_stale = False
        self._wanted: tuple[str, str] | None = None
        self._wanted_month = ""
        self._following = False

    def _show_error(self, text: str) -> None:
        QMessageBox.warning(self, "Reviews", text)

    def _set_enabled(self, on: bool) -> None:
        self.form.set_enabled(on)
        for button in (self.export_button, self.export_roi_button):
            button.setEnabled(on)

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
        self._stale = False

        def work(_ctx: TaskContext) -> tuple[ReviewFacts, Review]:
            return open_review(cache, catalog, client=key, month=month, today=today)

        self.runner.start("reviews-load", work, on_success=self._show, on_failure=self._load_failed)  # fmt: skip

    def _load_failed(self, message: str) -> None:
        self.facts = self.review = None
        self.edited_label.setText(message)
        self.panel.clear()

    def _show(self, result: tuple[ReviewFacts, Review]) -> None:
        facts, review = result
        if (facts.client.key, facts.month) != (self.client_key, self.month):
            return  # the user moved on while this was loading
        self.facts, self.review = facts, review
        self.panel.show_facts(facts)
        self.form.set_review(review)
        self._dirty = False
        self.save_timer.stop()
        self.edited_label.setText(describe_edited(review))
        self._update_left_out()
        self._set_enabled(True)
        self.loaded.emit()

    # --- saving ----------------------------------------------------------------------

    def _edited(self) -> None:
        if self.review is None:
            return
        self._dirty = True
        self.edited_label.setText("Editing…")
        self.save_timer.start()
        self._update_left_out()

    def _update_left_out(self) -> None:
        """List the sections the PDF will leave out (nothing typed, nothing derived)."""
        if self.review is None:
            self.panel.set_left_out([])
            return
        try:
            review = self.collect()
        except KnownError:
            return  # a cell being typed is not valid yet; keep the last list
        self.panel.set_left_out(left_out(review, self.facts))

    def collect(self) -> Review:
        """The review as the form shows it."""
        assert self.review is not None
        return self.form.collect(client_key=self.review.client_key, month=self.review.month)

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
        self.publish({"reviews"}, {self.review.client_key})

    def on_change(self, change: Change) -> None:
        """New figures or opportunities for the client shown: read it again, at once when
        the tab is on screen (pending edits are saved first), else when next shown."""
        if not change.about("data", "opportunities", "settings"):
            return
        if change.clients is None and change.about("data"):
            self._clients_stale = True  # the demo or a full reload may bring new clients
        if self.review is not None and change.touches(self.client_key):
            if self.isVisible():
                self.save_now()
                self.load()
            else:
                self._stale = True

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._clients or self._clients_stale:  # read the clients when first shown
            self._clients_stale = False
            self.reload_clients()
        elif self._wanted is not None:  # the dashboard moved on while this tab was hidden
            key, month = self._wanted
            self._wanted = None
            self.follow(key, month)
        elif self._stale:  # its figures changed while the tab was hidden
            self.load()

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
            return export_report(cache, catalog, client=key, month=month, kind=kind, path=path, today=today)  # fmt: skip

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
            export_reports(
                cache, catalog, month=parse_month(month), folder=folder, kinds=kinds,
                today=today, progress=ctx.progress, cancel=ctx.cancel_event,
            )  # fmt: skip
            return folder

        def on_progress(step: object) -> None:
            if isinstance(step, ExportProgress):
                progress.setMaximum(step.total)
                progress.setValue(step.done)
                progress.setLabelText(f"{step.done} of {step.total}: {step.text}")

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
