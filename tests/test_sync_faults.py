"""Sync on hostile warehouse rows (issue 15): every bad row is set aside with its reason,
no good row is lost in silence, and a run that stops is recorded as what it was."""

from __future__ import annotations

import json
import logging
import math
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from csconsole.cache import Cache
from csconsole.catalog import Catalog, load_catalog
from csconsole.cli import main
from csconsole.ingest.checks import Checker
from csconsole.ingest.runs import SyncProgress
from csconsole.ingest.sync import Syncer
from csconsole.ingest.sync_lock import sync_lock
from csconsole.models import Source, utcnow
from tests.helpers import TODAY, copy_cache

STAMP = "2026-11-22 05:00:00.000000"  # after every demo row was loaded
LATER = "2026-11-22 06:00:00.000000"
NOW = datetime(2026, 11, 22, 12, 0)  # the sync's "now" in these tests

TABLES = {
    "cs_metric_samples": "sample_id, client_id, metric, period_start, grain, value, updated_at",
    "cs_clients": "client_id, name, tier, package_value, start_date, csm, technical_lead, "
    "contact_name, contact_email, team_size, hourly_rate, cost_per_error, updated_at",
    "cs_client_targets": "client_id, metric, target, updated_at",
    "cs_incidents": "incident_id, client_id, severity, title, opened_at, resolved_at, updated_at",
}


@pytest.fixture(scope="session")
def views_warehouse_file(demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse whose tables are views, as a warehouse may expose them: each adds
    the rows of a table without constraints (`<table>_extra`), where any value goes. Made
    once; copy it with `warehouse`."""
    path = tmp_path_factory.mktemp("views") / "warehouse.sqlite"
    shutil.copy(demo_warehouse, path)
    with sqlite3.connect(path) as conn:
        for table, columns in TABLES.items():
            conn.execute(f"ALTER TABLE {table} RENAME TO {table}_base")
            conn.execute(f"CREATE TABLE {table}_extra ({columns})")
            conn.execute(
                f"CREATE VIEW {table} AS SELECT {columns} FROM {table}_base "
                f"UNION ALL SELECT {columns} FROM {table}_extra"
            )
    return path


@pytest.fixture
def warehouse(views_warehouse_file: Path, tmp_path: Path) -> Path:
    """This test's copy of the warehouse whose tables are views."""
    path = tmp_path / "warehouse.sqlite"
    shutil.copy(views_warehouse_file, path)
    return path


def add_source(cache: Cache, warehouse: Path, name: str = "wh") -> Source:
    with cache.session() as session:
        source = Source(name=name, kind="sql", url=f"sqlite:///{warehouse}", created_at=utcnow())
        session.add(source)
    return source


def insert(warehouse: Path, table: str, rows: list[tuple[Any, ...]]) -> None:
    with sqlite3.connect(warehouse) as conn:
        marks = ", ".join("?" for _ in rows[0])
        conn.executemany(f"INSERT INTO {table}_extra VALUES ({marks})", rows)


def count(cache: Cache, sql: str, *params: object) -> int:
    with cache.engine.connect() as conn:
        return int(conn.exec_driver_sql(sql, params).scalar_one())


def sample(sample_id: int, period: Any, value: Any = 99.0, stamp: Any = STAMP) -> tuple[Any, ...]:
    return (sample_id, "CL-001", "uptime", period, "day", value, stamp)


def rejected(cache: Cache) -> list[tuple[str, str, dict[str, Any]]]:
    with cache.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT row_ref, reason, raw_json FROM rejected_rows ORDER BY id"
        ).all()
    return [(ref, reason, json.loads(raw)) for ref, reason, raw in rows]


@pytest.fixture(scope="session")
def synced_views_file(views_warehouse_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache with the warehouse of views synced into it, made once; `synced` copies it."""
    path = tmp_path_factory.mktemp("synced-views") / "cache.sqlite"
    with Cache.open(path) as cache:
        source = add_source(cache, views_warehouse_file)
        assert Syncer(cache, load_catalog(), today=TODAY, now=NOW).sync(source).status == "ok"
    return path


@pytest.fixture
def synced_cache_of_views(
    synced_views_file: Path, warehouse: Path, tmp_path: Path
) -> Iterator[Cache]:
    """A private copy of the synced cache, its source pointed at this test's `warehouse`."""
    path = copy_cache(synced_views_file, tmp_path / "synced-views.sqlite")
    with Cache.open(path) as cache:
        with cache.session() as session:
            session.query(Source).one().url = f"sqlite:///{warehouse}"
        yield cache


@pytest.fixture
def synced(synced_cache_of_views: Cache) -> Source:
    """The source of `cache`, this test's `warehouse`, synced once already."""
    with synced_cache_of_views.session() as session:
        return session.query(Source).one()


@pytest.fixture
def cache(request: pytest.FixtureRequest, cache: Cache) -> Cache:
    """conftest's new empty cache, or for a test that asks for `synced`, the cache it was
    synced into."""
    if "synced" in request.fixturenames:
        synced_cache: Cache = request.getfixturevalue("synced_cache_of_views")
        return synced_cache
    return cache


def test_a_blob_value_is_set_aside_and_the_good_rows_land(
    cache: Cache, catalog: Catalog, warehouse: Path, synced: Source
) -> None:
    """A BLOB raised TypeError in record_rejections: no good row landed, ever again (fault 2)."""
    insert(
        warehouse,
        "cs_metric_samples",
        [
            sample(9_000_001, "2026-11-18", b"\x00\xff"),
            sample(9_000_002, "2026-11-19", 98.5),
            (9_000_003, b"CL-001", "uptime", "2026-11-20", "day", 99.0, STAMP),
            (9_000_004, "CL-001", "uptime", b"2026-11-21", "day", 99.0, STAMP),
        ],
    )
    insert(
        warehouse,
        "cs_clients",
        [("CL-900", b"\x00\xff", "Essential", 2500, "2026-01-01", "a", "b", "c", "c@x.example",
          3, 50, 10, STAMP)],
    )  # fmt: skip
    summary = Syncer(cache, catalog, today=TODAY, now=NOW).sync(synced)
    assert summary.status == "ok", summary.message
    assert summary.inserted + summary.updated == 1
    assert dict(summary.rejected) == {"wrong type": 4}
    stored = rejected(cache)
    assert next(raw for _, _, raw in stored if raw.get("sample_id") == 9_000_001)["value"] == (
        "X'00ff'"
    )
    assert all(reason.startswith("wrong type: ") for _, reason, _ in stored)
    again = Syncer(cache, catalog, today=TODAY, now=NOW).sync(synced)
    assert (again.status, again.rejected_total) == ("ok", 0)


@pytest.mark.slow
def test_a_run_that_breaks_is_recorded_as_failed_and_logged(
    cache: Cache, catalog: Catalog, warehouse: Path
) -> None:
    """An unexpected error left the run recorded as 'ok' and nothing in the log (fault 2)."""
    source = add_source(cache, warehouse)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign,assignment]
    logger = logging.getLogger("csconsole.ingest.sync")
    logger.addHandler(handler)

    def progress(p: SyncProgress) -> None:
        if p.stream == "samples" and p.done:
            raise RuntimeError("a bug in a progress callback")

    try:
        with pytest.raises(RuntimeError):
            Syncer(cache, catalog, today=TODAY, progress=progress, now=NOW).sync(source)
    finally:
        logger.removeHandler(handler)
    with cache.engine.connect() as conn:
        status, message = conn.exec_driver_sql("SELECT status, message FROM sync_runs").one()
    assert status == "failed"
    assert "RuntimeError" in message
    assert any(r.exc_info and r.levelno == logging.ERROR for r in records)


def test_a_row_from_the_future_waits_and_blocks_nothing(
    cache: Cache, catalog: Catalog, warehouse: Path, synced: Source
) -> None:
    """updated_at = 2099 moved the watermark past every later row (fault 3)."""
    insert(warehouse, "cs_metric_samples", [sample(9_000_001, "2026-11-18", 97.0, "2099-01-01")])
    first = Syncer(cache, catalog, today=TODAY, now=NOW).sync(synced)
    assert dict(first.rejected) == {"updated in the future": 1}
    insert(warehouse, "cs_metric_samples", [sample(9_000_002, "2026-11-19", 98.0, LATER)])
    second = Syncer(cache, catalog, today=TODAY, now=NOW).sync(synced)
    assert second.inserted + second.updated == 1, second.text()
    # Still set aside, but only once in the quarantine however many runs saw it.
    assert [r[1].split(":")[0] for r in rejected(cache)] == ["updated in the future"]
    # When its time comes, it lands and leaves the quarantine.
    later = Syncer(cache, catalog, today=TODAY, now=datetime(2099, 1, 2)).sync(synced)
    assert (later.inserted + later.updated, later.rejected_total) == (1, 0)
    assert rejected(cache) == []


def test_a_row_without_updated_at_is_set_aside(
    cache: Cache, catalog: Catalog, warehouse: Path, synced: Source
) -> None:
    """A NULL updated_at (through a view) was skipped silently (fault 3)."""
    insert(
        warehouse,
        "cs_metric_samples",
        [sample(9_000_001, "2026-11-18", 97.0, None), sample(9_000_002, "2026-11-19", 98.0, LATER)],
    )
    summary = Syncer(cache, catalog, today=TODAY, now=NOW).sync(synced)
    assert summary.inserted + summary.updated == 1
    assert dict(summary.rejected) == {"no updated_at": 1}
    assert rejected(cache)[0][0] == "9000001"


@pytest.mark.parametrize("period", ["02/11/2026", " 2026-11-20", None, "2026-13-45", "2019-02-30"])
def test_every_malformed_period_start_is_a_bad_date(
    cache: Cache, catalog: Catalog, warehouse: Path, synced: Source, period: Any
) -> None:
    """Malformed dates sorted before the retention cutoff and vanished (fault 4)."""
    insert(
        warehouse,
        "cs_metric_samples",
        [sample(9_000_001, period), sample(9_000_002, "2026-11-19", 98.0)],
    )
    summary = Syncer(cache, catalog, today=TODAY, now=NOW).sync(synced)
    assert summary.inserted + summary.updated == 1
    assert dict(summary.rejected) == {"bad date": 1}


def test_incidents_get_the_same_checks_as_samples(
    cache: Cache, catalog: Catalog, warehouse: Path, synced: Source
) -> None:
    """Incidents opened in 2099, resolved before opened or with a line break were taken (fault 11)."""
    opened = "2026-11-01 10:00:00.000000"
    insert(
        warehouse,
        "cs_incidents",
        [
            ("INC-F1", "CL-001", "minor", "From the future", "2099-01-01 00:00:00", None, STAMP),
            ("INC-F2", "CL-001", "minor", "Backwards", opened, "2026-10-01 00:00:00", STAMP),
            ("INC-F3", "CL-001", "minor", "Line\r\nbreak", opened, None, STAMP),
            ("INC-F4", b"CL-001", "minor", "Blob client", opened, None, STAMP),
            ("INC-OK", "CL-001", "minor", "Fine", opened, None, STAMP),
        ],
    )
    summary = Syncer(cache, catalog, today=TODAY, now=NOW).sync(synced)
    assert summary.inserted + summary.updated == 1
    reasons = {ref: reason.split(":")[0] for ref, reason, _ in rejected(cache)}
    assert reasons == {
        "incident INC-F1": "future date",
        "incident INC-F2": "bad date",
        "incident INC-F3": "wrong type",
        "incident INC-F4": "wrong type",
    }


def test_a_target_that_is_not_finite_gets_the_contracts_category(catalog: Catalog) -> None:
    checker = Checker(catalog, today=TODAY, client_ids={"CL-001": 1})
    good, bad = checker.targets(
        [("CL-001", "uptime", math.nan), ("CL-001", "uptime", math.inf), ("CL-001", "uptime", 99.0)]
    )
    assert len(good) == 1
    assert [r.reason for r in bad] == ["not a finite number", "not a finite number"]


@contextmanager
def interrupt_second(insert: str) -> Iterator[None]:
    """A real SIGINT (Ctrl-C) while the second ``insert`` statement is being run."""
    seen = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith(insert):
            seen.append(statement)
            if len(seen) == 2:
                signal.raise_signal(signal.SIGINT)

    event.listen(Engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(Engine, "before_cursor_execute", before)


@pytest.fixture
def interrupt_second_sample_batch() -> Iterator[None]:
    with interrupt_second("INSERT INTO samples"):
        yield


@pytest.fixture
def interrupt_second_sheet_write() -> Iterator[None]:
    with interrupt_second("INSERT INTO sheet_values"):
        yield


@pytest.mark.slow
def test_ctrl_c_in_a_batch_says_interrupted_and_records_it(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    warehouse: Path,
    interrupt_second_sample_batch: None,
) -> None:
    """Ctrl-C printed KeyboardInterrupt, then 'Cannot operate on a closed database' (fault 8)."""
    path = tmp_path / "c.sqlite"
    with Cache.open(path) as cache:
        add_source(cache, warehouse)
    code = main(["sync", "--cache", str(path), "--batch-size", "5000"])
    _out, err = capsys.readouterr()
    assert code == 130
    assert err.strip() == "csconsole: interrupted", err
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        status, message = conn.execute("SELECT status, message FROM sync_runs").fetchone()
        samples = conn.execute("SELECT count(*) FROM samples").fetchone()[0]
    assert status == "interrupted" and "Ctrl-C" in message
    assert samples == 5000  # the first batch, whole; the second not at all
    # The next run completes.
    assert main(["sync", "--cache", str(path)]) == 0
    capsys.readouterr()
    with sqlite3.connect(path) as conn:
        statuses = [r[0] for r in conn.execute("SELECT status FROM sync_runs ORDER BY id")]
        assert conn.execute("SELECT count(*) FROM samples").fetchone()[0] > 5000
    assert statuses == ["interrupted", "ok"]


@pytest.mark.slow
def test_a_second_sync_of_the_same_cache_says_who_runs_and_changes_nothing(
    tmp_path: Path, warehouse: Path
) -> None:
    """Two syncs at once set the same bad rows aside twice (fault 7)."""
    insert(warehouse, "cs_metric_samples", [sample(9_000_001, "2026-11-18", "n/a")])
    path = tmp_path / "c.sqlite"
    with Cache.open(path) as cache:
        add_source(cache, warehouse)
    env = {**os.environ, "CSCONSOLE_CACHE": str(path)}
    command = [sys.executable, "-m", "csconsole", "sync"]
    with sync_lock(path):  # this process runs a sync
        busy = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert busy.returncode == 1
    assert re.match(
        rf"csconsole: error: a sync is already running \(since \d\d:\d\d, pid {os.getpid()}\)",
        busy.stderr,
    ), busy.stderr
    assert len(busy.stderr.strip().splitlines()) == 1
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM sync_runs").fetchone()[0] == 0
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM rejected_rows").fetchone()[0] == 1


def dump_sheet(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    return conn.execute("SELECT * FROM sheet_values ORDER BY 1, 2, 3").fetchall()


def test_ctrl_c_in_an_import_says_interrupted_and_writes_nothing(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    synced_demo_file: Path,
    interrupt_second_sheet_write: None,
) -> None:
    path = tmp_path / "c.sqlite"
    shutil.copy(synced_demo_file, path)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("Week,Uptime\n2026-10-05,99.9\n", encoding="utf-8")
    assert main(["import", str(sheet), "--cache", str(path), "--client", "CL-001"]) == 0
    with sqlite3.connect(path) as conn:
        before = dump_sheet(conn)
    conn.close()
    sheet.write_text("Week,Uptime\n2026-10-12,99.8\n", encoding="utf-8")
    code = main(["import", str(sheet), "--cache", str(path), "--client", "CL-001"])
    _out, err = capsys.readouterr()
    assert code == 130
    assert err.strip() == "csconsole: interrupted", err
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert dump_sheet(conn) == before
        statuses = [r[0] for r in conn.execute("SELECT status FROM sync_runs ORDER BY id")]
    conn.close()
    assert statuses[-2:] == ["ok", "interrupted"]
