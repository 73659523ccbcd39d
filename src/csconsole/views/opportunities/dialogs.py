"""The Opportunities tab's dialogs: the form that adds or edits one opportunity, checked
as the user types, and the history of one opportunity's changes."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from csconsole.formatting import money, one_line
from csconsole.opportunities.checks import Checked, raw_of, validate
from csconsole.opportunities.context import Context
from csconsole.opportunities.model import PRIORITIES, STATUSES, Opportunity
from csconsole.opportunities.store import Change
from csconsole.views.theme import error_colour


class OpportunityDialog(QDialog):
    """Add or edit one opportunity; every keystroke is checked with the engine's rules, the
    message shows at its field, OK stays disabled until the whole form is valid."""

    def __init__(
        self,
        ctx: Context,
        *,
        opportunity: Opportunity | None = None,
        title: str = "Opportunity",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.ctx = ctx
        self.opp_id = opportunity.id if opportunity else ""
        self.result_opportunity: Opportunity | None = None
        self._touched: set[str] = set()
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)

        self.id_label = QLabel(self.opp_id or "given when saved")
        form.addRow("ID", self.id_label)
        client = QComboBox()
        client.addItem("", "")
        for c in sorted(ctx.clients.values(), key=lambda c: c.name.casefold()):
            client.addItem(f"{c.name} ({c.key}, {c.tier.capitalize()})", c.key)
        category = QComboBox()
        for cat in ctx.categories.values():
            category.addItem(f"{cat.prefix} · {cat.label}", cat.prefix)
        category.setEnabled(not self.opp_id)  # the ID carries the category
        priority = QComboBox()
        for p in PRIORITIES:
            priority.addItem(p.capitalize(), p)
        tier = QComboBox()
        for t in sorted(ctx.tiers.values(), key=lambda t: t.rank):
            tier.addItem(t.label, t.key)
        status = QComboBox()
        for s in STATUSES:
            status.addItem(s.capitalize(), s)
        unit = QComboBox()
        unit.addItem("—", "")
        unit.addItem("$ per month", "$/month")
        unit.addItem("hours per week", "h/week")

        def line(placeholder: str = "") -> QLineEdit:
            edit = QLineEdit()
            edit.setPlaceholderText(placeholder)
            return edit

        def text_box() -> QPlainTextEdit:
            box = QPlainTextEdit()
            box.setTabChangesFocus(True)
            box.setFixedHeight(52)
            return box

        self.editors = {
            "client_key": client,
            "category": category,
            "area": line("the process, integration or feature"),
            "current_state": text_box(),
            "improvement": text_box(),
            "benefit": line("e.g. +3 hours/week savings, $2,000/month"),
            "benefit_amount": line("number, read from the benefit if blank"),
            "benefit_unit": unit,
            "investment": line("$"),
            "timeline_weeks": line("weeks"),
            "roi_typed": line("% a year, when it cannot be computed"),
            "priority": priority,
            "required_tier": tier,
            "status": status,
            "owner": line(),
            "next_review": line("YYYY-MM-DD"),
        }
        labels = {
            "client_key": "&Client", "category": "Ca&tegory", "area": "&Area",
            "current_state": "Current &state", "improvement": "&Improvement potential",
            "benefit": "Expected &benefit", "benefit_amount": "Benefit a&mount",
            "benefit_unit": "Benefit &unit", "investment": "In&vestment ($)",
            "timeline_weeks": "Time&line (weeks)", "roi_typed": "Annual &ROI (%)",
            "priority": "&Priority", "required_tier": "Re&quired package", "status": "Stat&us",
            "owner": "&Owner", "next_review": "&Next review",
        }  # fmt: skip
        for name, editor in self.editors.items():
            error = QLabel()
            error.setObjectName("fieldError")
            error.setStyleSheet(f"color: {error_colour().name()};")
            error.setWordWrap(True)
            error.hide()
            self.errors[name] = error
            cell = QWidget()
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(editor)
            column.addWidget(error)
            form.addRow(labels[name], cell)
            editor.setAccessibleName(labels[name].replace("&", ""))
            self._watch(name, editor)
        self.roi_label = QLabel()
        self.upsell_label = QLabel()
        form.addRow("Computed", self.roi_label)
        form.addRow("", self.upsell_label)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        if opportunity is not None:
            self.load(opportunity)
        self.validate_now()

    @property
    def ok_button(self) -> QPushButton:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert button is not None
        return button

    def _watch(self, name: str, editor: QWidget) -> None:
        def changed(*_args: object) -> None:
            self._touched.add(name)
            self.validate_now()

        if isinstance(editor, QComboBox):
            editor.currentIndexChanged.connect(changed)
        elif isinstance(editor, QLineEdit | QPlainTextEdit):
            editor.textChanged.connect(changed)

    def set_value(self, name: str, value: Any) -> None:
        editor = self.editors[name]
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(0, editor.findData(value if value is not None else "")))
        elif isinstance(editor, QLineEdit):
            if isinstance(value, float):
                value = f"{value:g}" if abs(value) < 1e15 else f"{value:.0f}"
            editor.setText("" if value is None else str(value))
        elif isinstance(editor, QPlainTextEdit):
            editor.setPlainText("" if value is None else str(value))

    def value(self, name: str) -> Any:
        editor = self.editors[name]
        if isinstance(editor, QComboBox):
            return editor.currentData()
        if isinstance(editor, QLineEdit):
            return editor.text()
        if isinstance(editor, QPlainTextEdit):
            return editor.toPlainText()
        return None

    def load(self, opp: Opportunity) -> None:
        for name, value in raw_of(opp).items():
            self.set_value(name, value)
        self._touched.clear()

    def raw(self) -> dict[str, Any]:
        return {name: self.value(name) for name in self.editors}

    def validate_now(self) -> Checked:
        checked = validate(self.raw(), self.ctx, opp_id=self.opp_id)
        for name, label in self.errors.items():
            message = checked.errors.get(name)
            # A required field not yet touched is not an error to shout about; OK stays off.
            show = bool(message) and (name in self._touched or bool(self.opp_id))
            label.setText(message or "")
            label.setVisible(show)
        self.ok_button.setEnabled(checked.ok)
        self.ok_button.setToolTip(checked.message())
        opp = checked.opportunity
        if opp is None:
            self.roi_label.setText("—")
            self.upsell_label.setText("")
        else:
            benefit = money(opp.annual_benefit, cents=False)
            roi = "—" if opp.roi is None else f"{opp.roi:,.0f} %"
            how = "computed" if opp.roi_computed else ("typed" if opp.roi is not None else "")
            self.roi_label.setText(
                f"Expected annual benefit {benefit} · annual ROI {roi}"
                + (f" ({how})" if how else "")
            )
            self.upsell_label.setText(
                f"↑ Upsell: the client has {opp.client_tier.capitalize()}" if opp.upsell else ""
            )
        roi_editor = self.editors["roi_typed"]
        roi_editor.setEnabled(not (opp is not None and opp.roi_computed))
        return checked

    def _accept(self) -> None:
        checked = self.validate_now()
        if checked.opportunity is None:
            return
        self.result_opportunity = checked.opportunity
        self.accept()


class HistoryDialog(QDialog):
    """Every change of one opportunity: when, who, what (field: old → new)."""

    def __init__(self, opp_id: str, changes: list[Change], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"History of {opp_id}")
        self.table = QTableWidget(len(changes), 4)
        self.table.setHorizontalHeaderLabels(["When", "Who", "Action", "Changes"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for r, change in enumerate(reversed(changes)):
            cells = (
                change.at.astimezone().strftime("%Y-%m-%d %H:%M"),
                change.who,
                change.action,
                "\n".join(one_line(line, 160) for line in change.lines()),
            )
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(760, 420)
