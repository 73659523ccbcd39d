"""How a sync writes (issue 16): SQLite, not Python, sorts each batch into key order; the
source is read a slice at a time, with no lock on the cache; a cancel between slices drops
only the unfinished batch; and the window's objects are spared by the garbage collector
while the console syncs. Counts stay exact throughout."""

from __future__ import annotations

import gc
import itertools
import random
import shutil
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.ingest import sync
from csconsole.ingest.sync import Syncer
from csconsole.ingest.writing import clear_staged_samples, upsert_samples
from csconsole.models import Source, utcnow
from csconsole.settings import Settings
from csconsole.usecases.sync import SyncResult
from csconsole.views.sync_controller import run_sync
from csconsole.views.tasks import Task, TaskContext
from tests.helpers import TODAY

STAMP = "2026-11-22 05:00:00.000000"  # after every demo row was loaded
KEY_ORDER = "SELECT client_id, metric, period_start FROM samples ORDER BY rowid"


@pytest.fixture
def warehouse(demo_warehouse: Path, tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.sqlite"
    shutil.copy(demo_warehouse, path)
    return path


@pytest.fixture
def source(cache: Cache, warehouse: Path) -> Source:
    with cache.session() as session:
        source = Source(name="wh", kind="sql", url=f"sqlite:///{warehouse}", created_at=utcnow())
        session.add(source)
        session.flush()
        session.expunge(source)
    return source


def count(db: Cache | Path, sql: str) -> int:
    if isinstance(db, Cache):
        with db.engine.connect() as conn:
            return int(conn.exec_driver_sql(sql).scalar_one())
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


def descents(keys: Sequence[Sequence[Any]]) -> int:
    """How often a key is smaller than the one before it."""
    return sum(1 for a, b in itertools.pairwise(keys) if tuple(b) < tuple(a))


Fetch = Callable[[int], Sequence[Sequence[Any]]]


@pytest.fixture
def watch_sample_reads(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[int], None]], None]:
    """Calls ``spy(size)`` before each fetch of the samples stream."""

    def install(spy: Callable[[int], None]) -> None:
        original = Syncer._open_rows

        def open_rows(
            self: Syncer, src: Any, source: Source, sql: str, params: dict[str, Any]
        ) -> tuple[Fetch, Callable[[], None]]:
            fetch, close = original(self, src, source, sql, params)
            if "FROM cs_metric_samples" not in sql or "updated_at IS NULL" in sql:
                return fetch, close

            def watched(size: int) -> Sequence[Sequence[Any]]:
                spy(size)
                return fetch(size)

            return watched, close

        monkeypatch.setattr(Syncer, "_open_rows", open_rows)

    return install


# --- key order by SQLite ----------------------------------------------------------------


@pytest.mark.slow
def test_an_unsorted_batch_lands_in_key_order_with_exact_counts(
    cache: Cache, catalog: Catalog, source: Source
) -> None:
    """upsert_samples takes rows in any order; SQLite writes them sorted by key (new rowids
    follow the writing order), and the counts are those of a row-by-row upsert."""
    Syncer(cache, catalog, today=TODAY).sync(source)
    with cache.engine.begin() as conn:
        ids = conn.exec_driver_sql("SELECT id FROM clients ORDER BY id LIMIT 3").scalars().all()
        conn.exec_driver_sql("DELETE FROM samples")
    rows = [
        (client, metric, f"2026-10-{day:02d}", "day", float(day), None)
        for client in ids
        for metric in ("uptime", "satisfaction", "user_adoption")
        for day in range(1, 11)
    ]
    random.Random(16).shuffle(rows)
    with cache.engine.begin() as conn:
        assert upsert_samples(conn, rows) == (90, 0)
        keys = conn.exec_driver_sql(KEY_ORDER).all()
    assert [tuple(k) for k in keys] == sorted(r[:3] for r in rows)

    # Again, shuffled anew: 5 new values, 1 new grain, 4 new keys; the rest unchanged.
    again = [*rows[:84], *[(*r[:4], r[4] + 0.5, None) for r in rows[84:89]], (*rows[89][:3], "week", rows[89][4], None)]  # fmt: skip
    again += [(ids[0], "uptime", f"2026-11-{day:02d}", "day", 99.0, None) for day in range(1, 5)]
    random.Random(17).shuffle(again)
    with cache.engine.begin() as conn:
        assert upsert_samples(conn, again) == (4, 6)
        new_keys = conn.exec_driver_sql(KEY_ORDER + " LIMIT -1 OFFSET 90").all()
        staged = conn.exec_driver_sql("SELECT count(*) FROM temp.staged_samples").scalar_one()
    assert [tuple(k) for k in new_keys] == sorted(r[:3] for r in again if r[2] >= "2026-11")
    assert staged == 0


@pytest.mark.slow
def test_a_batch_reaches_samples_by_one_sorted_insert_select(
    cache: Cache, catalog: Catalog, source: Source, warehouse: Path
) -> None:
    """No row of samples is bound from Python into the samples table: each batch moves from
    the staging table in one statement whose plan sorts it, so no Python sort is needed."""
    writes: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.startswith("INSERT INTO samples"):
            writes.append((statement, parameters))

    event.listen(cache.engine, "before_cursor_execute", record)
    try:
        summary = Syncer(cache, catalog, today=TODAY, batch_size=100_000).sync(source)
    finally:
        event.remove(cache.engine, "before_cursor_execute", record)
    total = count(warehouse, "SELECT count(*) FROM cs_metric_samples")
    assert summary.status == "ok" and total < 100_000  # one batch
    assert len(writes) == 1
    statement, parameters = writes[0]
    assert "SELECT" in statement and "ORDER BY client_id, metric, period_start" in statement
    assert not parameters
    with cache.engine.connect() as conn:
        clear_staged_samples(conn.connection.driver_connection)  # type: ignore[arg-type]
        plan = " / ".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}"))
    assert "USE TEMP B-TREE FOR ORDER BY" in plan, plan
    # The source delivers in load order, far from key order; the batch landed sorted.
    with sqlite3.connect(warehouse) as wh:
        loaded = wh.execute(
            "SELECT client_id, metric, period_start FROM cs_metric_samples "
            "ORDER BY updated_at, sample_id"
        ).fetchall()
    assert descents(loaded) > 500
    with cache.engine.connect() as conn:
        assert descents(conn.exec_driver_sql(KEY_ORDER).all()) == 0
    assert summary.inserted == total + 40 + 40 + count(
        warehouse, "SELECT count(*) FROM cs_incidents"
    )


# --- reading in slices --------------------------------------------------------------------


@pytest.mark.slow
def test_the_source_is_read_a_slice_at_a_time_with_no_lock_on_the_cache(
    cache: Cache,
    catalog: Catalog,
    source: Source,
    warehouse: Path,
    watch_sample_reads: Callable[[Callable[[int], None]], None],
) -> None:
    """A driver builds the rows of one fetch holding the GIL: no fetch asks for a whole batch.
    Between slices another program can write the cache: staging takes no lock on it."""
    sizes: list[int] = []

    def spy(size: int) -> None:
        sizes.append(size)
        other = sqlite3.connect(cache.path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # fails at once if the sync held the write lock
            other.execute("ROLLBACK")
        finally:
            other.close()

    watch_sample_reads(spy)
    summary = Syncer(cache, catalog, today=TODAY, batch_size=50_000).sync(source)
    total = count(warehouse, "SELECT count(*) FROM cs_metric_samples")
    assert summary.status == "ok", summary.message
    assert max(sizes) == sync.READ_SLICE_ROWS < 50_000
    assert len(sizes) > total // sync.READ_SLICE_ROWS
    assert count(cache, "SELECT count(*) FROM samples") == total


@pytest.mark.slow
def test_a_duplicate_in_another_slice_of_the_batch_is_still_a_duplicate(
    cache: Cache, catalog: Catalog, source: Source, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Syncer(cache, catalog, today=TODAY).sync(source)
    with sqlite3.connect(warehouse) as conn:
        conn.executemany(
            "INSERT INTO cs_metric_samples (client_id, metric, period_start, grain, value, updated_at) "
            "VALUES ('CL-001', 'satisfaction', ?, 'day', ?, ?)",
            [("2026-11-19", 9.2, STAMP), ("2026-11-20", 9.4, STAMP), ("2026-11-19", 3.0, STAMP)],
        )
    monkeypatch.setattr(sync, "READ_SLICE_ROWS", 1)  # every row a slice of its own
    summary = Syncer(cache, catalog, today=TODAY).sync(source)
    assert (summary.inserted, summary.updated, dict(summary.rejected)) == (
        2,
        0,
        {"duplicate key": 1},
    )
    with cache.engine.connect() as conn:
        values = conn.exec_driver_sql(
            "SELECT value FROM samples s JOIN clients c ON c.id = s.client_id WHERE c.key = "
            "'CL-001' AND metric = 'satisfaction' AND period_start >= '2026-11-19' ORDER BY 1"
        ).scalars()
        assert list(values) == [9.2, 9.4]  # the first of the two kept


@pytest.mark.slow
def test_a_cancel_between_slices_drops_only_the_unfinished_batch(
    cache: Cache,
    catalog: Catalog,
    source: Source,
    warehouse: Path,
    watch_sample_reads: Callable[[Callable[[int], None]], None],
) -> None:
    cancel = threading.Event()
    asked = [0]

    def spy(size: int) -> None:
        asked[0] += size
        if asked[0] > 25_000:  # in the third batch of 10,000
            cancel.set()

    watch_sample_reads(spy)
    summary = Syncer(cache, catalog, today=TODAY, batch_size=10_000, cancel=cancel).sync(source)
    assert summary.status == "cancelled"
    assert "batches already done are kept" in summary.message
    assert count(cache, "SELECT count(*) FROM samples") == 20_000
    assert count(cache, "SELECT count(*) FROM rejected_rows") == 0
    rest = Syncer(cache, catalog, today=TODAY, batch_size=10_000).sync(source)
    incidents = count(warehouse, "SELECT count(*) FROM cs_incidents")  # after the samples
    total = count(warehouse, "SELECT count(*) FROM cs_metric_samples")
    assert (rest.status, rest.inserted, rest.updated) == ("ok", total - 20_000 + incidents, 0)
    assert count(cache, "SELECT count(*) FROM samples") == total


# --- the console's sync and the garbage collector ------------------------------------------


def test_the_consoles_sync_keeps_the_collector_off_the_objects_it_found(
    cache: Cache, catalog: Catalog, source: Source
) -> None:
    """A full collection walks every object of the window while holding the GIL; during a
    sync (a task of the window's runner), the objects that were there before it are frozen
    out of the collector's way."""
    assert gc.get_freeze_count() == 0
    frozen: list[int] = []
    results: list[object] = []

    def work(ctx: TaskContext) -> SyncResult:
        return run_sync(
            ctx,
            cache=cache,
            catalog=catalog,
            sources=[source],
            passwords={},
            settings=Settings(),
            today=TODAY,
        )

    task = Task("sync", work)
    task.progressed.connect(lambda _progress: frozen.append(gc.get_freeze_count()))
    task.succeeded.connect(results.append)
    task.run_in_worker()  # here, on this thread, as a pool thread would
    (result,) = results
    assert isinstance(result, SyncResult)
    assert [s.status for s in result.summaries] == ["ok"]
    assert frozen and min(frozen) > 0
    assert gc.get_freeze_count() == 0  # given back once the sync ended
