"""A client's weekly tracking sheet: preview it, import it, then raise that client's alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.ingest.sheets import ImportReport, import_file, preview_file
from csconsole.usecases.alerts import raise_alerts_for


@dataclass(frozen=True)
class SheetImported:
    """What an import did, and the alerts it raised for its client."""

    report: ImportReport
    raised: list[int]


def preview_sheet(
    cache: Cache,
    catalog: Catalog,
    path: Path,
    *,
    client: str,
    month: str | None = None,
    today: date | None = None,
) -> ImportReport:
    """What importing ``path`` would store, row by row; writes nothing."""
    return preview_file(cache, catalog, Path(path), client=client, month=month, today=today)


def import_sheet(
    cache: Cache,
    catalog: Catalog,
    path: Path,
    *,
    client: str,
    month: str | None = None,
    dry_run: bool = False,
    today: date | None = None,
) -> SheetImported:
    """Check the whole sheet, write it in one transaction (nothing for a dry run), and
    when it changed anything raise the client's alerts, as a sync does for the clients
    it changed. Raises :class:`~csconsole.errors.ImportFileError` for any problem."""
    report = import_file(
        cache, catalog, Path(path), client=client, month=month, dry_run=dry_run, today=today
    )
    if not report.changed:
        return SheetImported(report=report, raised=[])
    raised = raise_alerts_for(cache, catalog, clients={report.client_key}, today=today)
    return SheetImported(report=report, raised=raised)


__all__ = ["SheetImported", "import_sheet", "preview_sheet"]
