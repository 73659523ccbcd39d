"""The Client dashboard tab: the tier's panels, trend charts and the weekly tracking table."""

from __future__ import annotations

import html
from datetime import date, datetime, time
from typing import Any

from PySide6.QtCore import QPointF, QSettings, Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDragMoveEvent, QDropEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from csconsole import clock
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.dashboard import (
    RANGES_MONTHS,
    TRACKING_COLUMNS,
    Dashboard,
    Figure,
    Panel,
    Series,
    build_dashboard,
    metric_series,
)
from csconsole.health.rules import MARKS, fmt_pct, fmt_value
from csconsole.views.import_dialog import sheet_path
from csconsole.views.portfolio_view import trend_arrow
from csconsole.views.table_state import restore_table, save_table, setup_columns
from csconsole.views.tasks import TaskContext, TaskRunner
from csconsole.views.theme import current_theme, status_colours, status_label

PANEL_COLUMNS = 4
#: The trend chart's least height, before and after its plot exists.
CHART_MIN_HEIGHT = 200


def _timestamp(day: date) -> float:
    return datetime.combine(day, time(12)).timestamp()


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


class DashboardView(QWidget):
    """Client and month selectors, the status chip, panels, chart and weekly table."""

    #: A client-month was shown (client key, month): the Reviews tab follows it.
    shown = Signal(str, str)
    #: A tracking sheet (.csv, .xlsx, .xlsm) was dropped here: import it.
    file_dropped = Signal(str)

    def __init__(
        self, *, cache: Cache, catalog: Catalog, runner: TaskRunner, today: date | None = None
    ) -> None:
        super().__init__()
        self.cache = cache
        self.catalog = catalog
        self.runner = runner
        self.today = today
        self.client_key: str | None = None
        self.pending_client: str | None = None
        self._listed: list[tuple[str, str]] = []  # the picker's clients, as last filled
        self.pending_month: str | None = None
        self.dashboard: Dashboard | None = None
        self.client = QComboBox()
        self.client.setEditable(True)
        self.client.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.client.setAccessibleName("Client")
        self.client.setMinimumWidth(260)
        self.month = QComboBox()
        self.month.setAccessibleName("Month")
        self.chip = StatusChip()
        self.chip.setEnabled(False)
        self.headline = QLabel()
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        header = QHBoxLayout()
        client_label = QLabel("&Client:")
        client_label.setBuddy(self.client)
        header.addWidget(client_label)
        header.addWidget(self.client)
        month_label = QLabel("&Month:")
        month_label.setBuddy(self.month)
        header.addWidget(month_label)
        header.addWidget(self.month)
        header.addWidget(self.chip)
        header.addWidget(self.headline, 1)

        self.panels_host = QWidget()
        self.panels_grid = QGridLayout(self.panels_host)
        panels_scroll = QScrollArea()
        panels_scroll.setWidgetResizable(True)
        panels_scroll.setFrameShape(QFrame.Shape.NoFrame)
        panels_scroll.setWidget(self.panels_host)
        self.chart = TrendChart()
        self.weekly = WeeklyTable()
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.chart)
        lower.addWidget(self.weekly)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setSizes([600, 460])
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(panels_scroll)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([520, 340])
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        #: One line at the top while there is nothing to show; the controls stay in place.
        self.placeholder = QLabel(
            "Choose a client above, or double-click one in the Portfolio (Ctrl+1)."
        )
        self.placeholder.setObjectName("emptyHint")
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.placeholder)
        layout.addWidget(splitter, 1)
        layout.addStretch(0)  # keeps the header at the top while the body is hidden
        self.body = splitter
        self.body.hide()
        self.chip.hide()
        self.month.setEnabled(False)
        self._wanted_month: str | None = None
        self._wanted_metric = ""
        self._load_on_show = False
        self.setAcceptDrops(True)

        self.client.activated.connect(self._client_chosen)
        self.month.activated.connect(lambda _i: self.load())
        self.chip.clicked.connect(self.show_explanation)
        self.chart.range_changed.connect(lambda _m: self.load_chart())
        self.chart.metric_changed.connect(lambda _k: self.load_chart())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if sheet_path(event.mimeData()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if sheet_path(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = sheet_path(event.mimeData())
        if path:
            event.acceptProposedAction()
            self.file_dropped.emit(path)

    # --- data flow ---------------------------------------------------------------

    def set_clients(self, clients: list[tuple[str, str]], *, default: str | None = None) -> None:
        """Fill the picker. The client shown stays; else the last one viewed, else
        ``default`` (the portfolio's worst client), so the tab never opens empty."""
        current = self.client_key or self.pending_client
        listed = sorted(clients, key=lambda c: c[1].casefold())
        if listed != self._listed:  # a refresh that changed no client keeps the picker
            self._listed = listed
            self.client.blockSignals(True)
            self.client.clear()
            for key, name in listed:
                self.client.addItem(f"{name} ({key})", key)
            self.client.blockSignals(False)
        if not (current and self.client.findData(current) >= 0):
            current = default
        if current and self.client.findData(current) >= 0:
            if current == self.client_key and self.dashboard is not None:
                self.client.setCurrentIndex(self.client.findData(current))
            else:
                self.show_client(current, self._wanted_month or self.pending_month)
        else:
            self.client.setCurrentIndex(-1)

    def _client_chosen(self, index: int) -> None:
        key = self.client.itemData(index)
        if key:
            self.show_client(str(key))

    def show_client(self, key: str, month: str | None = None) -> None:
        """Show ``key`` (in ``month`` when given, else its latest month); the work waits
        until the tab is on screen."""
        self.pending_client = None
        self.pending_month = None
        if key != self.client_key:
            self.month.clear()
        self.client_key = key
        self._wanted_month = month
        index = self.client.findData(key)
        if index >= 0:
            self.client.setCurrentIndex(index)
        if self.isVisible():
            self.load()
        else:
            self._load_on_show = True

    def follow(self, key: str, month: str) -> None:
        """Another tab chose this client-month: show it too (nothing when already shown)."""
        if (key, month) != (self.client_key, self.current_month()):
            self.show_client(key, month)

    def current_month(self) -> str:
        if self._wanted_month:
            return self._wanted_month
        return str(self.month.currentData() or (self.dashboard.month if self.dashboard else ""))

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._load_on_show:
            self._load_on_show = False
            self.load()

    def clients_changed(self, keys: set[str]) -> None:
        """A sync changed these clients: reload only if the one shown is among them."""
        if self.client_key and self.client_key in keys:
            self.load()

    def load(self) -> None:
        if not self.client_key:
            return
        self._load_on_show = False
        key, today = self.client_key, self.today
        month = self._wanted_month or self.month.currentData()

        def work(_ctx: TaskContext) -> Dashboard:
            return build_dashboard(
                self.cache, self.catalog, client_key=key, month=month, today=today
            )

        self.runner.start("dashboard", work, on_success=self.set_dashboard, on_failure=self._failed)

    def _failed(self, message: str) -> None:
        self.headline.setText(message)

    def set_dashboard(self, dashboard: Dashboard) -> None:
        if dashboard.client.key != self.client_key:
            return  # another client was chosen while this one loaded
        self.dashboard = dashboard
        self._wanted_month = None
        self.placeholder.hide()
        self.body.show()
        self.chip.show()
        self.month.setEnabled(True)
        self.month.blockSignals(True)
        self.month.clear()
        for label in dashboard.months:
            self.month.addItem(label, label)
        self.month.setCurrentIndex(max(0, self.month.findData(dashboard.month)))
        self.month.blockSignals(False)
        ev = dashboard.explanation.current
        rating = "—" if ev.rating is None else f"{ev.rating:.1f}/10"
        self.chip.setEnabled(True)
        self.chip.set_status(ev.status)
        self.chip.setToolTip(
            "\n".join(r.text for r in ev.reasons) or "Every targeted metric is on target."
        )
        client = dashboard.client
        self.headline.setText(
            f"{client.tier.capitalize()} · package ${client.package_value:,.0f} · rating {rating} "
            f"{trend_arrow(ev.trend)} · CSM {client.csm or '—'} · technical lead "
            f"{client.technical_lead or '—'}" + ("" if ev.complete else " · month to date")
        )
        self._set_panels(dashboard.panels)
        self.weekly.set_rows(dashboard)
        keep = self._wanted_metric or str(self.chart.metric_box.currentData() or "")
        self._wanted_metric = ""
        self.chart.set_metrics(dashboard.chart_metrics, keep or "uptime")
        self.load_chart()
        self.shown.emit(client.key, dashboard.month)

    def _set_panels(self, panels: tuple[Panel, ...]) -> None:
        while self.panels_grid.count():
            item = self.panels_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for i, panel in enumerate(panels):
            self.panels_grid.addWidget(PanelBox(panel), i // PANEL_COLUMNS, i % PANEL_COLUMNS)
        for column in range(PANEL_COLUMNS):
            self.panels_grid.setColumnStretch(column, 1)

    def load_chart(self) -> None:
        dashboard = self.dashboard
        metric = str(self.chart.metric_box.currentData() or "")
        if dashboard is None or not metric:
            return
        kpi = dashboard.explanation.current.kpi(metric)
        target = kpi.target if kpi else None
        months = self.chart.months()
        today = self.today or clock.today()

        def work(_ctx: TaskContext) -> Series:
            return metric_series(
                self.cache,
                self.catalog,
                client=dashboard.client,
                metric=metric,
                months=months,
                today=today,
                target=target,
            )

        self.runner.start("chart", work, on_success=self.chart.set_data, on_failure=self._failed)

    def show_explanation(self) -> None:
        if self.dashboard is not None:
            ExplanationDialog(self.dashboard, self).exec()

    def save_state(self, settings: QSettings) -> None:
        """The client, month, chart metric and range, for the next start."""
        if self.client_key:
            settings.setValue("dashboard/client", self.client_key)
            settings.setValue("dashboard/month", self.current_month())
        metric = self.chart.metric_box.currentData()
        if metric:
            settings.setValue("dashboard/metric", str(metric))
        settings.setValue("dashboard/range", self.chart.months())
        save_table(settings, "dashboard/weekly", self.weekly)

    def restore_state(self, settings: QSettings) -> None:
        client, month = settings.value("dashboard/client"), settings.value("dashboard/month")
        if isinstance(client, str) and client:
            self.pending_client = client
            self.pending_month = month if isinstance(month, str) and month else None
        metric = settings.value("dashboard/metric")
        self._wanted_metric = metric if isinstance(metric, str) else ""
        months = str(settings.value("dashboard/range", ""))
        button = self.chart.range_buttons.button(int(months)) if months.isdigit() else None
        if button is not None:
            button.setChecked(True)
        restore_table(settings, "dashboard/weekly", self.weekly)

    def theme_changed(self) -> None:
        self.chart.apply_theme()
        if self.dashboard is not None:
            self.set_dashboard(self.dashboard)

    def current(self) -> Any:
        return self.dashboard
