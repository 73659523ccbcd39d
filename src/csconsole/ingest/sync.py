"""Sync: copy a SQL warehouse into the cache, incrementally, idempotently, batch by batch.

Each stream of the contract (clients, targets, samples, incidents) is read in
``(updated_at, key)`` order past the source's watermark. Rows are checked, and
each batch lands in one short cache transaction together with its rejected
rows and the new watermark, so a crash leaves the cache as it was before the
batch and the next run picks up where the last one stopped. Reading the source
happens outside the cache's write lock.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, inspect, select, text, update
from sqlalchemy.exc import DBAPIError, NoSuchTableError, OperationalError

from csconsole import clock
from csconsole.cache import Cache, describe_db_error
from csconsole.catalog import Catalog
from csconsole.errors import CacheError, Cancelled, KnownError, SourceError, scrub
from csconsole.ingest.sync_lock import sync_lock
from csconsole.ingest.warehouse import (
    CLIENTS,
    INCIDENTS,
    SAMPLES,
    STREAMS,
    TARGETS,
    TIMESTAMP_FORMAT,
    Stream,
    bind_date,
    bind_timestamp,
    connect_engine,
    describe_source_error,
    source_url,
    timestamp_text,
)
from csconsole.models import Source, SourceWatermark, SyncRun, utcnow
from csconsole.rollup import refresh_rollup

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 50_000
#: Rows asked of the source at a time. A driver builds the rows of one fetch in one C call
#: that holds the GIL (psycopg: about 1 ms per 1,000 rows), and a slice of rows is freed in
#: one go; slices this small keep both short, so the console's window never waits on them.
READ_SLICE_ROWS = 5_000
DEFAULT_RETENTION_MONTHS = 24
GRAINS = ("day", "week", "month")
SEVERITIES = ("minor", "critical")
#: Characters that break a one-line title (a table row, a subject line).
_LINE_BREAKS = frozenset("\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029")

ProgressCallback = Callable[["SyncProgress"], None]
#: Reasons of rows the watermark cannot pass yet; they are looked at again on every run.
PENDING_FUTURE = "updated in the future"
PENDING_NO_STAMP = "no updated_at"


@dataclass(frozen=True, slots=True)
class SyncProgress:
    source: str
    stream: str
    done: int
    total: int


@dataclass
class SyncSummary:
    """What one run did. ``changed_clients`` holds the keys of clients whose data changed."""

    source: str
    status: str = "ok"  # ok, failed, cancelled, interrupted
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    pruned: int = 0
    duration_s: float = 0.0
    message: str = ""
    changed_clients: set[str] = field(default_factory=set)
    run_id: int | None = None

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated or self.pruned)

    def text(self) -> str:
        """One line for the status bar and the command line."""
        if self.status == "failed":
            return f"{self.source}: sync failed: {self.message}"
        head = f"{self.source}: "
        if self.status in ("cancelled", "interrupted"):
            head += f"{self.status} after "
        if not self.changed and not self.rejected_total:
            body = f"nothing new ({self.unchanged} rows unchanged)"
        else:
            body = (
                f"{self.inserted} inserted, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.rejected_total} rejected"
            )
            if self.pruned:
                body += f", {self.pruned} pruned"
        text = f"{head}{body} in {self.duration_s:.1f} s"
        if self.rejected:
            reasons = ", ".join(f"{n} {reason}" for reason, n in self.rejected.most_common())
            text += f" (rejected: {reasons})"
        return text

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "status": self.status,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": dict(self.rejected),
            "pruned": self.pruned,
            "duration_s": round(self.duration_s, 3),
            "message": self.message,
            "changed_clients": len(self.changed_clients),
        }


@dataclass(frozen=True, slots=True)
class Rejection:
    stream: str
    row_ref: str
    reason: str  # the category, e.g. "unknown client"
    detail: str
    raw: dict[str, Any]


def retention_cutoff(today: date, months: int) -> date:
    """First day of the oldest month kept: samples before it are pruned."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _json_safe(value: Any) -> Any:
    """A warehouse value as JSON can hold it: any value a source may send is kept, as text."""
    if value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"X'{bytes(value).hex()}'"  # a BLOB, written as SQL would
    return str(value)


# --- writing ------------------------------------------------------------------


def upsert(
    conn: Connection,
    *,
    table: str,
    columns: Sequence[str],
    conflict: Sequence[str],
    compare: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> tuple[int, int]:
    """Insert or update ``rows``; returns (inserted, updated). Rows equal to what the
    cache holds are not written at all, so a re-sync changes nothing."""
    if not rows:
        return 0, 0
    values = f"VALUES ({', '.join('?' for _ in columns)})"
    sql = _upsert_sql(table=table, columns=columns, conflict=conflict, compare=compare, rows=values)
    return _counted(conn, table, lambda: conn.exec_driver_sql(sql, list(rows)).rowcount)


def _upsert_sql(
    *,
    table: str,
    columns: Sequence[str],
    conflict: Sequence[str],
    compare: Sequence[str],
    rows: str,
) -> str:
    """INSERT of ``rows`` (a VALUES or a SELECT clause) that updates a row already there only
    when one of the ``compare`` columns differs."""
    assignments = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in conflict)
    changed = " OR ".join(f"{table}.{c} IS NOT excluded.{c}" for c in compare)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) {rows} "
        f"ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {assignments} WHERE {changed}"
    )


def _counted(conn: Connection, table: str, write: Callable[[], int]) -> tuple[int, int]:
    """(inserted, updated) of ``write``, which returns the rows it changed.

    New rows get rowids above the current maximum (SQLite's rule for tables without
    AUTOINCREMENT), so the rise of ``max(rowid)`` counts the inserts."""
    before = conn.exec_driver_sql(f"SELECT coalesce(max(rowid), 0) FROM {table}").scalar_one()
    changes = write()
    after = conn.exec_driver_sql(f"SELECT coalesce(max(rowid), 0) FROM {table}").scalar_one()
    inserted = int(after - before)
    return inserted, int(changes) - inserted


#: Samples on their way into the cache: a batch is staged here slice by slice, then moved
#: into ``samples`` by one INSERT … SELECT. The columns have no type, so each value reaches
#: ``samples`` exactly as it was bound.
STAGED_SAMPLES = "temp.staged_samples"
SAMPLE_COLUMNS = ("client_id", "metric", "period_start", "grain", "value", "source_id")


def stage_samples(driver: sqlite3.Connection, rows: Sequence[Sequence[Any]]) -> None:
    """Add rows of (client_id, metric, period_start ISO, grain, value, source_id) to the
    connection's staging table. It is a TEMP table: writing it takes no lock on the cache,
    so it may happen outside the batch's transaction (in a transaction of its own)."""
    holes = ", ".join("?" for _ in SAMPLE_COLUMNS)
    driver.executemany(f"INSERT INTO {STAGED_SAMPLES} VALUES ({holes})", rows)


def clear_staged_samples(driver: sqlite3.Connection) -> None:
    """An empty staging table on this connection (created the first time)."""
    driver.execute(f"CREATE TEMP TABLE IF NOT EXISTS staged_samples ({', '.join(SAMPLE_COLUMNS)})")
    driver.execute(f"DELETE FROM {STAGED_SAMPLES}")


def upsert_staged_samples(conn: Connection) -> tuple[int, int]:
    """Move the staged samples into ``samples``; returns (inserted, updated). The staging
    table is empty afterwards.

    SQLite sorts them into primary-key order on the way: rows arrive in the source's load
    order, and inserting them sorted touches each index page once per batch instead of once
    per row. A sort of the batch in Python would hold the GIL for ~100 ms, freezing the
    console's window; SQLite's sort does not hold it. The keys of one batch are distinct
    (the checks drop duplicates), so the order changes nothing but the speed.
    """
    sql = _upsert_sql(
        table="samples",
        columns=SAMPLE_COLUMNS,
        conflict=("client_id", "metric", "period_start"),
        compare=("value", "grain"),
        rows=(
            f"SELECT {', '.join(SAMPLE_COLUMNS)} FROM {STAGED_SAMPLES} "
            "WHERE true ORDER BY client_id, metric, period_start"  # WHERE: SQLite's upsert rule
        ),
    )
    counts = _counted(conn, "samples", lambda: conn.exec_driver_sql(sql).rowcount)
    conn.exec_driver_sql(f"DELETE FROM {STAGED_SAMPLES}")
    return counts


def upsert_samples(
    conn: Connection, rows: Sequence[tuple[int, str, str, str, float, int | None]]
) -> tuple[int, int]:
    """Rows of (client_id, metric, period_start ISO, grain, value, source_id), staged and
    moved in the caller's transaction; returns (inserted, updated)."""
    if not rows:
        return 0, 0
    clear_staged_samples(_driver(conn))
    stage_samples(_driver(conn), rows)
    return upsert_staged_samples(conn)


def record_rejections(conn: Connection, run_id: int, rejections: Iterable[Rejection]) -> None:
    now = utcnow().strftime(TIMESTAMP_FORMAT)
    conn.exec_driver_sql(
        "INSERT INTO rejected_rows (run_id, stream, row_ref, reason, raw_json, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                run_id,
                r.stream,
                r.row_ref,
                f"{r.reason}: {r.detail}",
                json.dumps({k: _json_safe(v) for k, v in r.raw.items()}, ensure_ascii=False),
                now,
            )
            for r in rejections
        ],
    )


def start_run(cache: Cache, *, source_id: int | None, source_name: str) -> int:
    """Record a run as started; runs left 'running' by a killed process become 'interrupted'."""
    with cache.session() as session:
        session.execute(
            update(SyncRun)
            .where(SyncRun.status == "running", SyncRun.source_name == source_name)
            .values(status="interrupted", message="the process stopped before the run finished")
        )
        run = SyncRun(
            source_id=source_id,
            source_name=source_name,
            started_at=utcnow(),
            status="running",
        )
        session.add(run)
        session.flush()
        return run.id


def finish_run(cache: Cache, summary: SyncSummary) -> None:
    with cache.session() as session:
        session.execute(
            update(SyncRun)
            .where(SyncRun.id == summary.run_id)
            .values(
                finished_at=utcnow(),
                status=summary.status,
                inserted=summary.inserted,
                updated=summary.updated,
                unchanged=summary.unchanged,
                rejected=summary.rejected_total,
                pruned=summary.pruned,
                message=summary.message,
                summary_json=json.dumps(summary.as_json(), ensure_ascii=False),
            )
        )


# --- checking -----------------------------------------------------------------


def _number(value: Any) -> float | None:
    if type(value) is float:
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return float(value)
    return None


def _iso_date(value: Any) -> str | None:
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            return None
    return None


def _utc_text(value: Any) -> str | None:
    """A warehouse timestamp as UTC text for the cache, or None when it is not one."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime(TIMESTAMP_FORMAT)


def _shown(value: Any) -> str:
    """A value for a rejection's one-line detail: short, and a BLOB named as one."""
    if isinstance(value, bytes | bytearray | memoryview):
        return f"X'{bytes(value)[:16].hex()}' (a BLOB)"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _text(value: Any, *, limit: int = 200) -> str | None:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        return None
    return value


class _Checker:
    """Checks rows of each stream against the catalog and the clients known so far."""

    def __init__(self, catalog: Catalog, *, today: date, client_ids: dict[str, int]) -> None:
        self.catalog = catalog
        self.today_iso = today.isoformat()
        self.client_ids = client_ids
        #: client id -> 168 h × team size, for clients whose team size is known.
        self.hour_caps: dict[int, float] = {}
        self.hour_metrics = frozenset(k for k, m in catalog.metrics.items() if m.unit == "h/week")
        #: Each metric's allowed (min, max), open ends as infinities, looked up once per row.
        self.bounds: dict[str, tuple[float, float]] = {
            key: (
                -math.inf if m.minimum is None else m.minimum,
                math.inf if m.maximum is None else m.maximum,
            )
            for key, m in catalog.metrics.items()
        }
        #: period_start text -> ISO date (or None): a sync sees few distinct period starts.
        self._dates: dict[str, str | None] = {}

    def _period_start(self, value: Any) -> str | None:
        """``_iso_date`` of a period start, remembered for text values."""
        if type(value) is not str:
            return _iso_date(value)
        try:
            return self._dates[value]
        except KeyError:
            iso = _iso_date(value)
            if len(self._dates) < 100_000:
                self._dates[value] = iso
            return iso

    def clients(
        self, rows: Sequence[Sequence[Any]]
    ) -> tuple[list[tuple[Any, ...]], list[Rejection]]:
        good: list[tuple[Any, ...]] = []
        bad: list[Rejection] = []
        synced = utcnow().strftime(TIMESTAMP_FORMAT)
        seen: set[str] = set()
        for row in rows:
            (key, name, tier, value, start, csm, lead, contact, email, team, rate, cost, setup) = (
                row[:13]
            )
            raw = dict(zip(CLIENTS.columns, row, strict=False))

            def reject(reason: str, detail: str, key: Any = key, raw: dict[str, Any] = raw) -> None:
                bad.append(Rejection("clients", str(key), reason, detail, raw))

            if not isinstance(key, str) or not key.strip() or len(key) > 64:
                reject("wrong type", "client_id must be text of 1–64 characters")
                continue
            if key in seen:
                reject("duplicate key", f"client {key} appears twice")
                continue
            seen.add(key)
            texts = [_text(v) for v in (name, csm, lead, contact)]
            mail = _text(email, limit=320)
            if any(t is None for t in texts) or mail is None or not (name or "").strip():
                reject("wrong type", "name, csm, technical_lead and contact must be text")
                continue
            if mail and ("@" not in mail or any(c in mail for c in "\r\n<>, ")):
                reject("wrong type", f"contact_email {mail!r} is not one email address")
                continue
            if tier not in self.catalog.tiers:
                reject(
                    "unknown tier", f"tier {tier!r} is not one of {', '.join(self.catalog.tiers)}"
                )
                continue
            numbers = [_number(v) for v in (value, rate, cost)]
            if any(n is None for n in numbers):
                reject(
                    "wrong type", "package_value, hourly_rate and cost_per_error must be numbers"
                )
                continue
            if any(not math.isfinite(n) or n < 0 for n in numbers if n is not None):
                reject("out of range", "package_value, hourly_rate and cost_per_error must be ≥ 0")
                continue
            team_n = _number(team)
            if team_n is None or team_n < 0 or team_n != int(team_n):
                reject("wrong type", f"team_size {team!r} is not a whole number ≥ 0")
                continue
            start_iso = _iso_date(start)
            if start_iso is None:
                reject("bad date", f"start_date {start!r} is not a date")
                continue
            setup_fee = 0.0 if setup is None else _number(setup)
            if setup_fee is None or not math.isfinite(setup_fee) or setup_fee < 0:
                reject("wrong type", f"setup_fee {setup!r} is not a number ≥ 0")
                continue
            good.append(
                (key, name, tier, numbers[0], start_iso, *texts[1:], mail, int(team_n),
                 numbers[1], numbers[2], setup_fee, synced)
            )  # fmt: skip
        return good, bad

    def targets(
        self, rows: Sequence[Sequence[Any]]
    ) -> tuple[list[tuple[Any, ...]], list[Rejection]]:
        good: list[tuple[Any, ...]] = []
        bad: list[Rejection] = []
        for key, metric_key, target, *_ in rows:
            ref = f"{key}/{metric_key}"
            raw = {"client_id": key, "metric": metric_key, "target": target}
            client_id = self.client_ids.get(key)
            metric = self.catalog.metrics.get(metric_key)
            value = _number(target)
            if type(key) is not str or type(metric_key) is not str:
                detail = f"client_id {_shown(key)} and metric {_shown(metric_key)} must be text"
                bad.append(Rejection("targets", ref, "wrong type", detail, raw))
            elif client_id is None:
                bad.append(Rejection("targets", ref, "unknown client", f"client {key!r}", raw))
            elif metric is None:
                bad.append(
                    Rejection("targets", ref, "unknown metric", f"metric {metric_key!r}", raw)
                )
            elif value is None:
                detail = f"target {_shown(target)} is not a number"
                bad.append(Rejection("targets", ref, "wrong type", detail, raw))
            elif not math.isfinite(value):
                bad.append(Rejection("targets", ref, "not a finite number", f"target {value}", raw))
            elif problem := metric.check_value(value):
                bad.append(Rejection("targets", ref, "out of range", problem, raw))
            else:
                good.append((client_id, metric_key, value))
        return good, bad

    def samples(
        self,
        rows: Sequence[Sequence[Any]],
        source_id: int | None,
        *,
        seen: set[tuple[int, str, str]] | None = None,
    ) -> tuple[list[tuple[Any, ...]], list[Rejection]]:
        """The hot loop of a sync: kept flat on purpose.

        A row that passes every check takes the fast path (lookups hoisted, per-metric
        bounds precomputed, period starts parsed once per distinct text); any other row
        goes through the full chain of checks below, which names the first problem in
        the same order as always. ``seen`` holds the keys met so far in the batch, when
        the batch is checked in slices: a key is a duplicate within its whole batch.
        """
        good: list[tuple[Any, ...]] = []
        bad: list[Rejection] = []
        if seen is None:
            seen = set()
        client_ids = self.client_ids
        metrics = self.catalog.metrics
        bounds = self.bounds
        dates = self._dates
        period_start = self._period_start
        isfinite = math.isfinite
        grains = frozenset(GRAINS)
        today = self.today_iso
        append = good.append
        remember = seen.add
        for row in rows:
            sample_id, key, metric_key, start, grain, value = row[:6]
            client_id = client_ids.get(key)
            limits = bounds.get(metric_key)
            if client_id is not None and limits is not None and type(value) is float:
                start_iso = dates.get(start) if type(start) is str else None
                if start_iso is None:
                    start_iso = period_start(start)
                if (
                    start_iso is not None
                    and grain in grains
                    and isfinite(value)
                    and limits[0] <= value <= limits[1]
                    and start_iso <= today
                ):
                    dedupe = (client_id, metric_key, start_iso)
                    if dedupe not in seen:
                        remember(dedupe)
                        append((client_id, metric_key, start_iso, grain, value, source_id))
                        continue
            metric = metrics.get(metric_key)
            reason = detail = ""
            if type(key) is not str or type(metric_key) is not str:
                reason = "wrong type"
                detail = f"client_id {_shown(key)} and metric {_shown(metric_key)} must be text"
            elif start is not None and not isinstance(start, str | date):
                reason, detail = "wrong type", f"period_start {_shown(start)} is not a date"
            elif client_id is None:
                reason, detail = "unknown client", f"client {key!r}"
            elif metric is None:
                reason, detail = "unknown metric", f"metric {metric_key!r}"
            else:
                number = value if type(value) is float else _number(value)
                start_iso = period_start(start)
                if number is None:
                    reason, detail = "wrong type", f"value {_shown(value)} is not a number"
                elif start_iso is None:
                    reason, detail = "bad date", f"period_start {start!r} is not a date"
                elif grain not in GRAINS:
                    reason, detail = "wrong type", f"grain {grain!r} is not day, week or month"
                elif number != number or number in (math.inf, -math.inf):
                    reason, detail = "not a finite number", f"value {value!r}"
                elif (metric.minimum is not None and number < metric.minimum) or (
                    metric.maximum is not None and number > metric.maximum
                ):
                    reason, detail = "out of range", metric.check_value(number) or ""
                elif start_iso > today:
                    reason, detail = "future date", f"period_start {start_iso} is after today"
                else:
                    dedupe = (client_id, metric_key, start_iso)
                    if dedupe in seen:
                        reason, detail = "duplicate key", f"{key}/{metric_key}/{start_iso} twice"
                    else:
                        seen.add(dedupe)
                        good.append((client_id, metric_key, start_iso, grain, number, source_id))
                        continue
            raw = dict(zip(SAMPLES.columns, row, strict=False))
            bad.append(Rejection("samples", f"sample {sample_id}", reason, detail, raw))
        if self.hour_caps and good:
            good, over = self._over_team_hours(good)
            bad += over
        return good, bad

    def _over_team_hours(
        self, good: list[tuple[Any, ...]]
    ) -> tuple[list[tuple[Any, ...]], list[Rejection]]:
        """Hours saved per week above 168 h × the client's team size (when known) are set
        aside: a team's hours add up, one person's cannot pass 168."""
        keep: list[tuple[Any, ...]] = []
        over: list[Rejection] = []
        keys: dict[int, str] | None = None
        for row in good:
            cap = self.hour_caps.get(row[0]) if row[1] in self.hour_metrics else None
            if cap is None or row[4] <= cap:
                keep.append(row)
                continue
            if keys is None:
                keys = {v: k for k, v in self.client_ids.items()}
            key = keys.get(row[0], str(row[0]))
            raw = {"client_id": key, "metric": row[1], "period_start": row[2], "grain": row[3],
                   "value": row[4]}  # fmt: skip
            over.append(
                Rejection(
                    "samples",
                    f"{key}/{row[1]}/{row[2]}",
                    "out of range",
                    f"{row[4]:g} h/week is more than 168 h for each of the team's "
                    f"{round(cap / 168)} people",
                    raw,
                )
            )
        return keep, over

    def incidents(
        self, rows: Sequence[Sequence[Any]], source_id: int | None
    ) -> tuple[list[tuple[Any, ...]], list[Rejection]]:
        good: list[tuple[Any, ...]] = []
        bad: list[Rejection] = []
        for row in rows:
            key, client_key, severity, title, opened, resolved = row[:6]
            raw = dict(zip(INCIDENTS.columns, row, strict=False))
            ref = f"incident {key}"
            client_id = self.client_ids.get(client_key)
            opened_text = _utc_text(opened)
            resolved_text = None if resolved is None else _utc_text(resolved)
            if not isinstance(key, str) or not key:
                bad.append(
                    Rejection("incidents", ref, "wrong type", "incident_id must be text", raw)
                )
            elif type(client_key) is not str:
                detail = f"client_id {_shown(client_key)} must be text"
                bad.append(Rejection("incidents", ref, "wrong type", detail, raw))
            elif client_id is None:
                bad.append(
                    Rejection("incidents", ref, "unknown client", f"client {client_key!r}", raw)
                )
            elif severity not in SEVERITIES:
                bad.append(
                    Rejection(
                        "incidents",
                        ref,
                        "wrong type",
                        f"severity {severity!r} is not minor or critical",
                        raw,
                    )
                )
            elif opened_text is None or (resolved is not None and resolved_text is None):
                bad.append(
                    Rejection(
                        "incidents",
                        ref,
                        "bad date",
                        "opened_at/resolved_at are not timestamps",
                        raw,
                    )
                )
            elif opened_text[:10] > self.today_iso or (resolved_text or "")[:10] > self.today_iso:
                detail = f"opened_at {opened_text} or resolved_at {resolved_text} is after today"
                bad.append(Rejection("incidents", ref, "future date", detail, raw))
            elif resolved_text is not None and resolved_text < opened_text:
                detail = f"resolved_at {resolved_text} is before opened_at {opened_text}"
                bad.append(Rejection("incidents", ref, "bad date", detail, raw))
            elif _text(title, limit=2000) is None:
                bad.append(Rejection("incidents", ref, "wrong type", "title must be text", raw))
            elif any(c in (title or "") for c in _LINE_BREAKS):
                detail = "title must be one line (it holds a line break)"
                bad.append(Rejection("incidents", ref, "wrong type", detail, raw))
            else:
                good.append(
                    (key, client_id, severity, title or "", opened_text, resolved_text, source_id)
                )
        return good, bad


# --- the run ------------------------------------------------------------------


class Syncer:
    """Runs the sync of one source into one cache. Safe to run from a worker thread:
    it touches no GUI and reports through ``progress`` and stops on ``cancel``."""

    def __init__(
        self,
        cache: Cache,
        catalog: Catalog,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        retention_months: int = DEFAULT_RETENTION_MONTHS,
        today: date | None = None,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
        now: datetime | None = None,
    ) -> None:
        self.cache = cache
        self.catalog = catalog
        self.batch_size = batch_size
        self.retention_months = retention_months
        self.today = today or clock.today()
        self.progress = progress
        self.cancel = cancel
        #: The watermark never moves past this moment (UTC): a row updated later waits.
        #: Taken when each sync starts, unless given.
        self._fixed_now = now
        self.now = now or datetime.now(UTC)

    # The watermark is kept as JSON: [updated_at text, key, ...].
    def _watermark(
        self, conn: Connection, source_id: int, stream: Stream
    ) -> tuple[Any, ...] | None:
        row = conn.execute(
            select(SourceWatermark.value).where(
                SourceWatermark.source_id == source_id, SourceWatermark.stream == stream.name
            )
        ).scalar_one_or_none()
        return tuple(json.loads(row)) if row else None

    def _client_ids(self) -> dict[str, int]:
        with self.cache.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT key, id FROM clients").all()
            return {key: client_id for key, client_id in rows}

    def _hour_caps(self) -> dict[int, float]:
        """168 h × team size of each client whose team size is known."""
        with self.cache.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT id, team_size FROM clients WHERE team_size > 0")
            return {int(client_id): 168.0 * int(team) for client_id, team in rows}

    def sync(self, source: Source, *, password: str | None = None) -> SyncSummary:
        """Sync every stream of ``source``; returns the summary (also kept in ``sync_runs``).

        Raises SyncBusyError when another sync of the same cache is running."""
        with sync_lock(self.cache.path):
            return self._sync(source, password=password)

    def _sync(self, source: Source, *, password: str | None) -> SyncSummary:
        self.now = self._fixed_now or datetime.now(UTC)
        summary = SyncSummary(source=source.name)
        started = time.perf_counter()
        secrets = [password or ""]
        try:
            summary.run_id = start_run(self.cache, source_id=source.id, source_name=source.name)
        except (OperationalError, DBAPIError) as exc:
            raise CacheError(describe_db_error(exc, path=self.cache.path)) from None
        engine = connect_engine(source_url(source.url, password))
        try:
            with engine.connect() as src:
                for stream in STREAMS:
                    self._sync_stream(src, source, stream, summary)
            summary.pruned = self._prune()
            self._refresh_rollup()
            with self.cache.session() as session:
                session.execute(
                    update(Source).where(Source.id == source.id).values(last_success_at=utcnow())
                )
        except Cancelled:
            summary.status = "cancelled"
            summary.message = "cancelled by the user; the batches already done are kept"
        except (OperationalError, DBAPIError) as exc:
            summary.status = "failed"
            summary.message = describe_source_error(exc, name=source.name, secrets=secrets)
        except KnownError as exc:
            summary.status = "failed"
            summary.message = scrub(str(exc), secrets)
        except KeyboardInterrupt:
            summary.status = "interrupted"
            summary.message = "interrupted (Ctrl-C); the batches already done are kept"
            raise
        except Exception as exc:
            # A bug: the run is recorded as failed and the traceback goes to the log.
            summary.status = "failed"
            summary.message = f"internal error ({type(exc).__name__}); see the log"
            log.exception("sync %s failed", source.name)
            raise
        finally:
            engine.dispose()
            summary.duration_s = time.perf_counter() - started
            try:
                finish_run(self.cache, summary)
            except (OperationalError, DBAPIError):
                log.warning("could not record the end of sync run %s", summary.run_id)
        log.info("sync %s", scrub(summary.text(), secrets))
        return summary

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled()

    def _sync_stream(
        self, src: Connection, source: Source, stream: Stream, summary: SyncSummary
    ) -> None:
        with self.cache.engine.connect() as conn:
            after = self._watermark(conn, source.id, stream)
        since = retention_cutoff(self.today, self.retention_months)
        bound_after = None if after is None else (bind_timestamp(src, after[0]), *after[1:])
        bound_since = bind_date(src, since)
        until = bind_timestamp(src, timestamp_text(_naive_utc(self.now)))
        window = {"since": bound_since, "until": until, "dialect": src.dialect.name}
        sql, params = stream.count_query(after=bound_after, **window)
        try:
            total = int(src.execute(text(sql), params).scalar_one())
        except (OperationalError, DBAPIError) as exc:
            raise SourceError(_contract_message(exc, stream, source)) from None
        missing = _missing_columns(src, stream)
        self._set_aside_pending(src, source, stream, until, missing, summary)
        done = 0
        self._report(source, stream, done, total)
        if total == 0:
            return
        checker = _Checker(self.catalog, today=self.today, client_ids=self._client_ids())
        checker.hour_caps = self._hour_caps()
        sql, params = stream.query(after=bound_after, missing=missing, **window)
        fetch, close = self._open_rows(src, source, sql, params)
        # One cache connection writes every batch of the stream, with a larger page cache
        # and rarer checkpoints while it does: rows arrive in watermark order, not key order,
        # so the samples' primary-key index is written all over. Each batch is still one
        # transaction.
        with self.cache.engine.connect() as writer, _bulk_writing(writer):
            try:
                while True:
                    self._check_cancel()
                    if stream is SAMPLES:
                        read = self._write_sample_batch(source, fetch, checker, summary, writer)
                    else:
                        rows = _read(fetch, self.batch_size)
                        read = len(rows)
                        if rows:
                            mark = _mark(stream, rows[-1])
                            self._write_batch(
                                source, stream, rows, mark, checker, summary, writer=writer
                            )
                    if not read:
                        break
                    if stream is CLIENTS:
                        checker.client_ids = self._client_ids()
                        checker.hour_caps = self._hour_caps()
                    done += read
                    self._report(source, stream, done, total)
            finally:
                close()

    def _write_sample_batch(
        self,
        source: Source,
        fetch: Callable[[int], Sequence[Sequence[Any]]],
        checker: _Checker,
        summary: SyncSummary,
        writer: Connection,
    ) -> int:
        """One batch of samples; returns the rows read from the source (0 at the end).

        The batch is read, checked and staged in a TEMP table slice by slice, outside the
        cache's write lock; then one transaction moves it into ``samples`` together with
        its rejected rows and the new watermark. Only one slice of rows lives in Python at
        a time (with the batch's keys, for finding duplicates), so no step holds the GIL
        for long and the console's window keeps responding.
        """
        driver = _driver(writer)
        seen: set[tuple[int, str, str]] = set()
        clients: set[int] = set()
        bad: list[Rejection] = []
        read = kept = 0
        last: Sequence[Any] = ()
        try:  # the cache's errors; ``fetch`` turns the source's into SourceError itself
            with _staging(driver):
                clear_staged_samples(driver)
            while read < self.batch_size:
                rows = fetch(min(READ_SLICE_ROWS, self.batch_size - read))
                if not rows:
                    break
                read += len(rows)
                last = rows[-1]
                good, rejected = checker.samples(rows, source.id, seen=seen)
                bad += rejected
                kept += len(good)
                clients.update(row[0] for row in good)
                with _staging(driver):
                    stage_samples(driver, good)
                self._check_cancel()
        except sqlite3.Error as exc:
            raise CacheError(describe_db_error(exc, path=self.cache.path)) from None
        if not read:
            return 0
        self._commit_batch(
            source,
            SAMPLES,
            _mark(SAMPLES, last),
            summary,
            writer=writer,
            write=upsert_staged_samples,
            kept=kept,
            bad=bad,
            changed=lambda: _keys_of(clients, checker.client_ids),
        )
        _let_go(seen)
        return read

    def _set_aside_pending(
        self,
        src: Connection,
        source: Source,
        stream: Stream,
        until: Any,
        missing: frozenset[str],
        summary: SyncSummary,
    ) -> None:
        """Set aside the rows the watermark must not pass: updated in the future (they are
        read again when their time comes) or with no updated_at at all.

        They are looked at on every run, so the quarantine keeps only this run's copy.
        """
        sql, params = stream.pending_query(until=until, missing=missing)
        fetch, close = self._open_rows(src, source, sql, params)
        first = True
        try:
            while rows := fetch(min(self.batch_size, READ_SLICE_ROWS)):
                self._check_cancel()
                bad = [self._pending_rejection(stream, row) for row in rows]
                try:
                    with self.cache.engine.begin() as conn:
                        if first:
                            _forget_pending(conn, source.name, stream.name)
                            first = False
                        assert summary.run_id is not None
                        record_rejections(conn, summary.run_id, bad)
                except (OperationalError, DBAPIError) as exc:
                    raise CacheError(describe_db_error(exc, path=self.cache.path)) from None
                summary.rejected.update(r.reason for r in bad)
        finally:
            close()
        if first:
            try:
                with self.cache.engine.begin() as conn:
                    _forget_pending(conn, source.name, stream.name)
            except (OperationalError, DBAPIError) as exc:
                raise CacheError(describe_db_error(exc, path=self.cache.path)) from None

    def _pending_rejection(self, stream: Stream, row: Sequence[Any]) -> Rejection:
        raw = dict(zip((*stream.columns, "updated_at"), row, strict=False))
        ref = "/".join(str(raw.get(k)) for k in stream.keys)
        updated = row[-1]
        if updated is None:
            return Rejection(stream.name, ref, PENDING_NO_STAMP, "updated_at is NULL", raw)
        stamp = _utc_text(updated)
        if stamp is None:
            detail = f"updated_at {_shown(updated)} is not a timestamp"
            return Rejection(stream.name, ref, "bad date", detail, raw)
        detail = f"updated_at {stamp} is after now; read again when that time comes"
        return Rejection(stream.name, ref, PENDING_FUTURE, detail, raw)

    def _open_rows(
        self, src: Connection, source: Source, sql: str, params: dict[str, Any]
    ) -> tuple[Callable[[int], Sequence[Sequence[Any]]], Callable[[], None]]:
        """``fetchmany`` and ``close`` of the stream's query.

        On SQLite the query runs on pysqlite's own cursor (same SQL, same named
        parameters), which skips building SQLAlchemy Row objects: a third of the read
        time. Its errors are turned into the same one-line SourceError. Elsewhere the
        rows are streamed through SQLAlchemy.
        """
        if src.dialect.name != "sqlite":
            streaming = src.execution_options(stream_results=True, max_row_buffer=self.batch_size)
            result = streaming.execute(text(sql), params)
            return result.fetchmany, result.close

        def failed(exc: sqlite3.Error) -> SourceError:
            return SourceError(describe_source_error(exc, name=source.name, secrets=[]))

        try:
            cursor = _driver(src).cursor()
            cursor.execute(sql, params)
        except sqlite3.Error as exc:
            raise failed(exc) from None

        def fetch(size: int) -> Sequence[Sequence[Any]]:
            try:
                rows: list[tuple[Any, ...]] = cursor.fetchmany(size)
            except sqlite3.Error as exc:
                raise failed(exc) from None
            return rows

        return fetch, cursor.close

    def _report(self, source: Source, stream: Stream, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(SyncProgress(source.name, stream.name, done, total))

    def _write_batch(
        self,
        source: Source,
        stream: Stream,
        rows: Sequence[Sequence[Any]],
        mark: list[Any],
        checker: _Checker,
        summary: SyncSummary,
        *,
        writer: Connection | None = None,
    ) -> None:
        if stream is CLIENTS:
            good, bad = checker.clients(rows)
        elif stream is TARGETS:
            good, bad = checker.targets(rows)
        elif stream is SAMPLES:
            good, bad = checker.samples(rows, source.id)
        else:
            good, bad = checker.incidents(rows, source.id)
        self._commit_batch(
            source,
            stream,
            mark,
            summary,
            writer=writer,
            write=lambda conn: self._upsert(conn, stream, good, source.id),
            kept=len(good),
            bad=bad,
            changed=lambda: _client_keys(stream, good, checker.client_ids),
        )

    def _commit_batch(
        self,
        source: Source,
        stream: Stream,
        mark: list[Any],
        summary: SyncSummary,
        *,
        writer: Connection | None,
        write: Callable[[Connection], tuple[int, int]],
        kept: int,
        bad: list[Rejection],
        changed: Callable[[], set[str]],
    ) -> None:
        """The batch's one transaction: its good rows (``write``, which returns inserted and
        updated), its rejected rows and the stream's new watermark; then the summary."""
        try:
            with _transaction(self.cache, writer) as conn:
                inserted, updated = write(conn)
                if bad:
                    assert summary.run_id is not None
                    record_rejections(conn, summary.run_id, bad)
                conn.exec_driver_sql(
                    "INSERT INTO source_watermarks (source_id, stream, value) VALUES (?, ?, ?) "
                    "ON CONFLICT (source_id, stream) DO UPDATE SET value = excluded.value",
                    (source.id, stream.name, json.dumps(mark)),
                )
        except (OperationalError, DBAPIError) as exc:
            raise CacheError(describe_db_error(exc, path=self.cache.path)) from None
        summary.inserted += inserted
        summary.updated += updated
        summary.unchanged += kept - inserted - updated
        summary.rejected.update(r.reason for r in bad)
        if inserted or updated:
            summary.changed_clients |= changed()

    def _upsert(
        self, conn: Connection, stream: Stream, good: list[tuple[Any, ...]], source_id: int
    ) -> tuple[int, int]:
        if stream is SAMPLES:
            return upsert_samples(conn, good)
        if stream is CLIENTS:
            columns = (*CLIENTS.columns[1:], "synced_at")
            rows = [(*row, source_id) for row in good]
            return upsert(
                conn,
                table="clients",
                columns=("key", *columns, "source_id"),
                conflict=("key",),
                compare=CLIENTS.columns[1:],  # names match the contract but for client_id
                rows=rows,
            )
        if stream is TARGETS:
            return upsert(
                conn,
                table="client_targets",
                columns=("client_id", "metric", "target"),
                conflict=("client_id", "metric"),
                compare=("target",),
                rows=good,
            )
        return upsert(
            conn,
            table="incidents",
            columns=(
                "key",
                "client_id",
                "severity",
                "title",
                "opened_at",
                "resolved_at",
                "source_id",
            ),
            conflict=("key",),
            compare=("client_id", "severity", "title", "opened_at", "resolved_at"),
            rows=good,
        )

    def _prune(self) -> int:
        """Delete the samples older than the retention cutoff. The months that hold samples
        are known (``sample_months``), so a sync with nothing to prune reads no sample."""
        cutoff = retention_cutoff(self.today, self.retention_months).isoformat()
        try:
            with self.cache.engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM period_notes WHERE period_start < ?", (cutoff,))
                oldest = conn.exec_driver_sql("SELECT min(month) FROM sample_months").scalar()
                if oldest is None or oldest >= cutoff[:7]:
                    return 0
                pruned = conn.exec_driver_sql(
                    "DELETE FROM samples WHERE period_start < ?", (cutoff,)
                ).rowcount
                conn.exec_driver_sql("DELETE FROM sample_months WHERE month < ?", (cutoff[:7],))
        except (OperationalError, DBAPIError) as exc:
            raise CacheError(describe_db_error(exc, path=self.cache.path)) from None
        return int(pruned)

    def _refresh_rollup(self) -> None:
        """Bring the monthly rollup up to date with what this sync wrote, so the status
        that follows reads it instead of the samples."""
        try:
            with self.cache.engine.begin() as conn:
                refresh_rollup(conn)
        except (OperationalError, DBAPIError) as exc:
            raise CacheError(describe_db_error(exc, path=self.cache.path)) from None


#: Page cache of the connection that writes a stream's batches (KiB, as a negative
#: cache_size): the samples' index of a large portfolio stays in memory while it is written.
SYNC_PAGE_CACHE_KIB = 64 * 1024
#: WAL pages after which that connection checkpoints (SQLite's default is 1000): each batch
#: rewrites much of the samples' index, so checkpointing after every batch copies it again.
SYNC_WAL_AUTOCHECKPOINT = 16_384


@contextmanager
def _bulk_writing(conn: Connection) -> Iterator[None]:
    """A larger page cache and rarer WAL checkpoints on this connection for the block,
    then both put back.

    Set on the driver connection, outside any transaction. Neither changes journaling or
    durability: every batch is still one atomic WAL commit, only the copy of the WAL into
    the database file happens less often (and the WAL may grow to ~64 MB meanwhile)."""
    driver = _driver(conn)
    cache_size = int(driver.execute("PRAGMA cache_size").fetchone()[0])
    checkpoint = int(driver.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
    driver.execute(f"PRAGMA cache_size = -{SYNC_PAGE_CACHE_KIB}")
    driver.execute(f"PRAGMA wal_autocheckpoint = {SYNC_WAL_AUTOCHECKPOINT}")
    try:
        yield
    finally:
        # An interrupt (Ctrl-C) in a batch makes SQLAlchemy close the connection, which
        # takes the settings with it; there is nothing to put back then.
        if not conn.invalidated and not conn.closed:
            driver.execute(f"PRAGMA cache_size = {cache_size}")
            driver.execute(f"PRAGMA wal_autocheckpoint = {checkpoint}")


def _read(fetch: Callable[[int], Sequence[Sequence[Any]]], size: int) -> list[Sequence[Any]]:
    """Up to ``size`` rows, fetched READ_SLICE_ROWS at a time."""
    rows: list[Sequence[Any]] = []
    while len(rows) < size:
        part = fetch(min(READ_SLICE_ROWS, size - len(rows)))
        if not part:
            break
        rows += part
    return rows


def _let_go(keys: set[Any]) -> None:
    """Empty a large set one key at a time. Freed in one go, a batch's 50,000 keys hold the
    GIL for 7-12 ms of CPU (they are freed in hash order, all over memory), more on a busy
    machine; a loop lets other threads in between keys."""
    pop = keys.pop
    for _ in range(len(keys)):
        pop()


def _mark(stream: Stream, last: Sequence[Any]) -> list[Any]:
    """The watermark after ``last``, the final row of a batch: [updated_at text, key, ...]."""
    return [timestamp_text(last[-1]), *(last[stream.columns.index(k)] for k in stream.keys)]


@contextmanager
def _staging(driver: sqlite3.Connection) -> Iterator[None]:
    """A transaction for writing TEMP tables only. BEGIN DEFERRED takes no lock on the
    cache file, so it runs outside the batch's transaction; one transaction per slice
    instead of one per row (autocommit) makes staging several times faster."""
    driver.execute("BEGIN")
    try:
        yield
    except BaseException:
        driver.rollback()
        raise
    driver.execute("COMMIT")


def _naive_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def _forget_pending(conn: Connection, source_name: str, stream: str) -> None:
    """Drop the rows set aside as pending by earlier runs of this source and stream."""
    conn.exec_driver_sql(
        "DELETE FROM rejected_rows WHERE stream = ? AND (reason LIKE ? OR reason LIKE ?) "
        "AND run_id IN (SELECT id FROM sync_runs WHERE source_name = ?)",
        (stream, f"{PENDING_FUTURE}:%", f"{PENDING_NO_STAMP}:%", source_name),
    )


def _driver(conn: Connection) -> sqlite3.Connection:
    """The pysqlite connection under a SQLAlchemy connection to a SQLite database."""
    driver = conn.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    return driver


@contextmanager
def _transaction(cache: Cache, conn: Connection | None) -> Iterator[Connection]:
    """One transaction (BEGIN IMMEDIATE) on ``conn``, or on a pooled connection of the cache."""
    if conn is None:
        with cache.engine.begin() as pooled:
            yield pooled
    else:
        with conn.begin():
            yield conn


def _client_keys(
    stream: Stream, good: list[tuple[Any, ...]], client_ids: dict[str, int]
) -> set[str]:
    if stream is CLIENTS:
        return {row[0] for row in good}
    index = 0 if stream is not INCIDENTS else 1
    return _keys_of({row[index] for row in good}, client_ids)


def _keys_of(ids: set[int], client_ids: dict[str, int]) -> set[str]:
    """The keys of the clients with these cache ids."""
    by_id = {v: k for k, v in client_ids.items()}
    return {by_id[i] for i in ids if i in by_id}


def _missing_columns(src: Connection, stream: Stream) -> frozenset[str]:
    """The stream's optional columns that the warehouse's table or view lacks."""
    if not stream.optional:
        return frozenset()
    try:
        present = {c["name"].lower() for c in inspect(src).get_columns(stream.table)}
    except (OperationalError, DBAPIError, NoSuchTableError):
        return frozenset()  # the stream's own query then says what is wrong
    return frozenset(c for c in stream.optional if c not in present)


def _contract_message(exc: BaseException, stream: Stream, source: Source) -> str:
    first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    return (
        f"source {source.name!r} cannot be read: {first} "
        f"(the contract expects a table or view {stream.table}; see docs/warehouse-contract.md)"
    )


def sync_source(
    cache: Cache,
    catalog: Catalog,
    source: Source,
    *,
    password: str | None = None,
    **options: Any,
) -> SyncSummary:
    return Syncer(cache, catalog, **options).sync(source, password=password)
