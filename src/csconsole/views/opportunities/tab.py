"""The Opportunities tab: the opportunity database as a filterable, sortable table with a
form that checks as you type, a per-opportunity history, and CSV/.xlsx export and import.

Rows come from :mod:`csconsole.opportunities` (no SQL here); the table's parts are in
:mod:`.table`, the form and the history in :mod:`.dialogs`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Unpack

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QToolBar,
    QVBoxLayout,
)

from csconsole import clock
from csconsole.errors import KnownError
from csconsole.formatting import money, one_line
from csconsole.opportunities.context import Context, load_context
from csconsole.opportunities.files import ImportReport, export_rows, import_file
from csconsole.opportunities.model import PRIORITIES, STATUSES, Opportunity
from csconsole.opportunities.store import create, history, list_opportunities, remove, save
from csconsole.views.bus import Change
from csconsole.views.files import FilePlaces
from csconsole.views.opportunities.dialogs import HistoryDialog, OpportunityDialog
from csconsole.views.opportunities.table import (
    C_AREA,
    C_BENEFIT,
    C_CATEGORY,
    C_CURRENT,
    C_IMPROVEMENT,
    C_OWNER,
    DEFAULT_HIDDEN,
    SHRINKABLE,
    OpportunityFilter,
    OpportunityModel,
    OpportunityTable,
)
from csconsole.views.tab import Tab, TabServices
from csconsole.views.table_state import restore_table, save_table, setup_columns
from csconsole.views.tasks import TaskContext

# --- the tab -------------------------------------------------------------------------------


class OpportunitiesView(Tab):
    """The tab: toolbar, filters and search, the table, and the totals of the visible rows."""

    loaded = Signal()

    def __init__(self, **services: Unpack[TabServices]) -> None:
        # This tab's edits are published (the portfolio's counts and the clients'
        # dashboards follow); a sync or the demo reloads it.
        super().__init__(**services)
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
        for p in PRIORITIES:
            self.combos["priority"].addItem(p.capitalize(), p)
        for s in STATUSES:
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

    def on_change(self, change: Change) -> None:
        if change.about("data", "opportunities", "settings"):
            self.reload()

    def reload(self, *, select: str = "") -> None:
        """Reload every opportunity from the cache off the GUI thread."""
        self._select_after_load = select or self._select_after_load or (self.selected_id() or "")
        cache, catalog = self.cache, self.catalog

        def work(_ctx: TaskContext) -> tuple[Context, list[Opportunity]]:
            ctx = load_context(cache, catalog)
            return ctx, list_opportunities(cache, ctx)

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
            f"{money(investment, cents=False)} · expected annual benefit "
            f"{money(benefit, cents=False)} · "
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
        opp_id = self._write(lambda: create(self.cache, replace(opp, id="")))
        if opp_id:
            self.show_notice(f"Added {opp_id}.")
            self.reload(select=opp_id)
            self.publish({"opportunities"}, {opp.client_key})
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
        if self._write(lambda: save(self.cache, edited)) is not None:
            self.show_notice(f"Saved {opp.id}.")
            self.reload(select=opp.id)
            self.publish({"opportunities"}, {opp.client_key, edited.client_key})

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
        if self._write(lambda: remove(self.cache, opp.id)) is not None:
            self.show_notice(f"Deleted {opp.id}.")
            self.reload()
            self.publish({"opportunities"}, {opp.client_key})

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
        dialog = HistoryDialog(opp.id, history(self.cache, opp.id), parent=self)
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
            return export_rows(rows, Path(path))

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

        def work(_ctx: TaskContext) -> ImportReport:
            return import_file(cache, ctx, Path(path))

        def done(report: ImportReport) -> None:
            self.show_notice(report.text())
            self.reload()
            self.publish({"opportunities"}, set(ctx.clients))

        def failed(message: str) -> None:
            # The first bad line up front; the whole message in the tooltip.
            first = message.split("; ")[0]
            more = message.count("; line ")
            self.show_notice(f"Nothing imported: {first}" + (f" (and {more} more)" if more else ""))
            self.notice.setToolTip(message[:4000])

        self.runner.start("opportunities-import", work, on_success=done, on_failure=failed)
