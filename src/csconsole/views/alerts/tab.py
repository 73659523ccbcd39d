"""The Alerts & responses tab: open alerts with a live countdown, the protocol, the draft.

Selecting an alert shows its protocol (due time, who is assigned, the checklist, ticked
per alert in the cache) and the letter drafted from the status's template. The user
edits the draft in place; edits are kept per alert for the session, so moving between
alerts loses nothing. Copy, mailto and ``.eml`` hand the draft over; the console never
sends mail. Recording the response closes the alert and says so on the window's bus.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Unpack

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from csconsole.alerts import AlertView, list_alerts
from csconsole.email_templates import Templates
from csconsole.emails import (
    Draft,
    MailtoTooLong,
    draft_for_alert,
    mailto_url,
    recipient_problem,
    write_eml,
)
from csconsole.errors import KnownError
from csconsole.formatting import local_time
from csconsole.settings import Settings
from csconsole.usecases.alerts import record_response, response_note, tick_action
from csconsole.views.alerts import draft as draft_parts
from csconsole.views.alerts.draft import DraftBox
from csconsole.views.alerts.model import (
    C_ASSIGNED,
    C_CLIENT,
    C_LEFT,
    C_RAISED,
    C_STATUS,
    C_WHY,
    AlertsModel,
    AlertsProxy,
)
from csconsole.views.alerts.protocol import ProtocolBox, due_text
from csconsole.views.bus import Change
from csconsole.views.files import FilePlaces, open_path
from csconsole.views.tab import Tab, TabServices
from csconsole.views.table_model import ID_ROLE
from csconsole.views.table_state import restore_table, save_table, setup_columns
from csconsole.views.tasks import TaskContext

#: How often the time-left column counts down.
TICK_MS = 30_000
#: What the user did, as the engine records it.
RESPONSE_CHOICES = (("Email sent", "email"), ("Call held", "call"), ("Note", "note"))


class AlertsView(Tab):
    """Open alerts above; the selected alert's protocol, response and draft below."""

    #: Alerts were (re)loaded from the cache.
    loaded = Signal()
    #: The draft of the selected alert is shown (its id).
    draft_shown = Signal(int)

    def __init__(
        self,
        *,
        templates: Templates | None = None,
        now: Callable[[], datetime] | None = None,
        **services: Unpack[TabServices],
    ) -> None:
        super().__init__(**services)
        #: Where the .eml dialog starts (the main window shares its remembered places).
        self.places = FilePlaces()
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
        self.protocol = protocol_box = ProtocolBox()
        self.heading, self.due = protocol_box.heading, protocol_box.due
        self.assigned, self.reasons = protocol_box.assigned, protocol_box.reasons
        self.checklist = protocol_box.checklist

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
        self.draft_box = draft_box = DraftBox()
        self.to, self.subject, self.body = draft_box.to, draft_box.subject, draft_box.body
        self.draft_state = draft_box.state
        self.copy_button, self.mail_button = draft_box.copy_button, draft_box.mail_button
        self.save_button, self.reset_button = draft_box.save_button, draft_box.reset_button

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

    def on_change(self, change: Change) -> None:
        """Alerts raised by a sync, an import or the demo, or answered elsewhere."""
        if change.about("data", "alerts", "settings"):
            self.reload()

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
            self.due.setText(due_text(alert, self.model.now))

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

    def _show_alert(self, alert: AlertView | None) -> None:
        self.current_id = None if alert is None else alert.id
        self._filling = True
        try:
            self.details.setEnabled(alert is not None)
            self.protocol.show_alert(alert, self.model.now)
            if alert is None:
                self.response_state.clear()
                self.draft_box.clear()
                return
            answered = alert.closed_at is not None
            for widget in (self.kind, self.note, self.record_button):
                widget.setEnabled(not answered)
            self.response_state.setText(
                f"Answered {local_time(alert.closed_at)} — {alert.response_kind}: {alert.response_note}"
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
            self.draft_box.set_editable(False)
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
        self.draft_box.set_editable(True)
        self.draft_shown.emit(alert.id)

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
        try:
            ticked = tick_action(self.cache, alert.id, position=position, done=done, now=self.now())
        except KnownError as exc:
            self._show_problem(str(exc))
            return
        # Nothing else shows a checklist: the tick is not published.
        self.model.update(alert.with_item(ticked))

    def record_response(self) -> None:
        alert = self.current_alert()
        if alert is None or alert.closed_at is not None:
            return
        kind = str(self.kind.currentData())
        note, subject = self.note.text(), self.subject.text()
        if not response_note(kind=kind, note=note, draft_subject=subject):
            self.response_state.setText("Say in a few words what was done, then record it.")
            self.note.setFocus()
            return
        try:
            record_response(
                self.cache, alert.id, kind=kind, note=note, draft_subject=subject, now=self.now()
            )
        except KnownError as exc:
            self.response_state.setText(str(exc))
            return
        self.response_state.setText("Answered; the alert is closed.")
        self.current_id = None
        self.reload()
        self.publish({"alerts"}, {alert.client_key})

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
        """Ask what to do with a draft too long for a mail link (tests answer it)."""
        return draft_parts.ask_too_long(self, text)

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
        target = draft_parts.eml_path(path)
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


__all__ = ["AlertsView"]
