"""The demo data: a warehouse of 40 made-up clients, synced, rated and with opportunities."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.ingest.runs import SyncSummary
from csconsole.settings import Settings
from csconsole.usecases import Progress


@dataclass(frozen=True)
class DemoLoaded:
    """What loading the demo did."""

    warehouse: Path
    samples: int
    summary: SyncSummary
    raised: list[int]
    opportunities: int


def _has_clients(cache: Cache) -> bool:
    with cache.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT 1 FROM clients LIMIT 1").first() is not None


def load_demo(
    cache: Cache,
    catalog: Catalog,
    *,
    today: date | None = None,
    settings: Settings | None = None,
    if_empty: bool = False,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> DemoLoaded | None:
    """(Re)create the demo warehouse and sync it as a source like any other, with the
    user's retention; when the sync succeeds, raise every client's alerts and add the
    demo's opportunities (only into an empty store). With ``if_empty``, nothing is done
    (None) when the cache has clients already.

    ``progress`` gets a line of text for each step, the sync's
    :class:`~csconsole.ingest.runs.SyncProgress` and then its summary."""
    from csconsole.ingest.demo import generate_demo
    from csconsole.ingest.sources import ensure_demo_source
    from csconsole.ingest.sync import Syncer
    from csconsole.opportunities.demo import create_demo_opportunities
    from csconsole.paths import demo_warehouse_path
    from csconsole.usecases.alerts import raise_alerts_for

    if if_empty and _has_clients(cache):
        return None
    path = demo_warehouse_path()
    if progress is not None:
        progress(f"Creating the demo warehouse {path} …")
    samples = generate_demo(path, catalog=catalog, today=today)
    if progress is not None:
        progress(f"{samples} samples for 40 clients; syncing into {cache.path} …")
    settings = settings or Settings.load()
    source = ensure_demo_source(cache)
    summary = Syncer(
        cache,
        catalog,
        today=today,
        retention_months=settings.retention_months,
        progress=progress,
        cancel=cancel,
    ).sync(source)
    if progress is not None:
        progress(summary)
    raised: list[int] = []
    opportunities = 0
    if summary.status == "ok":
        raised = raise_alerts_for(cache, catalog, today=today)
        opportunities = create_demo_opportunities(cache, catalog, today=today)
    return DemoLoaded(
        warehouse=path,
        samples=samples,
        summary=summary,
        raised=raised,
        opportunities=opportunities,
    )


__all__ = ["DemoLoaded", "load_demo"]
