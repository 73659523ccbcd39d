"""The main window: the tabs, sync and the demo with progress, imports and settings, and
the portfolio, which it re-evaluates as the window's change notices say."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from csconsole import __version__, clock
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.formatting import local_time, money
from csconsole.ingest.sources import list_sources
from csconsole.models import Source
from csconsole.portfolio import Portfolio, build_portfolio, last_sync, snapshot_portfolio
from csconsole.usecases.demo import DemoLoaded, load_demo
from csconsole.usecases.sync import SyncResult
from csconsole.views.alerts.tab import AlertsView
from csconsole.views.bus import KINDS, Bus, Change
from csconsole.views.dashboard.tab import DashboardView
from csconsole.views.files import FilePlaces
from csconsole.views.freshness import sync_sentence, synced_text
from csconsole.views.help_window import HelpWindow
from csconsole.views.import_dialog import ImportDialog
from csconsole.views.notices import Banner, WelcomePage
from csconsole.views.opportunities.tab import OpportunitiesView
from csconsole.views.portfolio_view import PortfolioView, configured_rule
from csconsole.views.renewals.tab import RenewalsView
from csconsole.views.reviews.tab import ReviewsView
from csconsole.views.settings_dialog import SettingsDialog
from csconsole.views.sync_controller import SyncController
from csconsole.views.tab import TabServices
from csconsole.views.tasks import TaskContext, TaskRunner
from csconsole.views.theme import apply_theme, current_theme

if TYPE_CHECKING:
    from csconsole.ingest.sheets import ImportReport

log = logging.getLogger(__name__)

TAB_PORTFOLIO, TAB_DASHBOARD = 0, 1
TAB_OPPORTUNITIES = 2
#: How often the status bar's "Synced 3 min ago" is brought up to date.
FRESHNESS_TICK_MS = 20_000
#: How long after the portfolio first shows the console loads pandas in the background.
WARM_UP_DELAY_MS = 1_500


def describe_time(moment: datetime | None) -> str:
    return "never" if moment is None else local_time(moment)


class MainWindow(QMainWindow):
    def __init__(
        self,
        cache: Cache,
        catalog: Catalog,
        *,
        today: date | None = None,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__()
        self.cache = cache
        self.catalog = catalog
        self.today = today
        self.qsettings = settings or QSettings()
        self.runner = TaskRunner(self)
        self.portfolio: Portfolio | None = None
        self._sync_note = ""
        self._warmed_up = False
        self.warm_up_started = False  # first uses paid off the GUI thread (_show_portfolio)
        self.help_window: HelpWindow | None = None
        #: The clock the freshness reads (tests move it).
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.last_sync: datetime | None = None
        self.import_dialog: ImportDialog | None = None
        self.setWindowTitle("csconsole")
        #: The one change notice: this window publishes after a sync, an import, the demo
        #: and the settings, each tab after its own edits; every tab and the portfolio
        #: decide for themselves what to reload.
        self.bus = Bus(self)
        self.bus.changed.connect(self._changed)
        self.sync = SyncController(
            self.runner, cache=cache, catalog=catalog, ask_password=self._ask_password, today=today
        )

        self.portfolio_view = PortfolioView()
        tab_args = TabServices(
            cache=cache, catalog=catalog, runner=self.runner, today=today, bus=self.bus
        )
        self.dashboard_view = DashboardView(**tab_args)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.portfolio_view, "&Portfolio")
        self.tabs.addTab(self.dashboard_view, "Client &dashboard")
        self.opportunities_view = OpportunitiesView(**tab_args)
        self.tabs.addTab(self.opportunities_view, "&Opportunities")
        self.alerts_view = AlertsView(**tab_args)
        self.tabs.addTab(self.alerts_view, "&Alerts && responses")
        self.reviews_view = ReviewsView(**tab_args)
        self.tabs.addTab(self.reviews_view, "&Reviews")
        self.renewals_view = RenewalsView(**tab_args)
        self.tabs.addTab(self.renewals_view, "Re&newals")
        # File dialogs remember their last folder per kind across restarts.
        self.places = FilePlaces(self.qsettings)
        for view in (self.opportunities_view, self.alerts_view, self.reviews_view):
            view.places = self.places
        self.welcome = WelcomePage()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.tabs)
        self.banner = Banner()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.banner)
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self._build_actions()
        self._build_status_bar()
        self._connect()
        self._restore()
        self._start_from_snapshot()

    # --- construction ------------------------------------------------------------

    def _build_actions(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.sync_action = QAction("&Sync now", self)
        # F5 is the sync key (the README's promise); Reload from cache has its own key, so no
        # two actions share one (Qt ignores an ambiguous key altogether).
        self.sync_action.setShortcuts([QKeySequence(Qt.Key.Key_F5), QKeySequence("Ctrl+R")])
        self.sync_action.setStatusTip("Refresh the cache from every data source")
        self.cancel_action = QAction("&Cancel sync", self)
        self.cancel_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.cancel_action.setEnabled(False)
        self.import_action = QAction("&Import tracking sheet…", self)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.setStatusTip("Preview a client's weekly tracking sheet, then import it")
        self.demo_action = QAction("Load &demo data", self)
        self.settings_action = QAction("Se&ttings…", self)
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        if self.settings_action.shortcut().isEmpty():
            self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        if self.quit_action.shortcut().isEmpty():
            self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        for action in (self.sync_action, self.cancel_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.demo_action)
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = menu.addMenu("&Edit")
        self.find_action = QAction("&Find client…", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        edit_menu.addAction(self.find_action)
        edit_menu.addSeparator()
        edit_menu.addActions(self.opportunities_view.edit_actions())

        view_menu = menu.addMenu("&View")
        #: Ctrl+1…Ctrl+6 switch to the tabs in order.
        self.tab_actions: list[QAction] = []
        for i in range(self.tabs.count()):
            action = QAction(self.tabs.tabText(i), self)
            action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _c=False, i=i: self.tabs.setCurrentIndex(i))
            view_menu.addAction(action)
            self.tab_actions.append(action)
        self.portfolio_action = self.tab_actions[TAB_PORTFOLIO]
        self.dashboard_action = self.tab_actions[TAB_DASHBOARD]
        self.refresh_action = QAction("&Reload from cache", self)
        self.refresh_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        view_menu.addSeparator()
        view_menu.addAction(self.refresh_action)
        theme_menu = view_menu.addMenu("&Theme")
        self.theme_group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for name in ("light", "dark"):
            action = QAction(name.capitalize(), self, checkable=True)
            action.setData(name)
            self.theme_group.addAction(action)
            theme_menu.addAction(action)
            self.theme_actions[name] = action

        help_menu = menu.addMenu("&Help")
        self.help_action = QAction("&User guide", self)
        self.help_action.setShortcut(QKeySequence(Qt.Key.Key_F1))
        self.shortcuts_action = QAction("&Keyboard shortcuts", self)
        help_menu.addAction(self.help_action)
        help_menu.addAction(self.shortcuts_action)
        help_menu.addSeparator()
        self.about_action = QAction("&About csconsole", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        help_menu.addAction(self.about_action)

        toolbar = QToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(self.sync_action)
        toolbar.addAction(self.settings_action)
        self.addToolBar(toolbar)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.sync_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        bar.addWidget(self.sync_label, 1)
        # "Synced 3 min ago" moves on by itself.
        self.freshness_timer = QTimer(self)
        self.freshness_timer.setInterval(FRESHNESS_TICK_MS)
        self.freshness_timer.timeout.connect(lambda: self._show_last_sync())
        self.freshness_timer.start()
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)

    def _connect(self) -> None:
        self.sync_action.triggered.connect(self.start_sync)
        self.cancel_action.triggered.connect(self.sync.cancel)
        self.cancel_button.clicked.connect(self.sync.cancel)
        self.import_action.triggered.connect(lambda: self.open_import())
        self.dashboard_view.file_dropped.connect(self.open_import)
        self.demo_action.triggered.connect(self.load_demo)
        self.settings_action.triggered.connect(self.open_settings)
        self.quit_action.triggered.connect(self.close)
        self.find_action.triggered.connect(self.find_client)
        self.help_action.triggered.connect(lambda: self.show_help(HelpWindow.GUIDE))
        self.shortcuts_action.triggered.connect(lambda: self.show_help(HelpWindow.SHORTCUTS))
        self.refresh_action.triggered.connect(self.reload_all)
        self.theme_group.triggered.connect(lambda action: self.set_theme(str(action.data())))
        self.about_action.triggered.connect(self.show_about)
        self.welcome.demo_button.clicked.connect(self.load_demo)
        self.welcome.source_button.clicked.connect(self.open_settings)
        self.portfolio_view.client_opened.connect(self.open_client)
        self.renewals_view.client_opened.connect(self.open_client)
        # The Reviews tab and the dashboard show the same client-month.
        self.dashboard_view.shown.connect(self.reviews_view.follow)
        self.reviews_view.chosen.connect(self.dashboard_view.follow)
        self.sync.started.connect(self._sync_started)
        self.sync.progressed.connect(self._sync_progressed)
        self.sync.finished.connect(self._sync_finished)
        self.sync.failed.connect(self._sync_failed)
        self.sync.cancelled.connect(self._sync_cancelled)

    # --- state -------------------------------------------------------------------

    def _restore(self) -> None:
        geometry = self.qsettings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 760)
        state = self.qsettings.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        tab = str(self.qsettings.value("window/tab", TAB_PORTFOLIO))
        self.tabs.setCurrentIndex(int(tab) if tab.isdigit() else TAB_PORTFOLIO)
        self.set_theme(str(self.qsettings.value("view/theme", "light")))
        for view in self._remembering_views():
            view.restore_state(self.qsettings)

    def save_state(self) -> None:
        self.qsettings.setValue("window/geometry", self.saveGeometry())
        self.qsettings.setValue("window/state", self.saveState())
        self.qsettings.setValue("window/tab", self.tabs.currentIndex())
        self.qsettings.setValue("view/theme", current_theme())
        for view in self._remembering_views():
            view.save_state(self.qsettings)
        self.qsettings.sync()

    def _remembering_views(self) -> tuple[Any, ...]:
        """The tabs that keep their client, month, filters, sort and columns."""
        return (self.portfolio_view, self.dashboard_view, self.opportunities_view,
                self.alerts_view, self.reviews_view, self.renewals_view)  # fmt: skip

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self.sync.cancel()
        if not self.runner.shutdown():
            log.warning("background work did not stop within the time allowed")
        event.accept()

    def set_theme(self, name: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            name = apply_theme(app, name)
        self.theme_actions[name].setChecked(True)
        self.portfolio_view.model.layoutChanged.emit()
        self.dashboard_view.theme_changed()

    # --- data --------------------------------------------------------------------

    def _start_from_snapshot(self) -> None:
        """Show the portfolio as last evaluated at once, then evaluate again, in the
        background, only if something it depends on changed since."""
        today = self.today

        def work(_ctx: TaskContext) -> Portfolio | None:
            return snapshot_portfolio(self.cache, self.catalog, today=today)

        def shown(portfolio: Portfolio | None) -> None:
            if portfolio is not None:
                self._show_portfolio(portfolio)
            if portfolio is None or portfolio.stale:
                self.refresh()

        self.runner.start("portfolio", work, on_success=shown, on_failure=self._error)

    def _changed(self, change: Change) -> None:
        """The portfolio's part of a change notice: new figures or bands re-evaluate the
        clients named (every client when none are); alerts and opportunities change its
        counts, never a status, so nothing is evaluated again."""
        if change.about("settings"):
            self.portfolio_view.set_rule(configured_rule())  # the renewal windows
        if change.about("data", "settings"):
            self.refresh(None if change.clients is None else set(change.clients))
        elif change.about("alerts", "opportunities"):
            self.refresh(changed=set())

    def reload_all(self) -> None:
        """Read everything from the cache again (View > Reload from cache)."""
        self.bus.publish(KINDS)

    def refresh(self, changed: set[str] | None = None) -> None:
        """Rebuild the portfolio from the cache, off the GUI thread: every client, or
        only the ``changed`` ones (client keys) when the portfolio shown is current."""
        today = self.today
        base = self.portfolio if changed is not None else None
        if base is not None and base.stale:
            base = None  # its other rows are not current either

        def work(_ctx: TaskContext) -> Portfolio:
            return build_portfolio(
                self.cache, self.catalog, today=today, changed=changed, base=base
            )

        self.runner.start(
            "portfolio", work, on_success=self._show_portfolio, on_failure=self._error
        )

    def _show_portfolio(self, portfolio: Portfolio) -> None:
        self.portfolio = portfolio
        self.last_sync = portfolio.last_sync
        self.stack.setCurrentWidget(self.tabs if portfolio.rows else self.welcome)
        self.portfolio_view.set_portfolio(portfolio, self.today or clock.today())
        self.renewals_view.set_portfolio(portfolio)
        self.dashboard_view.set_clients(
            [(r.key, r.name) for r in portfolio.rows],
            default=portfolio.rows[0].key if portfolio.rows else None,  # the worst client
        )
        self._show_last_sync()
        if not self._warmed_up:
            # The start: the tabs read their lists once the portfolio shows (its read goes
            # first); from then on they follow the change notices.
            self.alerts_view.reload()
            self.opportunities_view.reload()
            # What the start skips, each paid once on first use, is done soon off the GUI
            # thread, so no click waits for it: pandas (charts, ROI), the ORM's first query
            # (the sync's list of sources, ~90 ms) and the locale's money format (~70 ms).
            # Not at once: an import holds the GIL, and the rows just shown are still being
            # laid out and painted.
            self._warmed_up = True
            QTimer.singleShot(WARM_UP_DELAY_MS, self._warm_up)

    def _warm_up(self) -> None:
        self.warm_up_started = True
        cache = self.cache

        def first_uses(_ctx: TaskContext) -> None:
            importlib.import_module("pandas")
            list_sources(cache)
            money(0.0)

        self.runner.start("warm-up", first_uses)

    def _show_last_sync(self, extra: str | None = None) -> None:
        """Status bar: how long ago data was last synced, and what the latest sync did."""
        if extra is not None:
            self._sync_note = extra
        extra = self._sync_note
        count = len(self.portfolio.rows) if self.portfolio else 0
        text = f"{synced_text(self.last_sync, self.now())} · {count} clients"
        if self.portfolio and self.portfolio.month:
            text += f" · status for {self.portfolio.month}"
        self.sync_label.setText(f"{extra} · {text}" if extra else text)
        self.sync_label.setToolTip(f"Last good sync: {describe_time(self.last_sync)}")

    def open_client(self, key: str) -> None:
        self.dashboard_view.show_client(key)
        self.tabs.setCurrentIndex(TAB_DASHBOARD)

    def find_client(self) -> None:
        self.tabs.setCurrentIndex(TAB_PORTFOLIO)
        self.portfolio_view.focus_search()

    def _error(self, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)
        self.banner.show_message(message)

    # --- sync --------------------------------------------------------------------

    def start_sync(self) -> None:
        self.sync.start()

    def _ask_password(self, source: Source) -> str | None:
        text, ok = QInputDialog.getText(
            self,
            "Password needed",
            f"Password for the source “{source.name}” ({source.url}).\n"
            "It is kept for this session only.",
            QLineEdit.EchoMode.Password,
        )
        return text if ok else None

    def _sync_started(self) -> None:
        self.sync_action.setEnabled(False)
        self.cancel_action.setEnabled(True)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self.sync_label.setText("Syncing…")

    def _sync_progressed(self, text: str, done: int, total: int) -> None:
        self.sync_label.setText(text)
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _sync_idle(self) -> None:
        self.sync_action.setEnabled(True)
        self.cancel_action.setEnabled(False)
        self.progress.hide()
        self.cancel_button.hide()

    def _sync_finished(self, result: SyncResult) -> None:
        self._sync_idle()
        summaries = result.summaries
        if result.failed:
            message = "; ".join(s.text() for s in result.failed)
            when = describe_time(self.last_sync)
            self.banner.show_message(
                f"{message}. The console keeps showing the cached data (last good sync: {when})."
            )
        else:
            self.banner.hide()
        if result.changed or result.pruned:
            # The use case raised the changed clients' alerts already.
            self.bus.publish({"data", "alerts"}, result.changed)
        previous = self.last_sync
        if any(s.status == "ok" for s in summaries):
            self.last_sync = self.now()  # until the cache's own record is read below
        sentence = sync_sentence(summaries, previous=previous, now=self.now())
        self._show_last_sync(sentence)
        self.statusBar().showMessage(sentence, 15_000)
        cache = self.cache

        def done(moment: datetime | None) -> None:
            self.last_sync = moment
            self._show_last_sync()

        # The status bar says "Synced just now" the moment the sync ends, not at the next
        # portfolio rebuild (which happens only when something changed).
        self.runner.start("last-sync", lambda _ctx: last_sync(cache), on_success=done)

    def _sync_failed(self, message: str) -> None:
        self._sync_idle()
        self._show_last_sync()
        self.banner.show_message(message)

    def _sync_cancelled(self) -> None:
        self._sync_idle()
        self._show_last_sync("Sync cancelled; the batches already done are kept")
        self.bus.publish({"data"})  # which clients the kept batches touched is not known

    def load_demo(self) -> None:
        """The demo use case in the background, with the sync's progress and Cancel."""
        cache, catalog, today = self.cache, self.catalog, self.today

        def work(ctx: TaskContext) -> DemoLoaded | None:
            return load_demo(
                cache, catalog, today=today, progress=ctx.progress, cancel=ctx.cancel_event
            )

        self._sync_started()
        self.runner.start(
            "sync",
            work,
            on_success=self._demo_loaded,
            on_failure=self._sync_failed,
            on_cancel=self._sync_cancelled,
            on_progress=self._demo_progress,
        )

    def _demo_progress(self, value: object) -> None:
        if isinstance(value, str):
            self.sync_label.setText(value)
        else:
            self.sync._on_progress(value)

    def _demo_loaded(self, loaded: DemoLoaded) -> None:
        self._sync_idle()
        self.bus.publish(KINDS)  # every client's figures, alerts and opportunities
        sentence = sync_sentence([loaded.summary], previous=None, now=self.now())
        self._show_last_sync(sentence)
        self.statusBar().showMessage(sentence, 15_000)

    def open_import(self, path: str | None = None) -> ImportDialog:
        """The import dialog for the dashboard's client and month (and a dropped file)."""
        month = self.dashboard_view.month.currentData()
        dialog = ImportDialog(
            cache=self.cache,
            catalog=self.catalog,
            runner=self.runner,
            clients=[(r.key, r.name) for r in self.portfolio.rows] if self.portfolio else [],
            client=self.dashboard_view.client_key,
            month=str(month) if month else None,
            path=path,
            today=self.today,
            parent=self,
        )
        dialog.imported.connect(self._sheet_imported)
        dialog.finished.connect(dialog.deleteLater)
        self.import_dialog = dialog
        dialog.open()
        return dialog

    def _sheet_imported(self, report: ImportReport) -> None:
        """Typed values change one client's figures (the use case raised its alerts)."""
        self.statusBar().showMessage(report.text().splitlines()[0], 15_000)
        if report.changed:
            self.bus.publish({"data", "alerts"}, {report.client_key})

    def open_settings(self) -> None:
        dialog = SettingsDialog(
            cache=self.cache,
            runner=self.runner,
            theme=current_theme(),
            remember_password=lambda name, pw: self.sync._session_passwords.__setitem__(name, pw),
            parent=self,
        )
        if dialog.exec():
            self.set_theme(dialog.chosen_theme())
            self.bus.publish({"settings"})

    def show_help(self, page: int = 0) -> HelpWindow:
        """The user guide or the shortcuts list, in one window kept for the session."""
        if self.help_window is None:
            menus = [m.menu() for m in self.menuBar().actions()]
            actions = [a for m in menus if isinstance(m, QMenu) for a in m.actions()]
            self.help_window = HelpWindow(actions, self)
        self.help_window.show_page(page)
        return self.help_window

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About csconsole",
            f"<b>csconsole {__version__}</b><p>A client-success console that works offline: "
            "package dashboards, health with reasons, ROI and monthly reviews.</p>",
        )
