"""The Client dashboard's figures: the status chip, a panel of figures per part of the
tier's package, and the weekly tracking table."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from csconsole.dashboard import TRACKING_COLUMNS, Dashboard, Figure, Panel
from csconsole.health.rules import MARKS, fmt_value
from csconsole.views.table_state import setup_columns
from csconsole.views.theme import current_theme, status_colours, status_label


class StatusChip(QPushButton):
    """The client's status in colour, symbol and word; clicking it explains why."""

    def set_status(self, status: str, text: str = "") -> None:
        bg, fg = status_colours(status)
        self.setText(f"{status_label(status)}{'  ' + text if text else ''}")
        self.setStyleSheet(
            f"QPushButton {{ background: {bg.name()}; color: {fg.name()}; border-radius: 10px;"
            f" padding: 4px 12px; font-weight: 600; }}"
        )
        self.setAccessibleName(f"Status {status}. Press to see why.")


class FigureRow(QWidget):
    """One figure: label, value, mark, target and variance, freshness; the tooltip says the rule."""

    def __init__(self, figure: Figure, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        mark = MARKS[figure.mark][0]
        value = QLabel(f"<b>{html.escape(figure.value_text())}</b> {mark}")
        value.setTextFormat(Qt.TextFormat.RichText)
        label = QLabel(figure.label)
        details = ["tracked" if figure.target is None else f"target {figure.target_text()}"]
        if figure.mark == "tolerance":
            details.append(figure.mark_text)
        if figure.variance_text():
            details.append(f"variance {figure.variance_text()}")
        if figure.latest_sample:
            details.append(f"as of {figure.latest_sample.isoformat()}")
        if figure.stale:
            details.append("⚠ stale")
        sub = QLabel(" · ".join(details))
        sub.setObjectName("figureDetails")
        # Wrapping lets four panels share a laptop's width instead of scrolling sideways.
        label.setWordWrap(True)
        sub.setWordWrap(True)
        font = sub.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        sub.setFont(font)
        sub.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        if figure.band in ("yellow", "red", "no data"):
            _, fg = status_colours("red" if figure.band == "red" else "yellow")
            value.setStyleSheet(f"color: {fg.name()};" if current_theme() == "light" else "")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 2, 0, 2)
        grid.addWidget(label, 0, 0)
        grid.addWidget(value, 0, 1, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(sub, 1, 0, 1, 2)
        tip = figure.rule
        if figure.previous is not None:
            tip += f"\nLast month: {fmt_value(figure.previous, figure.unit)}."
        if figure.stale:
            tip += "\nThe latest sample is older than expected for this metric."
        self.setToolTip(tip)
        self.setAccessibleName(f"{figure.label}: {figure.value_text()}, {figure.mark_text}")


class PanelBox(QGroupBox):
    def __init__(self, panel: Panel, parent: QWidget | None = None) -> None:
        super().__init__(panel.title, parent)
        if panel.tooltip:
            self.setToolTip(panel.tooltip)
        layout = QVBoxLayout(self)
        for figure in panel.figures:
            layout.addWidget(FigureRow(figure))
        if panel.lines:
            grid = QGridLayout()
            for row, (label, text) in enumerate(panel.lines):
                grid.addWidget(QLabel(label), row, 0)
                value = QLabel(text)
                value.setAlignment(Qt.AlignmentFlag.AlignRight)
                grid.addWidget(value, row, 1)
            layout.addLayout(grid)
        if panel.note:
            note = QLabel(panel.note)
            note.setWordWrap(True)
            note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            layout.addWidget(note)
        layout.addStretch()


class WeeklyTable(QTableWidget):
    """Seed 002's monthly tracking sheet for the month shown."""

    HEADERS = ("Week of", "Uptime", "Hours saved", "Errors", "Satisfaction", "Notes")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.HEADERS), parent)
        self.setHorizontalHeaderLabels(self.HEADERS)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.setAlternatingRowColors(True)
        self.setAccessibleName("Weekly tracking")
        setup_columns(self)

    def set_rows(self, dashboard: Dashboard) -> None:
        self.setRowCount(len(dashboard.weekly))
        for r, week in enumerate(dashboard.weekly):
            cells = (
                week.week_start.isoformat(),
                fmt_value(week.uptime, "%"),
                fmt_value(week.hours_saved, "h/week").replace(" h/week", " h"),
                fmt_value(week.errors, "count"),
                fmt_value(week.satisfaction, "/10"),
                week.note,
            )
            for c, text in enumerate(cells):
                metric = TRACKING_COLUMNS[c - 1] if 0 < c < 5 else None
                typed = metric is not None and metric in week.typed
                # A value the CSM typed in a tracking sheet is marked, and says so.
                item = QTableWidgetItem(f"✎ {text}" if typed else text)
                if typed:
                    item.setToolTip("Typed in a tracking sheet: used instead of the warehouse's")
                    font = item.font()
                    font.setItalic(True)
                    item.setFont(font)
                if 0 < c < 5:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.setItem(r, c, item)
        self.resizeColumnsToContents()
        self.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)


__all__ = ["FigureRow", "PanelBox", "StatusChip", "WeeklyTable"]
