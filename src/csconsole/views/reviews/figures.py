"""The Reviews tab's figures: the status, rating and why, every KPI against target from
the engine (read-only), and which sections the PDF will leave out."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from csconsole import formatting as fmt
from csconsole import wording
from csconsole.health.rules import MARKS, TREND_ARROWS, fmt_value
from csconsole.review_facts import ReviewFacts
from csconsole.views.table_state import setup_columns
from csconsole.views.theme import status_colours, status_label

#: Widest the figures' Group and Status columns get, in pixels (the rest is the metric's).
FIGURE_COLUMN_CAPS = {0: 120, 4: 150}


def fit_height(label: QLabel) -> None:
    """A wrapped label asks for the height its text needs at its width: the splitter does
    not pass height-for-width down, so the table below would squeeze it."""
    label.setMinimumHeight(label.heightForWidth(max(label.width(), 240)) if label.text() else 0)


class FiguresPanel(QWidget):
    """The client-month's status line, why, what the PDF leaves out, and the KPI table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status_label = QLabel("")
        self.status_label.setObjectName("reviewStatus")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.summary_label = QLabel("")
        self.summary_label.setWordWrap(True)
        # Sections with nothing to print are left out of the PDF; say which, as they change.
        self.left_out_label = QLabel("")
        self.left_out_label.setObjectName("leftOutLabel")
        self.left_out_label.setWordWrap(True)
        self.left_out_label.setTextFormat(Qt.TextFormat.PlainText)
        self.figures = QTableWidget(0, 5)
        self.figures.setHorizontalHeaderLabels(["Group", "Metric", "This month", "Target", "Status"])  # fmt: skip
        self.figures.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.figures.verticalHeader().setVisible(False)
        self.figures.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        setup_columns(self.figures)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.status_label)
        column.addWidget(self.summary_label)
        column.addWidget(self.left_out_label)
        column.addWidget(self.figures, 1)

    def clear(self) -> None:
        self.figures.setRowCount(0)
        self.status_label.setText("")
        self.summary_label.setText("")

    def set_left_out(self, parts: list[str]) -> None:
        """The sections the PDF will leave out (nothing typed, nothing derived)."""
        self.left_out_label.setText(
            f"Will be left out of the PDF (nothing to print): {', '.join(parts)}." if parts else ""
        )
        fit_height(self.left_out_label)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        for label in (self.summary_label, self.left_out_label):
            fit_height(label)

    def show_facts(self, facts: ReviewFacts) -> None:
        ev = facts.evaluation
        self.status_label.setText(f"{status_label(ev.status)}  ·  rating {ev.rating if ev.rating is not None else '—'}/10 {TREND_ARROWS.get(ev.trend, '')}")  # fmt: skip
        bg, fg = status_colours(ev.status)
        self.status_label.setStyleSheet(f"QLabel {{ background: {bg.name()}; color: {fg.name()}; padding: 4px; font-weight: bold; }}")  # fmt: skip
        why = "\n".join(wording.reason_sentences(ev)) or wording.no_reason_sentence(ev)
        roi = facts.roi
        if roi is not None:
            why += f"\nValue this month {fmt.money(roi.current.value)}; year-to-date ROI {fmt.percent(roi.ytd_roi)}"  # fmt: skip
        self.summary_label.setText(why)
        fit_height(self.summary_label)
        rows = [(title, k) for title, kpis in facts.groups for k in kpis]
        self.figures.setRowCount(len(rows))
        for r, (title, k) in enumerate(rows):
            target = "tracked" if k.target is None else fmt_value(k.target, k.unit, k.metric)
            # The group is named on its first row only, so the metric's name has the room.
            first = r == 0 or rows[r - 1][0] != title
            texts = [title if first else "", k.label, fmt_value(k.value, k.unit, k.metric), target, k.band]  # fmt: skip
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)  # engine figures
                if c in (2, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)  # fmt: skip
                if c == 4 and k.band in ("green", "yellow", "red"):
                    bg, fg = status_colours(k.band)
                    item.setBackground(bg)
                    item.setForeground(fg)
                    # ✓ only at or above target; below it inside the band, say so.
                    symbol = MARKS[k.mark][0]
                    item.setText(f"{symbol} {k.mark_text()}")
                self.figures.setItem(r, c, item)
        for column in (0, 2, 3, 4):
            self.figures.resizeColumnToContents(column)
        # The metric's name keeps the room: a long group or mark is cut ("…") and shown
        # whole on hover.
        for column, widest in FIGURE_COLUMN_CAPS.items():
            self.figures.setColumnWidth(column, min(self.figures.columnWidth(column), widest))


__all__ = ["FiguresPanel", "fit_height"]
