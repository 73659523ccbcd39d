"""What the main window shows beside its tabs: the welcome page in place of empty grids,
and the banner for problems that must not block the window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class WelcomePage(QWidget):
    """Shown instead of empty grids when the cache has no clients yet."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("<h2>No client data yet</h2>")
        self.text = text = QLabel(
            "csconsole works from a local copy of your clients' metrics. Load the demo data "
            "to look around, or add your company's warehouse as a source and sync it."
        )
        text.setWordWrap(True)
        self.demo_button = QPushButton("Load the &demo data")
        self.source_button = QPushButton("&Add a data source…")
        self.demo_button.setDefault(True)
        layout = QVBoxLayout(self)
        layout.addStretch()
        for widget in (title, text, self.demo_button, self.source_button):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        # A wrapped label centred in a layout is given its narrowest width and clipped;
        # a fixed width lets it take the height its lines need.
        text.setFixedWidth(480)
        text.setMinimumHeight(text.heightForWidth(480))
        text.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch()


class Banner(QFrame):
    """A dismissable message above the tabs, for problems that must not block the window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("banner")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QPushButton("Dismiss")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(close)
        self.hide()

    def show_message(self, text: str) -> None:
        self.text.setText(text)
        self.show()


__all__ = ["Banner", "WelcomePage"]
