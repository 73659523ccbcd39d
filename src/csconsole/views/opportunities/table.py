"""The Opportunities tab's table: the model over :class:`Opportunity` rows, its filter
proxy, and the table view. Filtering and sorting work on keys the model computes once
per load, so 10,000 rows filter in a few milliseconds (bench/bench_opportunities.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QTableView

from csconsole import clock
from csconsole.formatting import money, one_line
from csconsole.opportunities.model import STATUSES, Opportunity
from csconsole.views.table_model import RIGHT, SORT_ROLE, Index, RowsModel

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
STATUS_ORDER = {s: i for i, s in enumerate(STATUSES)}


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
            return one_line(opp.area, CELL_CHARS)
        if column == C_CURRENT:
            return one_line(opp.current_state, CELL_CHARS)
        if column == C_IMPROVEMENT:
            return one_line(opp.improvement, CELL_CHARS)
        if column == C_BENEFIT:
            return one_line(opp.benefit, CELL_CHARS)
        if column == C_INVESTMENT:
            return "" if opp.investment is None else money(opp.investment, cents=False)
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
            return one_line(opp.owner, CELL_CHARS)
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
                text += f"\nExpected annual benefit: {money(opp.annual_benefit, cents=False)}"
            return (text[:TIP_CHARS] + "…" if len(text) > TIP_CHARS else text) or None
        if column == C_ROI and opp.roi is not None:
            if opp.roi_computed:
                return (
                    f"(annual benefit {money(opp.annual_benefit, cents=False)} − investment "
                    f"{money(opp.investment, cents=False)}) ÷ investment"
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
