"""Sync: every source (or some) into the cache, then alerts for the clients that changed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.errors import Cancelled
from csconsole.ingest.runs import SyncSummary
from csconsole.ingest.sync import Syncer
from csconsole.models import Source
from csconsole.settings import Settings
from csconsole.usecases import Progress
from csconsole.usecases.alerts import raise_alerts_for


@dataclass(frozen=True)
class SyncResult:
    """What a sync did: each source's summary, the clients whose data changed (keys) and
    the alerts it raised for them."""

    summaries: list[SyncSummary]
    changed: frozenset[str]
    raised: list[int]

    @property
    def failed(self) -> list[SyncSummary]:
        return [s for s in self.summaries if s.status == "failed"]

    @property
    def pruned(self) -> bool:
        """Whether old data went (past the retention), which no client's key names."""
        return any(s.pruned for s in self.summaries)


def _no_password(_source: Source) -> str | None:
    return None


def sync_sources(
    cache: Cache,
    catalog: Catalog,
    *,
    sources: Sequence[Source],
    password: Callable[[Source], str | None] = _no_password,
    settings: Settings | None = None,
    batch_size: int | None = None,
    today: date | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> SyncResult:
    """Sync each source in turn (a failing source does not stop the others), then raise
    alerts for the clients whose data changed, and only those.

    ``password`` is asked for each source just before its sync. ``progress`` gets a
    :class:`~csconsole.ingest.runs.SyncProgress` as a source's rows go in and the source's
    :class:`~csconsole.ingest.runs.SyncSummary` when it is done. ``cancel`` stops the work at
    the next batch (the batches done are kept) or raises :class:`Cancelled` between
    sources."""
    settings = settings or Settings.load()
    syncer = Syncer(
        cache,
        catalog,
        retention_months=settings.retention_months,
        batch_size=batch_size or settings.sync_batch_size,
        progress=progress,
        cancel=cancel,
        today=today,
    )
    summaries: list[SyncSummary] = []
    for source in sources:
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        summary = syncer.sync(source, password=password(source))
        summaries.append(summary)
        if progress is not None:
            progress(summary)
    changed = frozenset().union(*(s.changed_clients for s in summaries))
    raised = raise_alerts_for(cache, catalog, clients=changed, today=today)
    return SyncResult(summaries=summaries, changed=changed, raised=raised)


__all__ = ["SyncResult", "sync_sources"]
