"""The Opportunities tab: the opportunity database as a filterable, sortable table with a
form that checks as you type, a per-opportunity history, and CSV/.xlsx export and import.

Rows come from :mod:`csconsole.opportunities` (no SQL here). Filtering and sorting work
on keys the model computes once per load, so 10,000 rows filter in a few milliseconds
(bench/bench_opportunities.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from csconsole import clock
from csconsole import opportunities as engine
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.errors import KnownError
from csconsole.opportunities import Context, Opportunity
from csconsole.views.files import FilePlaces
from csconsole.views.table_model import RIGHT, SORT_ROLE, Index, RowsModel
from csconsole.views.table_state import restore_table, save_table, setup_columns
from csconsole.views.tasks import TaskContext, TaskRunner
from csconsole.views.theme import error_colour

#: Characters of a long text shown in a cell; the tooltip has more.
CELL_CHARS = 120
TIP_CHARS = 1500

COLUMNS = (
    "ID", "Client", "Category", "Area", "Current state", "Improvement potential",
    "Expected benefit", "Investment", "Timeline", "Annual ROI", "Priority",
    "Required package", "Status", "Owner", "Next review",
)  # fmt: skip
(C_ID, C_CLIENT, C_CATEGORY, C_AREA, C_CURRENT, C_IMPROVEMENT, C_BENEFIT, C_INVESTMENT,
 C_TIMELINE, C_ROI, C_PRIORITY, C_PACKAGE, C_STATUS, C_OWNER, C_REVIEW) = range(len(COLUMNS))  # fmt: skip
NUMERIC = frozenset({C_INVESTMENT, C_TIMELINE, C_ROI, C_REVIEW})
#: Columns hidden until the user shows them (right-click the header).
DEFAULT_HIDDEN = (C_CATEGORY, C_CURRENT, C_IMPROVEMENT)
#: Long-text columns that narrow (cut with "…") so every column stays in view.
SHRINKABLE = (C_CLIENT, C_CATEGORY, C_AREA, C_CURRENT, C_IMPROVEMENT, C_BENEFIT, C_PACKAGE, C_OWNER)
PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2}
STATUS_ORDER = {s: i for i, s in enumerate(engine.STATUSES)}


def one_line(text: str, limit: int = CELL_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def money(value: float | None) -> str:
    return "" if value is None else f"${value:,.0f}"


class OpportunityModel(RowsModel):
    """Rows of :class:`Opportunity`; display text, sort keys and tooltips by role."""

    columns = COLUMNS

    def __init__(self) -> None:
        super().__init__()
        self._search: list[str] = []
        self._overdue: list[bool] = []
        self.today = clock.today()
        self.tier_labels: dict[str, str] = {}
        self.category_labels: dict[str, str] = {}

    def set_rows(self, rows: Sequence[Opportunity], *, today: date) -> None:
        self.beginResetModel()
        self.today = today
        self._rows = list(rows)
        self._reindex()
        self.endResetModel()

    def _reindex(self) -> None:
        self._search = [o.search_text() for o in self._rows]
        self._overdue = [o.overdue(self.today) for o in self._rows]

    def rows(self) -> list[Opportunity]:
        return list(self._rows)

    def search_text(self, row: int) -> str:
        return self._search[row]

    def is_overdue(self, row: int) -> bool:
        return self._overdue[row]

    def row_of(self, opp_id: str) -> int:
        for i, o in enumerate(self._rows):
            if o.id == opp_id:
                return i
        return -1

    def item_id(self, opp: Opportunity) -> str:
        return opp.id

    def role_data(self, opp: Opportunity, row: int, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(opp, row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC:
            return RIGHT
        return None

    def display(self, opp: Opportunity, row: int, column: int) -> str:
        if column == C_ID:
            return opp.id
        if column == C_CLIENT:
            return opp.client_name
        if column == C_CATEGORY:
            return self.category_labels.get(opp.category, opp.category)
        if column == C_AREA:
            return one_line(opp.area)
        if column == C_CURRENT:
            return one_line(opp.current_state)
        if column == C_IMPROVEMENT:
            return one_line(opp.improvement)
        if column == C_BENEFIT:
            return one_line(opp.benefit)
        if column == C_INVESTMENT:
            return money(opp.investment)
        if column == C_TIMELINE:
            return "" if opp.timeline_weeks is None else f"{opp.timeline_weeks} wk"
        if column == C_ROI:
            if opp.roi is None:
                return ""
            return f"{opp.roi:,.0f} %" + ("" if opp.roi_computed else " (typed)")
        if column == C_PRIORITY:
            return opp.priority.capitalize()
        if column == C_PACKAGE:
            label = self.tier_labels.get(opp.required_tier, opp.required_tier.capitalize())
            return f"{label} ↑ upsell" if opp.upsell else label
        if column == C_STATUS:
            return opp.status.capitalize()
        if column == C_OWNER:
            return one_line(opp.owner)
        if opp.next_review is None:
            return ""
        return ("⚠ " if self._overdue[row] else "") + opp.next_review.isoformat()

    def sort_key(self, opp: Opportunity, column: int) -> Any:
        if column == C_ID:
            return (opp.category, int(opp.id.split("-")[-1]) if "-" in opp.id else 0)
        if column == C_INVESTMENT:
            return -1.0 if opp.investment is None else opp.investment
        if column == C_TIMELINE:
            return -1 if opp.timeline_weeks is None else opp.timeline_weeks
        if column == C_ROI:
            return -1e18 if opp.roi is None else opp.roi
        if column == C_PRIORITY:
            return PRIORITY_ORDER.get(opp.priority, 9)
        if column == C_STATUS:
            return STATUS_ORDER.get(opp.status, 9)
        if column == C_REVIEW:
            return opp.next_review.toordinal() if opp.next_review else 10**7
        return self.display(opp, 0, column).casefold() if column != C_REVIEW else ""

    def _tooltip(self, opp: Opportunity, row: int, column: int) -> str | None:
        if column in (C_AREA, C_CURRENT, C_IMPROVEMENT, C_BENEFIT, C_OWNER):
            text = {C_AREA: opp.area, C_CURRENT: opp.current_state,
                    C_IMPROVEMENT: opp.improvement, C_BENEFIT: opp.benefit,
                    C_OWNER: opp.owner}[column]  # fmt: skip
            if column == C_BENEFIT and opp.annual_benefit is not None:
                text += f"\nExpected annual benefit: {money(opp.annual_benefit)}"
            return (text[:TIP_CHARS] + "…" if len(text) > TIP_CHARS else text) or None
        if column == C_ROI and opp.roi is not None:
            if opp.roi_computed:
                return (
                    f"(annual benefit {money(opp.annual_benefit)} − investment "
                    f"{money(opp.investment)}) ÷ investment"
                )
            return "Typed: the benefit or the investment is not a number"
        if column == C_PACKAGE and opp.upsell:
            return (
                f"The client has {opp.client_tier.capitalize()}; this needs "
                f"{opp.required_tier.capitalize()}: an upsell"
            )
        if column == C_REVIEW and self._overdue[row]:
            return "The review date has passed"
        if column == C_CLIENT:
            return opp.client_key
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in Python with one key per row (fast for 10,000 rows), keeping selections."""
        if not 0 <= column < len(COLUMNS):
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        ids = [self._rows[i.row()].id for i in old]
        pairs = sorted(
            ((self.sort_key(o, column), i) for i, o in enumerate(self._rows)),
            key=lambda p: p[0],
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        self._rows = [self._rows[i] for _, i in pairs]
        self._reindex()
        where = {o.id: r for r, o in enumerate(self._rows)}
        self.changePersistentIndexList(
            old, [self.index(where[i], p.column()) for i, p in zip(ids, old, strict=True)]
        )
        self.layoutChanged.emit()


class OpportunityFilter(QSortFilterProxyModel):
    """Filters by client, category, priority, status, required package and overdue review,
    and searches every text field. Sorting is the source model's (see its ``sort``)."""

    def __init__(self) -> None:
        super().__init__()
        self.filters: dict[str, str] = {}
        self.overdue_only = False
        self.text = ""
        self.setSortRole(SORT_ROLE)

    def set_filters(
        self, *, filters: dict[str, str], overdue_only: bool = False, text: str = ""
    ) -> None:
        self.beginFilterChange()
        self.filters = {k: v for k, v in filters.items() if v}
        self.overdue_only = overdue_only
        self.text = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, OpportunityModel)
        opp = model.row_at(source_row)
        for name, wanted in self.filters.items():
            if getattr(opp, name) != wanted:
                return False
        if self.overdue_only and not model.is_overdue(source_row):
            return False
        return not self.text or self.text in model.search_text(source_row)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.sourceModel()
        if isinstance(model, OpportunityModel):
            model.sort(column, order)


class OpportunityTable(QTableView):
    """Enter edits the current opportunity, as a double-click does."""

    edit_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.edit_requested.emit()
            return
        super().keyPressEvent(event)


# --- the form ------------------------------------------------------------------------------


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
        for p in engine.PRIORITIES:
            priority.addItem(p.capitalize(), p)
        tier = QComboBox()
        for t in sorted(ctx.tiers.values(), key=lambda t: t.rank):
            tier.addItem(t.label, t.key)
        status = QComboBox()
        for s in engine.STATUSES:
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
        for name, value in engine.raw_of(opp).items():
            self.set_value(name, value)
        self._touched.clear()

    def raw(self) -> dict[str, Any]:
        return {name: self.value(name) for name in self.editors}

    def validate_now(self) -> engine.Checked:
        checked = engine.validate(self.raw(), self.ctx, opp_id=self.opp_id)
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
            benefit = money(opp.annual_benefit) if opp.annual_benefit is not None else "—"
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

    def __init__(self, opp_id: str, changes: list[engine.Change], parent: QWidget | None = None):
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


# --- the tab -------------------------------------------------------------------------------


class OpportunitiesView(QWidget):
    """The tab: toolbar, filters and search, the table, and the totals of the visible rows."""

    loaded = Signal()
    #: The store changed for these client keys (the dashboard and portfolio refresh).
    changed = Signal(object)

    def __init__(
        self,
        *,
        cache: Cache,
        catalog: Catalog,
        runner: TaskRunner,
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.cache = cache
        self.catalog = catalog
        self.runner = runner
        self.today = today
        self.ctx: Context | None = None
        self._select_after_load = ""
        #: Where the export and import dialogs start (the main window shares its places).
        self.places = FilePlaces()
        self.model = OpportunityModel()
        self.proxy = OpportunityFilter()
        self.proxy.setSourceModel(self.model)

        self._build_actions()
        toolbar = QToolBar("Opportunities")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in self.edit_actions():
            toolbar.addAction(action)
        toolbar.addSeparator()
        toolbar.addAction(self.export_action)
        toolbar.addAction(self.import_action)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search opportunities…")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search opportunities")
        self.combos: dict[str, QComboBox] = {}
        for name, everything in (
            ("client_key", "All clients"),
            ("category", "All categories"),
            ("priority", "All priorities"),
            ("status", "All statuses"),
            ("required_tier", "All packages"),
        ):
            combo = QComboBox()
            combo.addItem(everything, "")
            combo.setAccessibleName(f"Filter: {everything.lower()}")
            # Long client names must not widen the window's minimum size.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(5)
            self.combos[name] = combo
        for p in engine.PRIORITIES:
            self.combos["priority"].addItem(p.capitalize(), p)
        for s in engine.STATUSES:
            self.combos["status"].addItem(s.capitalize(), s)
        self.overdue = QCheckBox("Overdue review")

        self.table = OpportunityTable()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.table.horizontalHeader().setResizeContentsPrecision(60)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        # Category is in the ID's prefix; the long texts are in the form and the tooltips.
        # Shown, they pushed Priority … Next review off a laptop's screen.
        self.fitter = setup_columns(self.table, hidden=DEFAULT_HIDDEN, shrink=SHRINKABLE)
        self._sized = False
        self._wanted: dict[str, str] = {}
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.table.edit_requested.connect(self.edit_selected)

        #: One line at the top while no row is shown, saying what to do.
        self.empty_hint = QLabel()
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.hide()
        self.totals = QLabel()
        self.totals.setAccessibleName("Totals of the visible opportunities")
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.hide()

        bar = QHBoxLayout()
        bar.addWidget(self.search, 4)
        for combo in self.combos.values():
            bar.addWidget(combo, 1)
        bar.addWidget(self.overdue)
        layout = QVBoxLayout(self)
        layout.addWidget(toolbar)
        layout.addWidget(self.empty_hint)
        layout.addLayout(bar)
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.totals)

        self.search.textChanged.connect(self.apply_filters)
        for combo in self.combos.values():
            combo.currentIndexChanged.connect(self.apply_filters)
        self.overdue.toggled.connect(self.apply_filters)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.proxy.layoutChanged.connect(self._update_totals)
        self._selection_changed()

    # --- actions ------------------------------------------------------------------------

    def _action(
        self, text: str, shortcuts: Sequence[QKeySequence], slot: Callable[[], Any]
    ) -> QAction:
        action = QAction(text, self)
        action.setShortcuts(list(shortcuts))
        # Only while the tab has focus: Ctrl+D or Del elsewhere keeps its own meaning.
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.add_action = self._action("&Add opportunity…", [QKeySequence("Ctrl+N")], self.add_new)
        self.edit_action = self._action(
            "&Edit opportunity…", [QKeySequence("Ctrl+E")], self.edit_selected
        )
        self.duplicate_action = self._action(
            "D&uplicate opportunity…", [QKeySequence("Ctrl+D")], self.duplicate_selected
        )
        self.delete_action = self._action(
            "De&lete opportunity…", [QKeySequence(QKeySequence.StandardKey.Delete)],
            self.delete_selected,
        )  # fmt: skip
        self.history_action = self._action(
            "&History of opportunity…", [QKeySequence("Ctrl+H")], self.show_history
        )
        self.export_action = self._action("E&xport visible rows…", [], self.export_visible)
        self.import_action = self._action("&Import opportunities…", [], self.import_from_file)

    def edit_actions(self) -> list[QAction]:
        """The actions the main window's Edit menu shows too."""
        return [self.add_action, self.edit_action, self.duplicate_action, self.delete_action,
                self.history_action]  # fmt: skip

    def _context_menu(self, pos: Any) -> None:
        menu = QMenu(self)
        for action in self.edit_actions():
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.export_action)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def _selection_changed(self, *_args: object) -> None:
        has = self.selected() is not None
        for action in (self.edit_action, self.duplicate_action, self.delete_action,
                       self.history_action):  # fmt: skip
            action.setEnabled(has)

    # --- remembered between sessions ---------------------------------------------------

    def save_state(self, settings: QSettings) -> None:
        """Filters, search, sort and columns, for the next start."""
        for name, combo in self.combos.items():
            settings.setValue(f"opportunities/{name}", str(combo.currentData() or ""))
        settings.setValue("opportunities/overdue", self.overdue.isChecked())
        settings.setValue("opportunities/search", self.search.text())
        save_table(settings, "opportunities", self.table)

    def restore_state(self, settings: QSettings) -> None:
        for name, combo in self.combos.items():
            value = str(settings.value(f"opportunities/{name}", ""))
            if combo.findData(value) > 0:
                combo.setCurrentIndex(combo.findData(value))
            elif value:
                self._wanted[name] = value  # the clients and categories come with the data
        self.overdue.setChecked(bool(settings.value("opportunities/overdue", False, type=bool)))
        self.search.setText(str(settings.value("opportunities/search", "")))
        if restore_table(settings, "opportunities", self.table):
            self._sized = True

    # --- data ---------------------------------------------------------------------------

    def reload(self, *, select: str = "") -> None:
        """Reload every opportunity from the cache off the GUI thread."""
        self._select_after_load = select or self._select_after_load or (self.selected_id() or "")
        cache, catalog = self.cache, self.catalog

        def work(_ctx: TaskContext) -> tuple[Context, list[Opportunity]]:
            ctx = engine.load_context(cache, catalog)
            return ctx, engine.list_opportunities(cache, ctx)

        self.runner.start("opportunities", work, on_success=self._show, on_failure=self.show_notice)

    def _show(self, result: tuple[Context, list[Opportunity]]) -> None:
        ctx, rows = result
        self.ctx = ctx
        self.model.tier_labels = {k: t.label for k, t in ctx.tiers.items()}
        self.model.category_labels = {k: c.label for k, c in ctx.categories.items()}
        self._fill_combo("client_key", [(c.key, c.name) for c in
                         sorted(ctx.clients.values(), key=lambda c: c.name.casefold())])  # fmt: skip
        self._fill_combo("category", [(c.prefix, c.label) for c in ctx.categories.values()])
        self._fill_combo(
            "required_tier",
            [(t.key, t.label) for t in sorted(ctx.tiers.values(), key=lambda t: t.rank)],
        )
        first = not self._sized
        self._sized = True
        self.model.set_rows(rows, today=self.today or clock.today())
        header = self.table.horizontalHeader()
        if header.sortIndicatorSection() >= 0:
            self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        if first:
            self.table.resizeColumnsToContents()
            # Long texts are cut (the tooltip has them) so status, package and review fit.
            for column, width in ((C_CATEGORY, 150), (C_AREA, 170), (C_CURRENT, 160),
                                  (C_IMPROVEMENT, 170), (C_BENEFIT, 160), (C_OWNER, 120)):  # fmt: skip
                self.table.setColumnWidth(column, min(self.table.columnWidth(column), width))
            if self.fitter is not None:
                self.fitter.fit()
        self._update_totals()
        if self._select_after_load:
            self.select_id(self._select_after_load)
            self._select_after_load = ""
        self.loaded.emit()

    def _fill_combo(self, name: str, items: list[tuple[str, str]]) -> None:
        combo = self.combos[name]
        current = self._wanted.pop(name, "") or combo.currentData()
        combo.blockSignals(True)
        while combo.count() > 1:
            combo.removeItem(1)
        for value, label in items:
            combo.addItem(label, value)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.blockSignals(False)

    def apply_filters(self) -> None:
        self.proxy.set_filters(
            filters={name: str(combo.currentData() or "") for name, combo in self.combos.items()},
            overdue_only=self.overdue.isChecked(),
            text=self.search.text(),
        )
        self._update_totals()

    def visible_rows(self) -> list[Opportunity]:
        proxy, model = self.proxy, self.model
        return [model.row_at(proxy.mapToSource(proxy.index(r, 0)).row())
                for r in range(proxy.rowCount())]  # fmt: skip

    def _update_totals(self) -> None:
        rows = self.visible_rows()
        if self.model.rowCount() == 0:
            hint = "No opportunities yet: Add one (Ctrl+N) or Import a spreadsheet from the toolbar."  # fmt: skip
        elif not rows:
            hint = "No opportunity matches: clear the search or set the filters back to All."
        else:
            hint = ""
        self.empty_hint.setText(hint)
        self.empty_hint.setVisible(bool(hint))
        investment = sum(o.investment or 0.0 for o in rows)
        benefit = sum(o.annual_benefit or 0.0 for o in rows)
        today = self.today or clock.today()
        overdue = sum(o.overdue(today) for o in rows)
        upsell = sum(o.upsell for o in rows)
        self.totals.setText(
            f"{len(rows)} of {self.model.rowCount()} opportunities · investment "
            f"{money(investment) or '$0'} · expected annual benefit {money(benefit) or '$0'} · "
            f"{overdue} overdue for review · {upsell} upsell"
        )

    def selected(self) -> Opportunity | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(
            index.row(), index.parent()
        ):
            return None
        source = self.proxy.mapToSource(index)
        return self.model.row_at(source.row()) if source.isValid() else None

    def selected_id(self) -> str | None:
        opp = self.selected()
        return opp.id if opp else None

    def select_id(self, opp_id: str) -> bool:
        row = self.model.row_of(opp_id)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    def show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    # --- editing ---------------------------------------------------------------------------

    def make_dialog(self, opportunity: Opportunity | None, title: str) -> OpportunityDialog | None:
        if self.ctx is None:
            return None
        return OpportunityDialog(self.ctx, opportunity=opportunity, title=title, parent=self)

    def run_dialog(self, dialog: OpportunityDialog) -> Opportunity | None:
        """Shows the form modally; tests replace this to fill and accept it."""
        return dialog.result_opportunity if dialog.exec() else None

    def add_new(self, template: Opportunity | None = None) -> str | None:
        title = "Duplicate opportunity" if template else "Add opportunity"
        dialog = self.make_dialog(template, title)
        if dialog is None:
            return None
        if template is not None:
            dialog.opp_id = ""
            dialog.id_label.setText("given when saved")
            dialog.editors["category"].setEnabled(True)
            dialog.validate_now()
        opp = self.run_dialog(dialog)
        if opp is None:
            return None
        opp_id = self._write(lambda: engine.create(self.cache, replace(opp, id="")))
        if opp_id:
            self.show_notice(f"Added {opp_id}.")
            self.reload(select=opp_id)
            self.changed.emit({opp.client_key})
        return opp_id

    def edit_selected(self) -> None:
        opp = self.selected()
        if opp is None:
            return
        dialog = self.make_dialog(opp, f"Edit {opp.id}")
        if dialog is None:
            return
        edited = self.run_dialog(dialog)
        if edited is None:
            return
        if self._write(lambda: engine.save(self.cache, edited)) is not None:
            self.show_notice(f"Saved {opp.id}.")
            self.reload(select=opp.id)
            self.changed.emit({opp.client_key, edited.client_key})

    def duplicate_selected(self) -> None:
        opp = self.selected()
        if opp is not None:
            self.add_new(template=opp)

    def confirm(self, text: str) -> bool:
        """Asks before a delete; tests replace this."""
        answer = QMessageBox.question(
            self,
            "Delete opportunity",
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def delete_selected(self) -> None:
        opp = self.selected()
        if opp is None:
            return
        if not self.confirm(
            f"Delete {opp.id} ({one_line(opp.area, 60)}) for {opp.client_name}? "
            "Its history is kept; the ID is not given again."
        ):
            return
        if self._write(lambda: engine.remove(self.cache, opp.id)) is not None:
            self.show_notice(f"Deleted {opp.id}.")
            self.reload()
            self.changed.emit({opp.client_key})

    def _write(self, fn: Callable[[], Any]) -> Any:
        """A short write transaction on the GUI thread; a known failure becomes a notice."""
        try:
            result = fn()
        except KnownError as exc:
            self.show_notice(str(exc))
            return None
        return True if result is None else result

    def show_history(self) -> HistoryDialog | None:
        opp = self.selected()
        if opp is None:
            return None
        dialog = HistoryDialog(opp.id, engine.history(self.cache, opp.id), parent=self)
        dialog.open()
        return dialog

    # --- files ------------------------------------------------------------------------------

    def ask_save_path(self) -> str:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export opportunities",
            self.places.start("opportunities-export", "opportunities.xlsx"),
            "Excel (*.xlsx);;CSV (*.csv)",
        )
        if path:
            self.places.remember("opportunities-export", path)
        return path

    def ask_open_path(self) -> str:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Import opportunities",
            self.places.start("opportunities-import"),
            "Spreadsheets (*.xlsx *.csv)",
        )
        if path:
            self.places.remember("opportunities-import", path)
        return path

    def export_visible(self) -> None:
        path = self.ask_save_path()
        if not path:
            return
        rows = self.visible_rows()

        def work(_ctx: TaskContext) -> int:
            return engine.export_rows(rows, Path(path))

        self.runner.start(
            "opportunities-export",
            work,
            on_success=lambda n: self.show_notice(f"Exported {n} opportunities to {path}."),
            on_failure=self.show_notice,
        )

    def import_from_file(self) -> None:
        path = self.ask_open_path()
        if not path or self.ctx is None:
            return
        ctx, cache = self.ctx, self.cache

        def work(_ctx: TaskContext) -> engine.ImportReport:
            return engine.import_file(cache, ctx, Path(path))

        def done(report: engine.ImportReport) -> None:
            self.show_notice(report.text())
            self.reload()
            self.changed.emit(set(ctx.clients))

        def failed(message: str) -> None:
            # The first bad line up front; the whole message in the tooltip.
            first = message.split("; ")[0]
            more = message.count("; line ")
            self.show_notice(f"Nothing imported: {first}" + (f" (and {more} more)" if more else ""))
            self.notice.setToolTip(message[:4000])

        self.runner.start("opportunities-import", work, on_success=done, on_failure=failed)
