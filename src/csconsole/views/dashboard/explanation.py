"""Why a client has its status: one row per reason (metric, actual, target, shortfall,
rule) and what changed since the month before, in a dialog the status chip opens."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from csconsole.dashboard import Dashboard
from csconsole.health.rules import fmt_pct, fmt_value
from csconsole.views.theme import status_label

#: How each health rule reads in the "why" table.
RULE_WORDS = {
    "shortfall": "Short of target",
    "satisfaction": "Satisfaction band",
    "uptime": "Uptime band",
    "no_data": "No data this month",
    "incident": "Open issue",
}


def _cell(text: str, *, right: bool = False, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if tip:
        item.setToolTip(tip)
    return item


class ExplanationDialog(QDialog):
    """Why the client has its status (one row per reason: metric, actual, target,
    shortfall, rule) and what changed since last month."""

    REASON_HEADERS = ("Metric", "Actual", "Target", "Shortfall", "Rule", "Status", "Since last month")  # fmt: skip
    MOVE_HEADERS = ("Metric", "Last month", "This month", "Change", "Band")

    def __init__(self, dashboard: Dashboard, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        ex = dashboard.explanation
        cur, prev = ex.current, ex.previous
        self.setWindowTitle(f"Why {dashboard.client.name} is {cur.status}")
        head = f"{cur.client_name} is <b>{status_label(cur.status)}</b> in {cur.month}"
        if prev is not None:
            head += f"; it was {status_label(prev.status)} in {prev.month}"
        self.headline = QLabel(head + ".")
        self.headline.setWordWrap(True)
        units = {k.metric: k.unit for k in cur.kpis}
        if prev is not None:
            units = {**{k.metric: k.unit for k in prev.kpis}, **units}
        rows = [(r, "New") for r in ex.new_reasons] + [(r, "Still true") for r in ex.kept_reasons]
        rows += [(r, "Cleared") for r in ex.cleared_reasons]
        self.reasons = QTableWidget(len(rows), len(self.REASON_HEADERS))
        self.reasons.setHorizontalHeaderLabels(self.REASON_HEADERS)
        for i, (reason, since) in enumerate(rows):
            unit = units.get(reason.metric or "", "")
            metric = reason.metric or None
            target = "" if reason.target is None else fmt_value(reason.target, unit, metric)
            shortfall = "" if reason.shortfall is None else fmt_pct(reason.shortfall)
            cells = (
                _cell(reason.label, tip=reason.text),
                _cell(fmt_value(reason.actual, unit, metric), right=True),
                _cell(target, right=True),
                _cell(shortfall, right=True),
                _cell(RULE_WORDS.get(reason.rule, reason.rule), tip=reason.text),
                _cell(status_label(reason.status) if since != "Cleared" else "cleared"),
                _cell(since),
            )
            for c, item in enumerate(cells):
                self.reasons.setItem(i, c, item)
        self.none_label = QLabel("Every targeted metric is within 10 % of target and no issue is open.")  # fmt: skip
        self.none_label.setVisible(not cur.reasons)
        self.reasons.setVisible(bool(rows))
        self.moves = QTableWidget(len(ex.moves), len(self.MOVE_HEADERS))
        self.moves.setHorizontalHeaderLabels(self.MOVE_HEADERS)
        for i, m in enumerate(ex.moves):
            change = "" if m.change is None else ("+" if m.change >= 0 else "") + fmt_value(m.change, m.unit, m.metric)  # fmt: skip
            band = m.band_after if m.band_before == m.band_after else f"{m.band_before} → {m.band_after}"  # fmt: skip
            move_cells = (
                _cell(m.label),
                _cell(fmt_value(m.before, m.unit, m.metric), right=True),
                _cell(fmt_value(m.after, m.unit, m.metric), right=True),
                _cell(change, right=True),
                _cell(band),
            )
            for c, item in enumerate(move_cells):
                self.moves.setItem(i, c, item)
        carried = [f"{k.label}: no sample due yet this month; {k.carried_from}'s value used." for k in cur.kpis if k.carried_from]  # fmt: skip
        self.notes = QLabel("\n".join(carried))
        self.notes.setWordWrap(True)
        self.notes.setVisible(bool(carried))
        for table in (self.reasons, self.moves):
            table.verticalHeader().setVisible(False)
            table.setWordWrap(False)
            table.resizeColumnsToContents()
            table.horizontalHeader().setStretchLastSection(True)
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(QLabel("<b>Reasons</b>"))
        layout.addWidget(self.none_label)
        layout.addWidget(self.reasons, 3)
        moved = QLabel("<b>What changed since last month</b>" if prev is not None else "<b>No earlier month to compare with</b>")  # fmt: skip
        layout.addWidget(moved)
        layout.addWidget(self.moves, 2)
        layout.addWidget(self.notes)
        layout.addWidget(buttons)
        self.resize(820, 480)

    def reason_rows(self) -> list[list[str]]:
        """The reasons table as text, row by row."""
        t = self.reasons
        return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]  # type: ignore[union-attr]


__all__ = ["RULE_WORDS", "ExplanationDialog"]
