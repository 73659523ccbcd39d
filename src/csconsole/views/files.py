"""Where file dialogs start, and opening a file or folder on the desktop.

Each kind of file (review PDFs, opportunity exports, email drafts…) remembers the last
folder used for it; the first time, dialogs start in the user's Documents folder.
When the desktop cannot open a file or folder, the console says so and offers the path.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget


def documents_dir() -> Path:
    """The user's Documents folder (the home folder where there is none)."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    path = Path(found) if found else Path.home()
    return path if path.is_dir() else Path.home()


class FilePlaces:
    """The last folder per kind of file, kept in the console's settings (or, without
    settings, for this session)."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self.settings = settings
        self._session: dict[str, str] = {}

    def folder(self, kind: str) -> Path:
        """Where a dialog for ``kind`` starts."""
        value = self.settings.value(f"files/{kind}") if self.settings else self._session.get(kind)
        if isinstance(value, str) and value and Path(value).is_dir():
            return Path(value)
        return documents_dir()

    def start(self, kind: str, name: str = "") -> str:
        """The dialog's starting path: the folder, with a suggested file name."""
        folder = self.folder(kind)
        return str(folder / name) if name else str(folder)

    def remember(self, kind: str, chosen: str | Path) -> None:
        """Keep the folder of a chosen file (or a chosen folder) for next time."""
        path = Path(chosen)
        folder = path if path.is_dir() else path.parent
        if self.settings is not None:
            self.settings.setValue(f"files/{kind}", str(folder))
        else:
            self._session[kind] = str(folder)


def open_path(parent: QWidget | None, path: Path, *, what: str = "") -> QMessageBox | None:
    """Open a file or folder with the desktop's program. When none answers, say so and offer
    to copy the path; returns that message (shown without blocking), or None on success."""
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        return None
    kind = what or ("folder" if path.is_dir() else "file")
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(f"Could not open the {kind}")
    box.setText(f"This desktop has no program to open the {kind}:\n{path}")
    box.setInformativeText("Copy the path and open it from your file manager.")
    copy = box.addButton("&Copy path", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(str(path)))
    box.open()
    return box
