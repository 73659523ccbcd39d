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
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, inspect, select, text, update
from sqlalchemy.exc import DBAPIError, NoSuchTableError, OperationalError

from csconsole import clock
from csconsole.cache import Cache, describe_db_error
from csconsole.catalog import Catalog
from csconsole.errors import CacheError, Cancelled, KnownError, SourceError, scrub
from csconsole.ingest.checks import Checker, Rejection, shown, utc_text
from csconsole.ingest.runs import ProgressCallback, SyncProgress, SyncSummary, finish_run, start_run
from csconsole.ingest.sync_lock import sync_lock
from csconsole.ingest.warehouse import (
    CLIENTS,
    INCIDENTS,
    SAMPLES,
    STREAMS,
    TARGETS,
    Stream,
    bind_date,
    bind_timestamp,
    connect_engine,
    describe_source_error,
    source_url,
    timestamp_text,
)
from csconsole.ingest.writing import (
    bulk_writing,
    clear_staged_samples,
    record_rejections,
    sqlite_driver,
    stage_samples,
    staging,
    transaction,
    upsert_staged_samples,
    upsert_stream,
)
from csconsole.models import Source, SourceWatermark, utcnow
from csconsole.rollup import refresh_rollup

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 50_000
#: Rows asked of the source at a time. A driver builds the rows of one fetch in one C call
#: that holds the GIL (psycopg: about 1 ms per 1,000 rows), and a slice of rows is freed in
#: one go; slices this small keep both short, so the console's window never waits on them.
READ_SLICE_ROWS = 5_000
DEFAULT_RETENTION_MONTHS = 24

#: Reasons of rows the watermark cannot pass yet; they are looked at again on every run.
PENDING_FUTURE = "updated in the future"
PENDING_NO_STAMP = "no updated_at"


def retention_cutoff(today: date, months: int) -> date:
    """First day of the oldest month kept: samples before it are pruned."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


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
        checker = Checker(self.catalog, today=self.today, client_ids=self._client_ids())
        checker.hour_caps = self._hour_caps()
        sql, params = stream.query(after=bound_after, missing=missing, **window)
        fetch, close = self._open_rows(src, source, sql, params)
        # One cache connection writes every batch of the stream, with a larger page cache
        # and rarer checkpoints while it does: rows arrive in watermark order, not key order,
        # so the samples' primary-key index is written all over. Each batch is still one
        # transaction.
        with self.cache.engine.connect() as writer, bulk_writing(writer):
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
        checker: Checker,
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
        driver = sqlite_driver(writer)
        seen: set[tuple[int, str, str]] = set()
        clients: set[int] = set()
        bad: list[Rejection] = []
        read = kept = 0
        last: Sequence[Any] = ()
        try:  # the cache's errors; ``fetch`` turns the source's into SourceError itself
            with staging(driver):
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
                with staging(driver):
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
        stamp = utc_text(updated)
        if stamp is None:
            detail = f"updated_at {shown(updated)} is not a timestamp"
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
            cursor = sqlite_driver(src).cursor()
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
        checker: Checker,
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
            write=lambda conn: upsert_stream(conn, stream, good, source.id),
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
            with transaction(self.cache, writer) as conn:
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


def _naive_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def _forget_pending(conn: Connection, source_name: str, stream: str) -> None:
    """Drop the rows set aside as pending by earlier runs of this source and stream."""
    conn.exec_driver_sql(
        "DELETE FROM rejected_rows WHERE stream = ? AND (reason LIKE ? OR reason LIKE ?) "
        "AND run_id IN (SELECT id FROM sync_runs WHERE source_name = ?)",
        (stream, f"{PENDING_FUTURE}:%", f"{PENDING_NO_STAMP}:%", source_name),
    )


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
