"""The Client dashboard's trend chart: a metric over 3 to 24 months with its target line,
zoom and a crosshair. pyqtgraph loads with the first data, not with the console."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from csconsole.dashboard import RANGES_MONTHS, Series
from csconsole.health.rules import fmt_value
from csconsole.views.theme import current_theme

#: The trend chart's least height, before and after its plot exists.
CHART_MIN_HEIGHT = 200


def _timestamp(day: date) -> float:
    return datetime.combine(day, time(12)).timestamp()


class TrendChart(QWidget):
    """A metric's trend with its target line, 3/6/12/24-month ranges, zoom and a crosshair."""

    range_changed = Signal(int)
    metric_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.metric_box = QComboBox()
        self.metric_box.setAccessibleName("Metric to chart")
        self.range_buttons = QButtonGroup(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Trend of"))
        bar.addWidget(self.metric_box, 1)
        for months in RANGES_MONTHS:
            button = QToolButton()
            button.setText(f"{months} m")
            button.setCheckable(True)
            button.setToolTip(f"Show the last {months} months")
            self.range_buttons.addButton(button, months)
            bar.addWidget(button)
        self.range_buttons.button(6).setChecked(True)
        self.empty = QLabel("No samples in this range.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()
        self.series: Series | None = None
        # The plot is made with the first data: pyqtgraph costs a sixth of a second to
        # import, which the console's start (the Portfolio) should not pay.
        self.plot: Any = None
        self.plot_host = QVBoxLayout()
        self.plot_host.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addLayout(self.plot_host, 1)
        layout.addWidget(self.empty)
        # Never crushed to nothing by the splitter above it (the plot comes with the data).
        self.setMinimumHeight(CHART_MIN_HEIGHT)
        self.range_buttons.idClicked.connect(self.range_changed)
        self.metric_box.currentIndexChanged.connect(
            lambda _i: self.metric_changed.emit(str(self.metric_box.currentData() or ""))
        )

    def _build_plot(self) -> None:
        import pyqtgraph as pg

        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        self.plot.setAccessibleName("Trend chart")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setMinimumHeight(180)
        self.curve = self.plot.plot(
            [], [], pen=pg.mkPen("#2f6fd6", width=2), symbol="o", symbolSize=5
        )
        self.target = pg.InfiniteLine(
            angle=0, movable=False, pen=pg.mkPen("#d35400", width=1.5, style=Qt.PenStyle.DashLine)
        )
        self.target.setVisible(False)
        self.plot.addItem(self.target)
        self.vline = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#888888", width=1))
        self.plot.addItem(self.vline, ignoreBounds=True)
        self.tip = pg.TextItem(anchor=(0, 1))
        self.plot.addItem(self.tip, ignoreBounds=True)
        self.plot_host.addWidget(self.plot)
        self.plot.show()  # a widget added to a visible layout is otherwise shown later
        self.plot.scene().sigMouseMoved.connect(self._hover)
        self.apply_theme()

    def months(self) -> int:
        return int(self.range_buttons.checkedId())

    def set_metrics(self, metrics: tuple[tuple[str, str], ...], keep: str | None) -> None:
        self.metric_box.blockSignals(True)
        self.metric_box.clear()
        for key, label in metrics:
            self.metric_box.addItem(label, key)
        index = self.metric_box.findData(keep) if keep else -1
        self.metric_box.setCurrentIndex(index if index >= 0 else 0)
        self.metric_box.blockSignals(False)

    def set_data(self, series: Series) -> None:
        """The one way data reaches the chart."""
        if self.plot is None:
            self._build_plot()
        self.series = series
        xs = [_timestamp(d) for d in series.days]
        self.curve.setData(xs, list(series.values))
        self.plot.setLabel("left", series.unit or series.label)
        if series.target is not None:
            self.target.setValue(series.target)
            self.target.setVisible(True)
        else:
            self.target.setVisible(False)
        self.empty.setVisible(not xs)
        self.tip.setText("")
        self.plot.enableAutoRange()

    def _hover(self, pos: QPointF) -> None:
        if self.series is None or not self.series.days:
            return
        view = self.plot.getPlotItem().vb
        if not self.plot.sceneBoundingRect().contains(pos):
            return
        point = view.mapSceneToView(pos)
        xs = [_timestamp(d) for d in self.series.days]
        nearest = min(range(len(xs)), key=lambda i: abs(xs[i] - point.x()))
        self.vline.setPos(xs[nearest])
        value = self.series.values[nearest]
        text = f"{self.series.days[nearest].isoformat()}\n{fmt_value(value, self.series.unit)}"
        if self.series.target is not None:
            text += f"\ntarget {fmt_value(self.series.target, self.series.unit)}"
        self.tip.setText(text)
        self.tip.setPos(xs[nearest], value)

    def apply_theme(self) -> None:
        if self.plot is None:
            return
        dark = current_theme() == "dark"
        self.plot.setBackground("#17191c" if dark else "#ffffff")
        colour = "#e8eaed" if dark else "#1d2125"
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).setTextPen(colour)
            self.plot.getAxis(axis).setPen(colour)
        self.tip.setColor(QColor(colour))


__all__ = ["CHART_MIN_HEIGHT", "TrendChart"]
