"""The Alerts tab's protocol box: what the selected alert asks for (by when, of whom,
why) and its checklist of actions, ticked per alert."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from csconsole.alerts import AlertView
from csconsole.formatting import local_time
from csconsole.views.alerts.model import time_left_text
from csconsole.views.theme import status_label


def due_text(alert: AlertView, now: datetime) -> str:
    """Within how long, by when, and how much time is left: the "Respond:" line."""
    hours = (alert.due_at - alert.raised_at).total_seconds() / 3600
    within = f"within {hours:g} h, by {local_time(alert.due_at)}"
    return f"{within} — {time_left_text(alert, now).lower()}"


class ProtocolBox(QGroupBox):
    """Heading, due time, who is assigned, the reasons, and the checklist; each action
    carries its position (``Qt.UserRole``) for the tick to name it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Protocol", parent)
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
        form = QFormLayout()
        form.addRow("Respond:", self.due)
        form.addRow("Assigned to:", self.assigned)
        form.addRow("Why:", self.reasons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(QLabel("Actions:"))
        layout.addWidget(self.checklist, 1)

    def show_alert(self, alert: AlertView | None, now: datetime) -> None:
        """Fill the box with ``alert`` (None: the hint to select one); an answered alert's
        actions show as they were left, and cannot be ticked."""
        self.checklist.clear()
        if alert is None:
            self.heading.setText("<i>Select an alert to see its protocol and draft.</i>")
            for label in (self.due, self.assigned, self.reasons):
                label.clear()
            return
        was = f", was {alert.previous_status}" if alert.previous_status else ""
        self.heading.setText(
            f"<b>{status_label(alert.status)}</b> — <b>{alert.client_name}</b> "
            f"({alert.client_key}), {alert.month}{was}; raised {local_time(alert.raised_at)}"
        )
        self.due.setText(due_text(alert, now))
        self.assigned.setText(alert.assigned_to)
        self.reasons.setText("\n".join(f"• {r}" for r in alert.reasons))
        flags = Qt.ItemFlag.ItemIsUserCheckable
        if alert.closed_at is None:
            flags |= Qt.ItemFlag.ItemIsEnabled
        for item in alert.checklist:
            widget_item = QListWidgetItem(f"{item.position}. {item.text}")
            widget_item.setData(Qt.ItemDataRole.UserRole, item.position)
            widget_item.setFlags(flags)
            widget_item.setCheckState(
                Qt.CheckState.Checked if item.done else Qt.CheckState.Unchecked
            )
            if item.ticked_at:
                widget_item.setToolTip(f"Done {local_time(item.ticked_at)}")
            self.checklist.addItem(widget_item)


__all__ = ["ProtocolBox", "due_text"]
