"""The Alerts & responses tab: open alerts with a live countdown, the protocol, the draft.

Selecting an alert shows its protocol (due time, who is assigned, the checklist, ticked
per alert in the cache) and the letter drafted from the status's template. The user
edits the draft in place; edits are kept per alert for the session, so moving between
alerts loses nothing. Copy, mailto and ``.eml`` hand the draft over; the console never
sends mail. Recording the response closes the alert and emits :attr:`AlertsView.responded`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QSettings,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QDesktopServices, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from csconsole.alerts import AlertView, list_alerts, respond, tick
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.emails import (
    Draft,
    MailtoTooLong,
    Templates,
    draft_for_alert,
    mailto_url,
    recipient_problem,
    write_eml,
)
from csconsole.errors import KnownError
from csconsole.health.rules import RANK
from csconsole.settings import Settings
from csconsole.views.files import FilePlaces, open_path
from csconsole.views.table_model import ID_ROLE, SORT_ROLE, Index, RowsModel, status_colour
from csconsole.views.table_state import restore_table, save_table, setup_columns
from csconsole.views.tasks import TaskContext, TaskRunner
from csconsole.views.theme import status_colours, status_label

#: How often the time-left column counts down.
TICK_MS = 30_000

COLUMNS = ("Time left", "Client", "Status", "Why", "Assigned to", "Raised")
C_LEFT, C_CLIENT, C_STATUS, C_WHY, C_ASSIGNED, C_RAISED = range(len(COLUMNS))

#: What the user did, as the engine records it.
RESPONSE_CHOICES = (("Email sent", "email"), ("Call held", "call"), ("Note", "note"))


def local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def duration(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


def time_left_text(alert: AlertView, now: datetime) -> str:
    if alert.closed_at is not None:
        return f"Answered {local(alert.closed_at)}"
    seconds = alert.time_left(now).total_seconds()
    if seconds < 0:
        return f"Overdue by {duration(seconds)}"
    return f"{duration(seconds)} left"


class AlertsModel(RowsModel):
    """Alerts as rows; the time-left column counts down with :meth:`set_now`."""

    columns = COLUMNS

    def __init__(self) -> None:
        super().__init__()
        self.now = datetime.now(UTC)

    def set_alerts(self, alerts: list[AlertView], now: datetime) -> None:
        self.beginResetModel()
        self._rows = list(alerts)
        self.now = now
        self.endResetModel()

    def set_now(self, now: datetime) -> None:
        self.now = now
        if self._rows:
            self.dataChanged.emit(self.index(0, C_LEFT), self.index(len(self._rows) - 1, C_LEFT))

    def alert(self, row: int) -> AlertView:
        return self.row_at(row)

    def find(self, alert_id: int) -> AlertView | None:
        return next((a for a in self._rows if a.id == alert_id), None)

    def update(self, alert: AlertView) -> None:
        for row, old in enumerate(self._rows):
            if old.id == alert.id:
                self._rows[row] = alert
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
                return

    def item_id(self, alert: AlertView) -> int:
        return alert.id

    def role_data(self, alert: AlertView, _row: int, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and column in (C_WHY, C_STATUS):
            return "\n".join(alert.reasons)
        if column == C_STATUS:
            return status_colour(alert.status, role)
        if column == C_LEFT and alert.overdue(self.now):
            if role == Qt.ItemDataRole.ForegroundRole:
                return status_colours("red")[1]
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
        return None

    def display(self, alert: AlertView, _row: int, column: int) -> str:
        if column == C_LEFT:
            return time_left_text(alert, self.now)
        if column == C_CLIENT:
            return f"{alert.client_name} ({alert.client_key})"
        if column == C_STATUS:
            return status_label(alert.status)
        if column == C_WHY:
            more = len(alert.reasons) - 1
            first = alert.reasons[0] if alert.reasons else ""
            return first + (f" (+{more} more)" if more > 0 else "")
        if column == C_ASSIGNED:
            return alert.assigned_to
        return local(alert.raised_at)

    def sort_key(self, alert: AlertView, column: int) -> Any:
        if column == C_LEFT:
            # open alerts by due time (so overdue ones first), then answered ones, newest first
            if alert.closed_at is None:
                return alert.due_at.timestamp()
            return 1e11 - alert.closed_at.timestamp()
        if column == C_STATUS:
            return -RANK.get(alert.status, 0)
        if column == C_RAISED:
            return alert.raised_at.timestamp()
        return self.display(alert, 0, column).casefold()


class AlertsProxy(QSortFilterProxyModel):
    """Sorts by the model's sort keys; hides answered alerts unless asked."""

    def __init__(self, model: AlertsModel) -> None:
        super().__init__()
        self.setSourceModel(model)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)
        self.show_closed = False

    def set_show_closed(self, show: bool) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.9 and later
            self.beginFilterChange()
            self.show_closed = show
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.show_closed = show
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, AlertsModel)
        return self.show_closed or model.alert(source_row).closed_at is None


class AlertsView(QWidget):
    """Open alerts above; the selected alert's protocol, response and draft below."""

    #: The key of a client whose alert was answered (the portfolio and dashboard refresh).
    responded = Signal(str)
    #: Alerts were (re)loaded from the cache.
    loaded = Signal()
    #: The draft of the selected alert is shown (its id).
    draft_shown = Signal(int)

    def __init__(
        self,
        *,
        cache: Cache,
        catalog: Catalog,
        runner: TaskRunner,
        today: date | None = None,
        templates: Templates | None = None,
        now: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.cache = cache
        self.catalog = catalog
        self.runner = runner
        #: Where the .eml dialog starts (the main window shares its remembered places).
        self.places = FilePlaces()
        self.today = today
        self.templates = templates or Templates()
        self._now = now
        self.current_id: int | None = None
        #: Drafts as rendered from the templates, and the user's edits, per alert id.
        self.drafts: dict[int, Draft] = {}
        self.edits: dict[int, tuple[str, str]] = {}
        self._filling = False

        self.model = AlertsModel()
        self.proxy = AlertsProxy(self.model)
        self._build()
        self._connect()
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick_clock)
        self.timer.start()
        self._show_alert(None)

    def now(self) -> datetime:
        """Now, on the pinned day when the console runs as of another date (tests, demos)."""
        if self._now is not None:
            return self._now()
        moment = datetime.now(UTC)
        return datetime.combine(self.today, moment.time(), tzinfo=UTC) if self.today else moment

    # --- construction ------------------------------------------------------------

    def _build(self) -> None:
        self.show_closed = QCheckBox("Show &answered alerts")
        self.summary = QLabel()
        self.templates_button = QPushButton("Open &templates folder")
        self.templates_button.setToolTip(
            "The email templates you can edit; the next draft uses your version"
        )
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.show_closed)
        top.addWidget(self.templates_button)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(C_LEFT, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setAccessibleName("Alerts")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(C_WHY, QHeaderView.ResizeMode.Stretch)
        for column, width in ((C_LEFT, 175), (C_CLIENT, 220), (C_STATUS, 90), (C_ASSIGNED, 200)):
            self.table.setColumnWidth(column, width)
        self.table.setColumnWidth(C_RAISED, 130)
        setup_columns(self.table)  # "Why" stretches: the columns fit without shrinking

        # protocol: heading, due time, assigned to, reasons, checklist
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setWordWrap(True)
        self.due = QLabel()
        self.assigned = QLabel()
        self.assigned.setWordWrap(True)
        self.reasons = QLabel()
        self.reasons.setWordWrap(True)
        self.reasons.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.checklist = QListWidget()
        self.checklist.setAccessibleName("Action checklist")
        self.checklist.setMinimumHeight(60)
        protocol_box = QGroupBox("Protocol")
        form = QFormLayout()
        form.addRow("Respond:", self.due)
        form.addRow("Assigned to:", self.assigned)
        form.addRow("Why:", self.reasons)
        protocol_layout = QVBoxLayout(protocol_box)
        protocol_layout.addWidget(self.heading)
        protocol_layout.addLayout(form)
        protocol_layout.addWidget(QLabel("Actions:"))
        protocol_layout.addWidget(self.checklist, 1)

        # the response
        self.kind = QComboBox()
        for text, kind in RESPONSE_CHOICES:
            self.kind.addItem(text, kind)
        self.note = QLineEdit()
        self.note.setPlaceholderText("What was done")
        self.note.setToolTip("Optional when the email was sent: its subject is recorded")
        self.record_button = QPushButton("&Record response")
        self.response_state = QLabel()
        self.response_state.setWordWrap(True)
        self.response_box = QGroupBox("Response")
        response_layout = QVBoxLayout(self.response_box)
        row = QHBoxLayout()
        row.addWidget(self.kind)
        row.addWidget(self.note, 1)
        row.addWidget(self.record_button)
        response_layout.addLayout(row)
        response_layout.addWidget(self.response_state)

        # the protocol scrolls rather than making the window taller than a small screen
        protocol_scroll = QScrollArea()
        protocol_scroll.setWidget(protocol_box)
        protocol_scroll.setWidgetResizable(True)
        protocol_scroll.setFrameShape(QFrame.Shape.NoFrame)
        protocol_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        protocol_scroll.setMinimumWidth(protocol_box.minimumSizeHint().width())
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(protocol_scroll, 1)
        left_layout.addWidget(self.response_box)

        # the draft
        self.to = QLabel()
        self.to.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subject = QLineEdit()
        self.subject.setAccessibleName("Subject")
        self.body = QPlainTextEdit()
        self.body.setAccessibleName("Body")
        self.body.setTabChangesFocus(True)
        self.draft_state = QLabel()
        self.draft_state.setWordWrap(True)
        self.draft_state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setToolTip("Copy recipient, subject and body to the clipboard")
        self.mail_button = QPushButton("Open in &mail program")
        self.save_button = QPushButton("&Save .eml…")
        self.save_button.setToolTip("Save as a draft that Outlook, Thunderbird and Apple Mail open")
        self.reset_button = QPushButton("Redo from t&emplate")
        self.reset_button.setToolTip("Drop your edits and draft again from the current template")
        draft_box = QGroupBox("Email draft")
        self.to.setMinimumWidth(1)  # a long address must not widen the window
        to_row = QHBoxLayout()
        to_row.addWidget(self.to, 1)
        to_row.addWidget(self.reset_button)
        draft_form = QFormLayout()
        draft_form.addRow("To:", to_row)
        draft_form.addRow("Subject:", self.subject)
        buttons = QHBoxLayout()
        for button in (self.copy_button, self.mail_button, self.save_button):
            buttons.addWidget(button)
        buttons.addStretch()
        draft_layout = QVBoxLayout(draft_box)
        draft_layout.addLayout(draft_form)
        draft_layout.addWidget(self.body, 1)
        draft_layout.addWidget(self.draft_state)
        draft_layout.addLayout(buttons)

        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(left)
        bottom.addWidget(draft_box)
        bottom.setStretchFactor(0, 2)
        bottom.setStretchFactor(1, 3)
        self.details = bottom

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([260, 440])  # room for about six alerts on a laptop screen
        self.table.setMinimumHeight(100)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.problem)
        layout.addWidget(splitter, 1)

    def _connect(self) -> None:
        self.show_closed.toggled.connect(self.proxy.set_show_closed)
        self.show_closed.toggled.connect(lambda _on: self._update_summary())
        self.templates_button.clicked.connect(self.open_templates_folder)
        selection = self.table.selectionModel()
        selection.currentRowChanged.connect(self._current_changed)
        self.checklist.itemChanged.connect(self._item_ticked)
        self.subject.textEdited.connect(self._draft_edited)
        self.body.textChanged.connect(self._draft_edited)
        self.copy_button.clicked.connect(self.copy_draft)
        self.mail_button.clicked.connect(self.open_in_mail_program)
        self.save_button.clicked.connect(lambda: self.save_eml())
        self.reset_button.clicked.connect(self.redo_draft)
        self.record_button.clicked.connect(self.record_response)

    # --- alerts ------------------------------------------------------------------

    def reload(self) -> None:
        """Read the alerts from the cache, off the GUI thread; the selection is kept."""
        now = self.now()

        def work(_ctx: TaskContext) -> list[AlertView]:
            return list_alerts(self.cache, include_closed=True, now=now)

        self.runner.start(
            "alerts-list",
            work,
            on_success=lambda alerts: self._show_alerts(alerts, now),
            on_failure=self._show_problem,
        )

    def _show_alerts(self, alerts: list[AlertView], now: datetime) -> None:
        keep = self.current_id
        self.model.set_alerts(alerts, now)
        self._update_summary()
        self.problem.hide()
        if keep is not None and self.select(keep):
            pass
        elif self.proxy.rowCount():
            self.table.setCurrentIndex(self.proxy.index(0, C_LEFT))
        else:
            self._show_alert(None)
        self.loaded.emit()

    def _update_summary(self) -> None:
        now = self.model.now
        alerts = [self.model.alert(r) for r in range(self.model.rowCount())]
        open_ = [a for a in alerts if a.closed_at is None]
        overdue = sum(1 for a in open_ if a.overdue(now))
        text = f"{len(open_)} open alert{'s' if len(open_) != 1 else ''}"
        if overdue:
            text += f", <b>{overdue} overdue</b>"
        if not open_:
            text = "No open alerts: every status change has been answered."
        self.summary.setText(text)

    def select(self, alert_id: int) -> bool:
        """Select an alert by id; False when it is not shown (answered and filtered out)."""
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, C_LEFT)
            if index.data(ID_ROLE) == alert_id:
                self.table.selectionModel().setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                return True
        return False

    def tick_clock(self) -> None:
        """The countdown: time left in the table and the selected alert's due line."""
        self.model.set_now(self.now())
        self._update_summary()
        alert = self.current_alert()
        if alert is not None:
            self.due.setText(self._due_text(alert))

    def current_alert(self) -> AlertView | None:
        return None if self.current_id is None else self.model.find(self.current_id)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        alert_id = current.data(ID_ROLE) if current.isValid() else None
        alert = None if alert_id is None else self.model.find(int(alert_id))
        if alert is None or alert.id != self.current_id:
            self._show_alert(alert)

    def _show_problem(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.show()

    # --- the selected alert -----------------------------------------------------

    def _due_text(self, alert: AlertView) -> str:
        hours = (alert.due_at - alert.raised_at).total_seconds() / 3600
        within = f"within {hours:g} h, by {local(alert.due_at)}"
        return f"{within} — {time_left_text(alert, self.model.now).lower()}"

    def _show_alert(self, alert: AlertView | None) -> None:
        self.current_id = None if alert is None else alert.id
        self._filling = True
        try:
            self.details.setEnabled(alert is not None)
            self.checklist.clear()
            if alert is None:
                self.heading.setText("<i>Select an alert to see its protocol and draft.</i>")
                for label in (self.due, self.assigned, self.reasons, self.to, self.draft_state):
                    label.clear()
                self.subject.clear()
                self.body.clear()
                self.response_state.clear()
                return
            was = f", was {alert.previous_status}" if alert.previous_status else ""
            self.heading.setText(
                f"<b>{status_label(alert.status)}</b> — <b>{alert.client_name}</b> "
                f"({alert.client_key}), {alert.month}{was}; raised {local(alert.raised_at)}"
            )
            self.due.setText(self._due_text(alert))
            self.assigned.setText(alert.assigned_to)
            self.reasons.setText("\n".join(f"• {r}" for r in alert.reasons))
            for item in alert.checklist:
                widget_item = QListWidgetItem(f"{item.position}. {item.text}")
                widget_item.setData(Qt.ItemDataRole.UserRole, item.position)
                widget_item.setFlags(
                    Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
                    if alert.closed_at is None
                    else Qt.ItemFlag.ItemIsUserCheckable
                )
                widget_item.setCheckState(
                    Qt.CheckState.Checked if item.done else Qt.CheckState.Unchecked
                )
                if item.ticked_at:
                    widget_item.setToolTip(f"Done {local(item.ticked_at)}")
                self.checklist.addItem(widget_item)
            answered = alert.closed_at is not None
            for widget in (self.kind, self.note, self.record_button):
                widget.setEnabled(not answered)
            self.response_state.setText(
                f"Answered {local(alert.closed_at)} — {alert.response_kind}: {alert.response_note}"
                if alert.closed_at
                else "Recording the response closes the alert."
            )
            self.note.clear()
            self._fill_draft(alert)
        finally:
            self._filling = False

    def _fill_draft(self, alert: AlertView) -> None:
        draft = self.drafts.get(alert.id)
        if draft is None:
            self.to.setText("")
            self.subject.clear()
            self.body.clear()
            self.draft_state.setText("Drafting from the template…")
            self._set_draft_enabled(False)
            self._render(alert)
            return
        subject, body = self.edits.get(alert.id, (draft.subject, draft.body))
        self.to.setText(draft.to or "(no address on file: fill it in in your mail program)")
        self.subject.setText(subject)
        self.body.setPlainText(body)
        self.draft_state.setText(
            "\n".join(f"⚠ {p}" for p in draft.problems)
            or (
                "Edited; your changes are kept while the console is open."
                if alert.id in self.edits
                else ""
            )
        )
        self._set_draft_enabled(True)
        self.draft_shown.emit(alert.id)

    def _set_draft_enabled(self, enabled: bool) -> None:
        for widget in (
            self.subject,
            self.body,
            self.copy_button,
            self.mail_button,
            self.save_button,
            self.reset_button,
        ):
            widget.setEnabled(enabled)

    def _render(self, alert: AlertView) -> None:
        today, templates = self.today, self.templates

        def work(_ctx: TaskContext) -> Draft:
            return draft_for_alert(
                self.cache,
                self.catalog,
                alert,
                today=today,
                settings=Settings.load(),
                templates=templates,
            )

        self.runner.start(
            "alert-draft",
            work,
            on_success=lambda draft: self._draft_ready(alert.id, draft),
            on_failure=lambda message: self._draft_failed(alert.id, message),
        )

    def _draft_ready(self, alert_id: int, draft: Draft) -> None:
        self.drafts[alert_id] = draft
        alert = self.current_alert()
        if alert is not None and alert.id == alert_id:
            self._filling = True
            try:
                self._fill_draft(alert)
            finally:
                self._filling = False

    def _draft_failed(self, alert_id: int, message: str) -> None:
        if self.current_id == alert_id:
            self.draft_state.setText(f"No draft: {message}")

    def _draft_edited(self, *_args: Any) -> None:
        if self._filling or self.current_id is None or self.current_id not in self.drafts:
            return
        self.edits[self.current_id] = (self.subject.text(), self.body.toPlainText())

    def current_draft(self) -> Draft | None:
        """The selected alert's draft with the user's edits."""
        if self.current_id is None or self.current_id not in self.drafts:
            return None
        return self.drafts[self.current_id].edited(
            subject=self.subject.text(), body=self.body.toPlainText()
        )

    def redo_draft(self) -> None:
        alert = self.current_alert()
        if alert is None:
            return
        self.drafts.pop(alert.id, None)
        self.edits.pop(alert.id, None)
        self._filling = True
        try:
            self._fill_draft(alert)
        finally:
            self._filling = False

    # --- checklist and response ---------------------------------------------------

    def _item_ticked(self, item: QListWidgetItem) -> None:
        alert = self.current_alert()
        if self._filling or alert is None:
            return
        position = int(item.data(Qt.ItemDataRole.UserRole))
        done = item.checkState() == Qt.CheckState.Checked
        now = self.now()
        try:
            tick(self.cache, alert.id, position=position, done=done, now=now)
        except KnownError as exc:
            self._show_problem(str(exc))
            return
        checklist = tuple(
            replace(c, done=done, ticked_at=now if done else None) if c.position == position else c
            for c in alert.checklist
        )
        self.model.update(replace(alert, checklist=checklist))

    def record_response(self) -> None:
        alert = self.current_alert()
        if alert is None or alert.closed_at is not None:
            return
        kind = str(self.kind.currentData())
        note = self.note.text().strip()
        if not note and kind == "email":
            note = f"Sent: {self.subject.text().strip() or 'the drafted email'}"
        if not note:
            self.response_state.setText("Say in a few words what was done, then record it.")
            self.note.setFocus()
            return
        try:
            respond(self.cache, alert.id, note=note, kind=kind, now=self.now())
        except KnownError as exc:
            self.response_state.setText(str(exc))
            return
        self.response_state.setText("Answered; the alert is closed.")
        self.current_id = None
        self.responded.emit(alert.client_key)
        self.reload()

    # --- handing the draft over --------------------------------------------------

    def copy_draft(self) -> None:
        draft = self.current_draft()
        if draft is None:
            return
        QApplication.clipboard().setText(draft.text())
        self.draft_state.setText("Copied to the clipboard.")

    def open_in_mail_program(self) -> None:
        draft = self.current_draft()
        if draft is None:
            return
        try:
            url = mailto_url(draft)
        except MailtoTooLong as exc:
            choice = self.ask_too_long(f"{str(exc)[0].upper()}{str(exc)[1:]}, or copy it and paste it into a new message.")  # fmt: skip
            if choice == "save":
                self.save_eml()
            elif choice == "copy":
                self.copy_draft()
            else:
                self.draft_state.setText("Too long for a mail link: save it as an .eml file or copy it.")  # fmt: skip
            return
        if QDesktopServices.openUrl(QUrl.fromEncoded(url.encode("ascii"))):
            self.draft_state.setText("Handed to your mail program.")
        else:
            self.draft_state.setText(
                "No mail program answered the mailto: link; copy the draft or save an .eml file."
            )

    def ask_too_long(self, text: str) -> str:
        """Ask what to do with a draft too long for a mail link: "save", "copy" or ""."""
        box = QMessageBox(self)
        box.setWindowTitle("Draft too long for a mail link")
        box.setText(text)
        save = box.addButton("Save .eml…", QMessageBox.ButtonRole.AcceptRole)
        copy = box.addButton("Copy", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        return "save" if clicked is save else "copy" if clicked is copy else ""

    def save_eml(self, path: str | None = None) -> Path | None:
        draft = self.current_draft()
        if draft is None:
            return None
        if path is None:
            suggested = draft.file_name()
            path, _filter = QFileDialog.getSaveFileName(
                self,
                "Save the draft as an email file",
                self.places.start("email", suggested),
                "Email (*.eml)",
            )
            if not path:
                return None
            self.places.remember("email", path)
        target = Path(path)
        if target.suffix.lower() != ".eml":
            target = target.with_name(target.name + ".eml")
        try:
            write_eml(draft, target)
        except KnownError as exc:
            self.draft_state.setText(str(exc))
            return None
        problem = recipient_problem(draft)
        if problem:
            self.draft_state.setText(f"Saved to {target}, but {problem}.")
            return target
        self.draft_state.setText(f"Saved to {target}; open it in your mail program to send it.")
        return target

    def save_state(self, settings: QSettings) -> None:
        """Whether answered alerts show, the sort and the columns, for the next start."""
        settings.setValue("alerts/show_answered", self.show_closed.isChecked())
        save_table(settings, "alerts", self.table)

    def restore_state(self, settings: QSettings) -> None:
        self.show_closed.setChecked(bool(settings.value("alerts/show_answered", False, type=bool)))
        restore_table(settings, "alerts", self.table)

    def open_templates_folder(self) -> None:
        try:
            folder = self.templates.folder()
        except KnownError as exc:
            self._show_problem(str(exc))
            return
        open_path(self, folder, what="templates folder")


__all__ = ["AlertsModel", "AlertsProxy", "AlertsView"]
