"""The Alerts tab's letter: the draft box (recipient, subject and body to edit, what
became of the draft, the buttons that hand it over) and the question asked when a
draft is too long for a mail link."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class DraftBox(QGroupBox):
    """The selected alert's letter, editable; the tab fills it and connects its buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Email draft", parent)
        self.to = QLabel()
        self.to.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.to.setMinimumWidth(1)  # a long address must not widen the window
        self.subject = QLineEdit()
        self.subject.setAccessibleName("Subject")
        self.body = QPlainTextEdit()
        self.body.setAccessibleName("Body")
        self.body.setTabChangesFocus(True)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setToolTip("Copy recipient, subject and body to the clipboard")
        self.mail_button = QPushButton("Open in &mail program")
        self.save_button = QPushButton("&Save .eml…")
        self.save_button.setToolTip("Save as a draft that Outlook, Thunderbird and Apple Mail open")
        self.reset_button = QPushButton("Redo from t&emplate")
        self.reset_button.setToolTip("Drop your edits and draft again from the current template")
        to_row = QHBoxLayout()
        to_row.addWidget(self.to, 1)
        to_row.addWidget(self.reset_button)
        form = QFormLayout()
        form.addRow("To:", to_row)
        form.addRow("Subject:", self.subject)
        buttons = QHBoxLayout()
        for button in (self.copy_button, self.mail_button, self.save_button):
            buttons.addWidget(button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.state)
        layout.addLayout(buttons)

    def clear(self) -> None:
        for label in (self.to, self.state):
            label.clear()
        self.subject.clear()
        self.body.clear()

    def set_editable(self, enabled: bool) -> None:
        """Whether the draft can be edited and handed over (not while it is drafted)."""
        for widget in (
            self.subject,
            self.body,
            self.copy_button,
            self.mail_button,
            self.save_button,
            self.reset_button,
        ):
            widget.setEnabled(enabled)


def ask_too_long(parent: QWidget, text: str) -> str:
    """Ask what to do with a draft too long for a mail link: "save", "copy" or ""."""
    box = QMessageBox(parent)
    box.setWindowTitle("Draft too long for a mail link")
    box.setText(text)
    save = box.addButton("Save .eml…", QMessageBox.ButtonRole.AcceptRole)
    copy = box.addButton("Copy", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    clicked = box.clickedButton()
    return "save" if clicked is save else "copy" if clicked is copy else ""


def eml_path(path: str) -> Path:
    """The file chosen for a draft, with the .eml its mail programs look for."""
    target = Path(path)
    return target if target.suffix.lower() == ".eml" else target.with_name(target.name + ".eml")


__all__ = ["DraftBox", "ask_too_long", "eml_path"]
