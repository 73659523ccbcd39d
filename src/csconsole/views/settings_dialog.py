"""Settings: data sources (add, test, remove; passwords to keyring), retention, bands, theme."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from csconsole.cache import Cache
from csconsole.errors import KnownError, NoKeyringError
from csconsole.ingest.sources import add_source, list_sources, remove_source, test_source
from csconsole.ingest.warehouse import parse_url
from csconsole.models import Source
from csconsole.settings import Settings
from csconsole.views.tasks import TaskRunner
from csconsole.views.theme import THEMES

#: Band fields shown in the dialog: (settings key, label, minimum, maximum, step, suffix).
#: Shortfalls are fractions in the engine and percentages on screen.
PERCENT_BANDS = ("shortfall_yellow", "shortfall_red")
BAND_FIELDS = (
    ("shortfall_yellow", "Yellow when a metric is short by at least", 0.0, 100.0, 1.0, " %"),
    ("shortfall_red", "Red when a metric is short by more than", 0.0, 100.0, 1.0, " %"),
    ("satisfaction_yellow", "Yellow when satisfaction is at or below", 0.0, 10.0, 0.1, " /10"),
    ("satisfaction_red", "Red when satisfaction is below", 0.0, 10.0, 0.1, " /10"),
    ("uptime_yellow", "Yellow when uptime is at or below", 0.0, 100.0, 0.1, " %"),
    ("uptime_red", "Red when uptime is below", 0.0, 100.0, 0.1, " %"),
)


class AddSourceDialog(QDialog):
    """Name, URL and password of a SQL warehouse, checked as the user types."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a data source")
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. warehouse")
        self.url = QLineEdit()
        self.url.setPlaceholderText("postgresql://user@host:5432/database")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("kept in the system keyring")
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setObjectName("problem")
        form = QFormLayout()
        form.addRow("&Name:", self.name)
        form.addRow("&URL:", self.url)
        form.addRow("&Password:", self.password)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.name.textChanged.connect(self.validate)
        self.url.textChanged.connect(self.validate)
        self.validate()

    def validate(self) -> bool:
        problem = ""
        name = self.name.text().strip()
        if not name:
            problem = "Give the source a name."
        elif len(name) > 100:
            problem = "The name is longer than 100 characters."
        elif not self.url.text().strip():
            problem = "Enter the warehouse's URL."
        else:
            try:
                parse_url(self.url.text().strip())
            except KnownError as exc:
                problem = str(exc)
        self.problem.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)
        return not problem


class SettingsDialog(QDialog):
    def __init__(
        self,
        *,
        cache: Cache,
        runner: TaskRunner,
        theme: str,
        remember_password: Callable[[str, str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.cache = cache
        self.runner = runner
        self.remember_password = remember_password
        self.settings = Settings.load()
        tabs = QTabWidget()
        tabs.addTab(self._sources_tab(), "&Sources")
        tabs.addTab(self._general_tab(theme), "&General")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(buttons)
        self.resize(620, 440)
        self.reload_sources()

    # --- sources ---------------------------------------------------------------

    def _sources_tab(self) -> QWidget:
        page = QWidget()
        self.source_list = QListWidget()
        self.source_list.setAccessibleName("Data sources")
        self.add_button = QPushButton("&Add…")
        self.test_button = QPushButton("&Test connection")
        self.remove_button = QPushButton("&Remove")
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.add_button.clicked.connect(self.add_source)
        self.test_button.clicked.connect(self.test_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.source_list.currentItemChanged.connect(lambda *_: self._update_buttons())
        buttons = QHBoxLayout()
        for button in (self.add_button, self.test_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch()
        layout = QVBoxLayout(page)
        layout.addWidget(self.source_list)
        layout.addLayout(buttons)
        layout.addWidget(self.test_result)
        return page

    def reload_sources(self) -> None:
        self.source_list.clear()
        for source in list_sources(self.cache):
            when = (
                source.last_success_at.astimezone().strftime("%Y-%m-%d %H:%M")
                if source.last_success_at
                else "never synced"
            )
            item = QListWidgetItem(f"{source.name} — {source.url} ({when})")
            item.setData(Qt.ItemDataRole.UserRole, source.name)
            self.source_list.addItem(item)
        if self.source_list.count():
            self.source_list.setCurrentRow(0)
        self._update_buttons()

    def _selected(self) -> str | None:
        item = self.source_list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def _update_buttons(self) -> None:
        has = self._selected() is not None
        self.test_button.setEnabled(has)
        self.remove_button.setEnabled(has)

    def add_source(self) -> None:
        dialog = AddSourceDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        name, url = dialog.name.text().strip(), dialog.url.text().strip()
        password = dialog.password.text() or None
        try:
            add_source(self.cache, name=name, url=url, password=password)
        except NoKeyringError as exc:
            if password:
                self.remember_password(name, password)
            QMessageBox.information(self, "Password kept for this session", f"{exc}.")
        except KnownError as exc:
            QMessageBox.warning(self, "Source not added", str(exc))
        self.reload_sources()

    def test_selected(self) -> None:
        name = self._selected()
        if name is None:
            return
        source = next(s for s in list_sources(self.cache) if s.name == name)
        self.test_result.setText(f"Testing {name}…")
        self.test_button.setEnabled(False)

        def work(_ctx: Any, source: Source = source) -> str:
            from csconsole import credentials

            password = None
            if source.needs_password:
                try:
                    password = credentials.get_password(source.name)
                except NoKeyringError:
                    password = None
            return test_source(source, password=password)

        self.runner.start(
            f"test:{name}",
            work,
            on_success=self.test_result.setText,
            on_failure=lambda message: self.test_result.setText(f"Not reachable: {message}"),
            on_finish=self._update_buttons,
        )

    def remove_selected(self) -> None:
        name = self._selected()
        if name is None:
            return
        answer = QMessageBox.question(
            self,
            "Remove source",
            f"Remove the source “{name}” and its stored password? Data already synced stays "
            "in the cache until the retention removes it.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            remove_source(self.cache, name)
        except KnownError as exc:
            QMessageBox.warning(self, "Source not removed", str(exc))
        self.reload_sources()

    # --- general ---------------------------------------------------------------

    def _general_tab(self, theme: str) -> QWidget:
        page = QWidget()
        self.retention = QSpinBox()
        self.retention.setRange(1, 120)
        self.retention.setSuffix(" months")
        self.retention.setValue(self.settings.retention_months)
        self.theme = QComboBox()
        for name in THEMES:
            self.theme.addItem(name.capitalize(), name)
        self.theme.setCurrentIndex(max(0, self.theme.findData(theme)))
        form = QFormLayout()
        form.addRow("Keep samples for:", self.retention)
        form.addRow("&Theme:", self.theme)
        bands_box = QGroupBox("Status bands")
        bands_form = QFormLayout(bands_box)
        self.band_edits: dict[str, QDoubleSpinBox] = {}
        bands = self._current_bands()
        for key, label, low, high, step, suffix in BAND_FIELDS:
            edit = QDoubleSpinBox()
            edit.setRange(low, high)
            edit.setSingleStep(step)
            edit.setDecimals(2)
            edit.setSuffix(suffix)
            scale = 100.0 if key in PERCENT_BANDS else 1.0
            edit.setValue(float(bands.get(key, 0.0)) * scale)
            self.band_edits[key] = edit
            bands_form.addRow(label, edit)
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(bands_box)
        layout.addWidget(self._details_box())
        layout.addStretch()
        return page

    def _details_box(self) -> QGroupBox:
        """The CSM's own details, filled into email drafts (no secrets: settings.json)."""
        box = QGroupBox("Your details in email drafts")
        form = QFormLayout(box)
        self.detail_edits: dict[str, QLineEdit] = {}
        for key, label, hint in (
            ("csm_name", "&Name:", "default: the client's CSM"),
            ("csm_phone", "&Phone:", "your direct line"),
            ("csm_calendar_link", "&Calendar link:", "https://… where clients book a call"),
            ("fix_timeline", "&Fix timeline:", "what a red letter promises, e.g. within 24 hours"),
            (
                "locale",
                "&Locale:",
                "how letters and reports write figures and dates: en, en_GB, de…",
            ),
        ):
            edit = QLineEdit(str(getattr(self.settings, key)))
            edit.setPlaceholderText(hint)
            self.detail_edits[key] = edit
            form.addRow(label, edit)
        return box

    def _current_bands(self) -> dict[str, Any]:
        from csconsole.health.bands import Bands

        try:
            return Bands.load(self.settings.health_bands or {}).as_dict()
        except KnownError:
            return Bands().as_dict()

    def chosen_theme(self) -> str:
        return str(self.theme.currentData())

    def accept(self) -> None:
        from csconsole.health.bands import Bands

        overrides = {
            key: round(edit.value() / 100.0, 6) if key in PERCENT_BANDS else edit.value()
            for key, edit in self.band_edits.items()
        }
        try:
            Bands.from_mapping(overrides)
        except KnownError as exc:
            QMessageBox.warning(self, "Bands not saved", str(exc))
            return
        from csconsole import formatting

        locale = self.detail_edits["locale"].text().strip() or formatting.DEFAULT_LOCALE
        if not formatting.is_known_locale(locale):
            QMessageBox.warning(self, "Settings not saved", f"{locale!r} is not a locale (try en, en_GB, de, fr)")  # fmt: skip
            return
        self.settings.retention_months = self.retention.value()
        self.settings.health_bands = overrides
        for key, edit in self.detail_edits.items():
            setattr(self.settings, key, edit.text().strip())
        self.settings.locale = locale
        try:
            self.settings.save()
        except KnownError as exc:
            QMessageBox.warning(self, "Settings not saved", str(exc))
            return
        formatting.set_locale(None)  # figures and dates follow the saved locale from now on
        super().accept()
