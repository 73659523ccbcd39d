"""Sync from the window: every source in the background, with progress and cancel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QObject, Signal

from csconsole import credentials
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.errors import NoKeyringError
from csconsole.ingest.runs import SyncProgress
from csconsole.ingest.sources import list_sources
from csconsole.models import Source
from csconsole.settings import Settings
from csconsole.usecases.sync import SyncResult, sync_sources
from csconsole.views.tasks import TaskContext, TaskRunner

#: Asks the user for a source's password for this session; None when they decline.
PasswordPrompt = Callable[[Source], str | None]


def run_sync(
    ctx: TaskContext,
    *,
    cache: Cache,
    catalog: Catalog,
    sources: list[Source],
    passwords: dict[str, str | None],
    settings: Settings,
    today: date | None = None,
) -> SyncResult:
    """The worker: the sync use case (each source in turn, then the changed clients' alerts)."""
    return sync_sources(
        cache,
        catalog,
        sources=sources,
        password=lambda source: passwords.get(source.name),
        settings=settings,
        today=today,
        progress=ctx.progress,
        cancel=ctx.cancel_event,
    )


class SyncController(QObject):
    """Owns the window's sync task and says what happened in plain words."""

    started = Signal()
    progressed = Signal(str, int, int)  # text, done, total
    finished = Signal(object)  # SyncResult
    failed = Signal(str)
    cancelled = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        *,
        cache: Cache,
        catalog: Catalog,
        ask_password: PasswordPrompt,
        today: date | None = None,
    ) -> None:
        super().__init__()
        self.runner = runner
        self.cache = cache
        self.catalog = catalog
        self.ask_password = ask_password
        self.today = today
        self._session_passwords: dict[str, str | None] = {}

    @property
    def running(self) -> bool:
        return self.runner.running("sync") is not None

    def passwords_for(self, sources: list[Source]) -> dict[str, str | None] | None:
        """Passwords from keyring, or asked for once per session; None when the user declined."""
        found: dict[str, str | None] = {}
        for source in sources:
            if not source.needs_password:
                continue
            password: str | None = self._session_passwords.get(source.name)
            if password is None:
                try:
                    password = credentials.get_password(source.name)
                except NoKeyringError:
                    password = None
            if password is None:
                password = self.ask_password(source)
                if password is None:
                    return None
                self._session_passwords[source.name] = password
            found[source.name] = password
        return found

    def start(self) -> bool:
        """Start a sync of every source; False when there is nothing to do or it runs already."""
        if self.running:
            return False
        sources = list_sources(self.cache)
        if not sources:
            self.failed.emit("No sources are set up: add one in Settings, or load the demo data.")
            return False
        passwords = self.passwords_for(sources)
        if passwords is None:
            self.failed.emit("Sync not started: a password was needed and none was given.")
            return False
        settings = Settings.load()
        self.started.emit()
        self.runner.start(
            "sync",
            lambda ctx: run_sync(
                ctx,
                cache=self.cache,
                catalog=self.catalog,
                sources=sources,
                passwords=passwords,
                settings=settings,
                today=self.today,
            ),
            on_success=self.finished.emit,
            on_failure=self.failed.emit,
            on_cancel=self.cancelled.emit,
            on_progress=self._on_progress,
        )
        return True

    def cancel(self) -> None:
        task = self.runner.running("sync")
        if task is not None:
            task.cancel()

    def _on_progress(self, progress: object) -> None:
        if isinstance(progress, SyncProgress):
            text = f"Syncing {progress.source}: {progress.stream} {progress.done:,} of {progress.total:,}"
            self.progressed.emit(text, progress.done, progress.total)
