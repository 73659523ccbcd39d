"""Spreadsheet import: a client's weekly tracking sheet (.csv or .xlsx) into the cache.

Two layouts are read, told apart by their header row (which may sit below a title):

* **Weekly sheet** — the columns of seed 002's Monthly Tracking Spreadsheet: Week,
  Uptime %, Time Saved, Errors, Satisfaction, Notes. Headers are matched ignoring
  case, spaces, punctuation and unit hints in brackets ('Uptime%', 'Time Saved (hrs)',
  'time_saved'); any catalog metric's key or label is also accepted as a column.
  Cells are read as people type them: '99.8%', '16 hrs', '16h', '8.5/10', '1,234'.
  Each row becomes weekly samples (grain "week") of uptime, time_saved, error_count
  and satisfaction, and its Notes go to ``period_notes``. A blank cell writes nothing
  (and a blank note never erases a stored one). Rows whose Week cell says Total,
  Average or similar are summary rows and are skipped.
* **Long form** — columns client, metric, period, value, and optionally grain (day,
  week or month; "week" when absent). ``metric`` is a catalog key or label. The
  client column is optional; where present every row must name the ``--client``
  client (key or name), and a row for another client is an error rather than being
  imported elsewhere or silently skipped, so a wrong file can never land on the
  wrong account.

The Week (or period) cell is a date or a week number. **Weeks are Monday-based**
(SPEC "Sync"): a dated week moves to the Monday of its week, and week N of a month
(``--month YYYY-MM``) starts on the first Monday on or after the 1st, plus 7×(N−1)
days; a week 5 exists only when the month has five Mondays. A week belongs to the
month it starts in. Dates such as 05/10/2026 are refused because the day/month order
is ambiguous.

The whole file is checked before anything is written: values against the catalog
(:meth:`Metric.check_value`; hours saved per week against 168 h × the client's team
size when it is known), weeks not in the future, no week or (metric, period) twice.
Any problem stops the import with an :class:`ImportFileError` listing the rows
(numbered as the spreadsheet shows them, header = row 1) and reasons.

A good file's values are the CSM's word for their client, metric and week: they are
kept in ``sheet_values``, apart from the warehouse's samples, and every view uses them
instead of the warehouse samples of the same week (:func:`csconsole.rollup.samples_source`).
A sync never overwrites or deletes them. Importing a corrected sheet replaces the earlier
import of the weeks it covers (a value left blank there is removed); importing the same
sheet again changes nothing. :func:`preview_file` shows every row as it would be stored
and the warehouse values it would replace, without writing anything.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, OperationalError

from csconsole import clock
from csconsole.cache import Cache, describe_db_error
from csconsole.catalog import Catalog
from csconsole.errors import CacheError, ImportFileError
from csconsole.ingest.runs import SyncSummary, finish_run, start_run
from csconsole.ingest.sheet_cells import (
    find_layout,
    read_sheet,
    sheet_month,
)
from csconsole.ingest.sheet_rows import (
    Parsed,
    Sheet,
    SheetClient,
    find_client,
    plural,
    problem_message,
)
from csconsole.ingest.writing import upsert
from csconsole.rollup import first_monday, refresh_rollup

WEEK_NUMBER_RULE = "weeks start on Mondays; week 1 starts on the first Monday on or after the 1st"


# --- the report -----------------------------------------------------------------


@dataclass
class MetricCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0  # typed earlier for a week the sheet covers, blank in it now
    replaced_synced: int = 0  # warehouse samples the typed values take the place of


@dataclass(frozen=True)
class PreviewRow:
    """One value as it will be stored, with what it takes the place of."""

    row: int | None  # the sheet's row number; None for an earlier value being removed
    metric: str
    label: str
    unit: str
    period_start: date
    grain: str
    value: float | None  # None: removed
    earlier: float | None  # the value typed before for this period, if any
    warehouse_value: float | None  # the warehouse's figure it replaces (metric's own rule)
    warehouse_samples: int  # how many warehouse samples that is

    @property
    def change(self) -> str:
        if self.value is None:
            return "remove"
        if self.earlier is None:
            return "new"
        return "unchanged" if self.earlier == self.value else "update"


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    client_key: str
    client_name: str
    file_name: str
    layout: str  # "weekly" or "long"
    rows_read: int
    periods: int
    dry_run: bool
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    notes_written: int = 0
    notes_unchanged: int = 0
    per_metric: dict[str, MetricCounts] = field(default_factory=dict)
    week_number_month: date | None = None
    ignored_columns: tuple[str, ...] = ()
    skipped_rows: tuple[int, ...] = ()
    run_id: int | None = None
    rows: tuple[PreviewRow, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether the import wrote anything (values or notes)."""
        return not self.dry_run and bool(
            self.inserted or self.updated or self.removed or self.notes_written
        )

    def text(self) -> str:
        """One summary line, then a line for each rule or skip the user should know about."""
        what = (
            plural(self.periods, "week")
            if self.layout == "weekly"
            else plural(self.rows_read, "row")
        )
        client = f"{self.client_name} ({self.client_key})"
        notes = plural(self.notes_written, "note")
        removed = (
            f", {self.removed} {'to remove' if self.dry_run else 'removed'}" if self.removed else ""
        )
        if self.dry_run:
            lines = [
                f"Dry run: would import {what} for {client}: {self.inserted} to insert, "
                f"{self.updated} to update, {self.unchanged} unchanged{removed}, {notes} to write; "
                "nothing was written."
            ]
        else:
            lines = [
                f"Imported {what} for {client}: {self.inserted} inserted, {self.updated} updated, "
                f"{self.unchanged} unchanged{removed}, {notes}."
            ]
        replaced = sum(c.replaced_synced for c in self.per_metric.values())
        if replaced:
            lines.append(
                f"The typed values {'would take' if self.dry_run else 'take'} the place of "
                f"{plural(replaced, 'warehouse sample')} in every view; a sync never "
                "overwrites them."
            )
        if self.week_number_month is not None:
            first = self.week_number_month
            lines.append(
                f"Week numbers were read as weeks of {first:%B %Y}: {WEEK_NUMBER_RULE} "
                f"(week 1 = {first_monday(first).isoformat()})."
            )
        if self.skipped_rows:
            rows = ", ".join(str(n) for n in self.skipped_rows)
            lines.append(f"Skipped summary rows (Total/Average): {rows}.")
        if self.ignored_columns:
            columns = ", ".join(repr(c) for c in self.ignored_columns)
            lines.append(f"Ignored columns csconsole does not know: {columns}.")
        return "\n".join(lines)


# --- comparing with the cache and writing -------------------------------------

_Key = tuple[str, date, str]  # metric, period start, grain


def _plan(
    conn: Connection, *, client: SheetClient, parsed: Parsed, catalog: Catalog
) -> tuple[dict[str, MetricCounts], list[PreviewRow], dict[_Key, float | None], int, int]:
    """Compare the sheet with the cache: per-metric counts, one preview row per value
    (and per earlier value it removes), the changes to write ({key: value or None to
    delete}), and (notes changed, notes unchanged)."""
    counts: dict[str, MetricCounts] = {}
    rows: list[PreviewRow] = []
    changes: dict[_Key, float | None] = {}
    # The periods the sheet covers: an earlier import of those is replaced as a whole.
    covered = {(start, grain) for (_m, start), (grain, _v) in parsed.samples.items()}
    covered |= {(start, "week") for start in parsed.weeks}
    typed: dict[_Key, float] = {}
    warehouse: list[tuple[str, date, str, float]] = []
    notes: dict[date, str] = {}
    if parsed.periods:
        low = min(parsed.periods)
        high = max(parsed.periods) + timedelta(days=40)
        span = (client.id, low.isoformat(), high.isoformat())
        typed = {
            (str(m), date.fromisoformat(str(d)[:10]), str(g)): float(v)
            for m, d, g, v in conn.exec_driver_sql(
                "SELECT metric, period_start, grain, value FROM sheet_values "
                "WHERE client_id = ? AND period_start BETWEEN ? AND ?",
                span,
            )
        }
        warehouse = [
            (str(m), date.fromisoformat(str(d)[:10]), str(g), float(v))
            for m, d, g, v in conn.exec_driver_sql(
                "SELECT metric, period_start, grain, value FROM samples "
                "WHERE client_id = ? AND period_start BETWEEN ? AND ?",
                span,
            )
        ]
        notes = {
            date.fromisoformat(str(start)): str(note)
            for start, note in conn.exec_driver_sql(
                "SELECT period_start, note FROM period_notes "
                "WHERE client_id = ? AND period_start BETWEEN ? AND ?",
                span,
            )
        }
    for (metric_key, start), (grain, value) in sorted(
        parsed.samples.items(), key=lambda item: (item[0][1], item[0][0])
    ):
        metric = catalog.metrics[metric_key]
        entry = counts.setdefault(metric_key, MetricCounts())
        key = (metric_key, start, grain)
        earlier = typed.get(key)
        if grain == "week":
            end = start + timedelta(days=6)
            replaced = [
                v for m, d, g, v in warehouse
                if m == metric_key and g in ("day", "week") and start <= d <= end
            ]  # fmt: skip
        else:
            replaced = [v for m, d, g, v in warehouse if (m, d, g) == key]
        entry.replaced_synced += len(replaced)
        if earlier is None:
            entry.inserted += 1
            changes[key] = value
        elif earlier == value:
            entry.unchanged += 1
        else:
            entry.updated += 1
            changes[key] = value
        rows.append(
            PreviewRow(
                row=parsed.rows.get((metric_key, start)),
                metric=metric_key,
                label=metric.label,
                unit=metric.unit,
                period_start=start,
                grain=grain,
                value=value,
                earlier=earlier,
                warehouse_value=_aggregate(replaced, metric.aggregate),
                warehouse_samples=len(replaced),
            )
        )
    for key, earlier in typed.items():
        metric_key, start, grain = key
        if (start, grain) in covered and (metric_key, start) not in parsed.samples:
            counts.setdefault(metric_key, MetricCounts()).removed += 1
            changes[key] = None
            gone = catalog.metrics.get(metric_key)
            rows.append(
                PreviewRow(
                    row=None,
                    metric=metric_key,
                    label=gone.label if gone else metric_key,
                    unit=gone.unit if gone else "",
                    period_start=start,
                    grain=grain,
                    value=None,
                    earlier=earlier,
                    warehouse_value=None,
                    warehouse_samples=0,
                )
            )
    changed = sum(1 for start, note in parsed.notes.items() if notes.get(start) != note)
    return counts, rows, changes, changed, len(parsed.notes) - changed


def _aggregate(values: Sequence[float], rule: str) -> float | None:
    if not values:
        return None
    if rule == "sum":
        return sum(values)
    if rule == "max":
        return max(values)
    if rule == "last":
        return values[-1]
    return sum(values) / len(values)


def _write(
    conn: Connection,
    *,
    client: SheetClient,
    parsed: Parsed,
    changes: dict[_Key, float | None],
    file_name: str,
) -> int:
    """Write the changed sheet values and the notes; returns the notes written."""
    stamp = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    deleted = [(client.id, m, d.isoformat(), g) for (m, d, g), v in changes.items() if v is None]
    if deleted:
        conn.exec_driver_sql(
            "DELETE FROM sheet_values WHERE client_id = ? AND metric = ? AND period_start = ? "
            "AND grain = ?",
            deleted,
        )
    kept = [
        (client.id, m, d.isoformat(), g, v, file_name, stamp)
        for (m, d, g), v in changes.items()
        if v is not None
    ]
    if kept:
        conn.exec_driver_sql(
            "INSERT INTO sheet_values (client_id, metric, period_start, grain, value, file_name, "
            "imported_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (client_id, metric, "
            "period_start) DO UPDATE SET grain = excluded.grain, value = excluded.value, "
            "file_name = excluded.file_name, imported_at = excluded.imported_at",
            kept,
        )
    notes_in, notes_up = upsert(
        conn,
        table="period_notes",
        columns=("client_id", "period_start", "note"),
        conflict=("client_id", "period_start"),
        compare=("note",),
        rows=[(client.id, start.isoformat(), note) for start, note in parsed.notes.items()],
    )
    return notes_in + notes_up


@dataclass(frozen=True)
class _Checked:
    """A file read and checked in full, ready to compare with the cache and write."""

    client: SheetClient
    parsed: Parsed
    report: ImportReport


def _check_file(
    cache: Cache,
    catalog: Catalog,
    path: Path,
    *,
    client: str,
    month: str | None,
    dry_run: bool,
    today: date,
) -> _Checked:
    first_of_month = sheet_month(month)
    try:
        with cache.engine.connect() as conn:
            target = find_client(conn, client)
    except (OperationalError, DBAPIError) as exc:
        raise CacheError(describe_db_error(exc, path=cache.path)) from None
    table, layout = find_layout(read_sheet(path), catalog)
    sheet = Sheet(
        catalog,
        layout=layout,
        client=target,
        month=first_of_month,
        today=today,
    )
    parsed = sheet.read(table.rows)
    if parsed.week_numbers and first_of_month is None:
        raise ImportFileError(
            f"{table.where} numbers its weeks (1–5); say which month they belong to with "
            "--month YYYY-MM"
        )
    if parsed.problems:
        raise ImportFileError(problem_message(table.where, parsed.problems, len(sheet.bad_rows)))
    if parsed.rows_read == 0:
        raise ImportFileError(f"{table.where} has a header row but no data rows")
    report = ImportReport(
        client_key=target.key,
        client_name=target.name,
        file_name=path.name,
        layout=layout.kind,
        rows_read=parsed.rows_read,
        periods=len(parsed.periods),
        dry_run=dry_run,
        week_number_month=first_of_month if parsed.week_numbers else None,
        ignored_columns=layout.ignored,
        skipped_rows=tuple(parsed.skipped),
    )
    return _Checked(target, parsed, report)


def import_file(
    cache: Cache,
    catalog: Catalog,
    path: Path,
    *,
    client: str,
    month: str | None = None,
    dry_run: bool = False,
    today: date | None = None,
) -> ImportReport:
    """Check the whole file, then write it in one transaction (or, for a dry run, only
    compare it with the cache). Raises :class:`ImportFileError` for any problem. The
    report's ``rows`` preview every value as stored and what it replaces."""
    path = Path(path)
    checked = _check_file(
        cache,
        catalog,
        path,
        client=client,
        month=month,
        dry_run=dry_run,
        today=today or clock.today(),
    )
    report = checked.report
    if dry_run:
        try:
            with cache.engine.connect() as conn:
                planned = _plan(conn, client=checked.client, parsed=checked.parsed, catalog=catalog)
        except (OperationalError, DBAPIError) as exc:
            raise CacheError(describe_db_error(exc, path=cache.path)) from None
        report.per_metric, rows, _changes, report.notes_written, report.notes_unchanged = planned
        report.rows = tuple(rows)
        _total(report)
        return report
    return _commit(cache, catalog, report=report, client=checked.client, parsed=checked.parsed)


def preview_file(
    cache: Cache,
    catalog: Catalog,
    path: Path,
    *,
    client: str,
    month: str | None = None,
    today: date | None = None,
) -> ImportReport:
    """What importing ``path`` would store, row by row, without writing anything."""
    return import_file(cache, catalog, path, client=client, month=month, dry_run=True, today=today)


def _total(report: ImportReport) -> None:
    counts = report.per_metric.values()
    report.inserted = sum(c.inserted for c in counts)
    report.updated = sum(c.updated for c in counts)
    report.unchanged = sum(c.unchanged for c in counts)
    report.removed = sum(c.removed for c in counts)


def _commit(
    cache: Cache, catalog: Catalog, *, report: ImportReport, client: SheetClient, parsed: Parsed
) -> ImportReport:
    summary = SyncSummary(source=f"import:{report.file_name}")
    try:
        summary.run_id = start_run(cache, source_id=None, source_name=summary.source)
        with cache.engine.begin() as conn:
            # Planned inside the write transaction, so the plan is what gets written.
            planned = _plan(conn, client=client, parsed=parsed, catalog=catalog)
            report.per_metric, rows, changes, _notes, report.notes_unchanged = planned
            report.notes_written = _write(
                conn, client=client, parsed=parsed, changes=changes, file_name=report.file_name
            )
            refresh_rollup(conn)  # the client's months, in the same transaction
    except (OperationalError, DBAPIError) as exc:
        message = describe_db_error(exc, path=cache.path)
        if summary.run_id is not None:
            summary.status, summary.message = "failed", message
            _finish_quietly(cache, summary)
        raise CacheError(message) from None
    except KeyboardInterrupt:  # Ctrl-C: the transaction is rolled back, the run says so
        if summary.run_id is not None:
            summary.status, summary.message = "interrupted", "interrupted (Ctrl-C); nothing written"
            _finish_quietly(cache, summary)
        raise
    report.rows = tuple(rows)
    _total(report)
    summary.inserted, summary.updated = report.inserted, report.updated
    summary.unchanged = report.unchanged
    summary.message = report.text().splitlines()[0]
    if report.inserted or report.updated or report.removed or report.notes_written:
        summary.changed_clients = {client.key}
    report.run_id = summary.run_id
    _finish_quietly(cache, summary)
    return report


def _finish_quietly(cache: Cache, summary: SyncSummary) -> None:
    """Record the end of the run; the data is already safe, so a failure here only loses history."""
    with contextlib.suppress(OperationalError, DBAPIError):
        finish_run(cache, summary)
