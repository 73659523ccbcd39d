"""Writing into the cache: upserts that leave equal rows alone, the TEMP table that stages
a batch of samples, rejected rows, and the connection settings of a bulk write."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection

from csconsole.cache import Cache
from csconsole.ingest.checks import Rejection
from csconsole.ingest.warehouse import CLIENTS, SAMPLES, TARGETS, TIMESTAMP_FORMAT, Stream
from csconsole.models import utcnow


def _json_safe(value: Any) -> Any:
    """A warehouse value as JSON can hold it: any value a source may send is kept, as text."""
    if value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"X'{bytes(value).hex()}'"  # a BLOB, written as SQL would
    return str(value)


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
    clear_staged_samples(sqlite_driver(conn))
    stage_samples(sqlite_driver(conn), rows)
    return upsert_staged_samples(conn)


def upsert_stream(
    conn: Connection, stream: Stream, good: list[tuple[Any, ...]], source_id: int
) -> tuple[int, int]:
    """A batch of a stream's checked rows into its table; returns (inserted, updated)."""
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


#: Page cache of the connection that writes a stream's batches (KiB, as a negative
#: cache_size): the samples' index of a large portfolio stays in memory while it is written.
SYNC_PAGE_CACHE_KIB = 64 * 1024
#: WAL pages after which that connection checkpoints (SQLite's default is 1000): each batch
#: rewrites much of the samples' index, so checkpointing after every batch copies it again.
SYNC_WAL_AUTOCHECKPOINT = 16_384


@contextmanager
def bulk_writing(conn: Connection) -> Iterator[None]:
    """A larger page cache and rarer WAL checkpoints on this connection for the block,
    then both put back.

    Set on the driver connection, outside any transaction. Neither changes journaling or
    durability: every batch is still one atomic WAL commit, only the copy of the WAL into
    the database file happens less often (and the WAL may grow to ~64 MB meanwhile)."""
    driver = sqlite_driver(conn)
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


@contextmanager
def staging(driver: sqlite3.Connection) -> Iterator[None]:
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


def sqlite_driver(conn: Connection) -> sqlite3.Connection:
    """The pysqlite connection under a SQLAlchemy connection to a SQLite database."""
    driver = conn.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    return driver


@contextmanager
def transaction(cache: Cache, conn: Connection | None) -> Iterator[Connection]:
    """One transaction (BEGIN IMMEDIATE) on ``conn``, or on a pooled connection of the cache."""
    if conn is None:
        with cache.engine.begin() as pooled:
            yield pooled
    else:
        with conn.begin():
            yield conn
