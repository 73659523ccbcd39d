"""Monthly reviews: open a client-month's review, export one report or every client's.

reportlab loads when a report is exported, never when this module is imported.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.health.engine import HealthEngine, open_engine
from csconsole.review_facts import ReviewFacts, gather_facts
from csconsole.reviews import Review, load_review
from csconsole.rollup import parse_month
from csconsole.usecases import Progress

if TYPE_CHECKING:
    from csconsole.reports.export import BatchResult


@dataclass(frozen=True)
class ExportProgress:
    """How far an export of every client's reports is: ``done`` of ``total`` files, and
    the one being written (or "done")."""

    done: int
    total: int
    text: str


def open_review(
    cache: Cache,
    catalog: Catalog,
    *,
    client: str,
    month: str | int,
    today: date | None = None,
) -> tuple[ReviewFacts, Review]:
    """A client-month's figures from the engine and its review as the CSM left it (or
    pre-filled from the data when nothing was written yet)."""
    engine = open_engine(cache, catalog, today=today)
    index = parse_month(month) if isinstance(month, str) else month
    facts = gather_facts(cache, catalog, client=client, month=index, engine=engine)
    return facts, load_review(cache, facts)


def export_report(
    cache: Cache,
    catalog: Catalog,
    *,
    client: str,
    month: int,
    kind: str,
    path: Path,
    today: date | None = None,
    engine: HealthEngine | None = None,
) -> Path:
    """Write one client's report (``kind``: "review" or "roi") for ``month`` as a PDF at
    ``path``, under a temporary name renamed when complete; returns the path."""
    from csconsole.reports.export import export_one

    engine = engine or open_engine(cache, catalog, today=today)
    return export_one(
        cache, catalog, client=client, month=month, kind=kind, path=path, engine=engine
    )


def export_reports(
    cache: Cache,
    catalog: Catalog,
    *,
    month: int,
    folder: Path,
    kinds: Sequence[str] = ("review",),
    today: date | None = None,
    engine: HealthEngine | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> BatchResult:
    """Every client's reports of ``kinds`` for ``month`` into ``folder`` (clients that
    had not started by then are skipped and named). ``progress`` gets an
    :class:`ExportProgress` before each file and at the end; ``cancel`` stops before the
    next file with :class:`~csconsole.errors.Cancelled`, the files written complete."""
    from csconsole.reports.export import export_all

    def report(done: int, total: int, text: str) -> None:
        if progress is not None:
            progress(ExportProgress(done, total, text))

    return export_all(
        cache,
        catalog,
        month=month,
        folder=folder,
        kinds=kinds,
        progress=report,
        cancelled=None if cancel is None else cancel.is_set,
        engine=engine or open_engine(cache, catalog, today=today),
    )


__all__ = ["ExportProgress", "export_report", "export_reports", "open_review"]
