"""Sync from a SQLite warehouse: complete, incremental, idempotent, atomic per batch,
and bad rows set aside with their reasons while good rows land."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.ingest.runs import SyncProgress
from csconsole.ingest.sync import Syncer, retention_cutoff
from csconsole.models import Source, utcnow
from tests.helpers import TODAY

STAMP = "2026-11-22 05:00:00.000000"  # after every demo row was loaded


@pytest.fixture
def warehouse(demo_warehouse: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the demo warehouse."""
    path = tmp_path / "warehouse.sqlite"
    shutil.copy(demo_warehouse, path)
    return path


def add_source(cache: Cache, warehouse: Path, name: str = "wh") -> Source:
    with cache.session() as session:
        source = Source(name=name, kind="sql", url=f"sqlite:///{warehouse}", created_at=utcnow())
        session.add(source)
    return source


def count(db: Cache | Path, sql: str, *params: object) -> int:
    if isinstance(db, Cache):
        with db.engine.connect() as conn:
            return int(conn.exec_driver_sql(sql, params).scalar_one())
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql, params).fetchone()[0])


@pytest.mark.slow
def test_first_sync_copies_every_row_and_second_changes_nothing(
    cache: Cache, catalog: Catalog, warehouse: Path
) -> None:
    source = add_source(cache, warehouse)
    first = Syncer(cache, catalog, today=TODAY).sync(source)
    assert first.status == "ok", first.message
    samples = count(warehouse, "SELECT count(*) FROM cs_metric_samples")
    assert count(cache, "SELECT count(*) FROM samples") == samples
    assert count(cache, "SELECT count(*) FROM clients") == 40
    assert count(cache, "SELECT count(*) FROM client_targets") == 40
    assert count(cache, "SELECT count(*) FROM incidents") == count(
        warehouse, "SELECT count(*) FROM cs_incidents"
    )
    assert first.rejected_total == 0
    assert first.inserted == samples + 40 + 40 + count(
        warehouse, "SELECT count(*) FROM cs_incidents"
    )
    assert len(first.changed_clients) == 40

    second = Syncer(cache, catalog, today=TODAY).sync(source)
    assert (second.inserted, second.updated, second.rejected_total) == (0, 0, 0)
    assert not second.changed and not second.changed_clients
    assert "nothing new" in second.text()
    with cache.engine.connect() as conn:
        runs = conn.exec_driver_sql("SELECT status, summary_json FROM sync_runs ORDER BY id").all()
    assert [r[0] for r in runs] == ["ok", "ok"]
    assert json.loads(runs[0][1])["inserted"] == first.inserted


@pytest.mark.slow
def test_sync_picks_up_only_what_changed(cache: Cache, catalog: Catalog, warehouse: Path) -> None:
    source = add_source(cache, warehouse)
    Syncer(cache, catalog, today=TODAY).sync(source)
    with sqlite3.connect(warehouse) as conn:
        ids = [r[0] for r in conn.execute(
            "SELECT sample_id FROM cs_metric_samples WHERE client_id = 'CL-002' AND metric = 'uptime' "
            "ORDER BY period_start DESC LIMIT 6"
        )]  # fmt: skip
        # Five corrected values, one row re-stamped with the same value, three new rows.
        conn.execute(
            f"UPDATE cs_metric_samples SET value = 97.1234, updated_at = ? "
            f"WHERE sample_id IN ({','.join('?' * 5)})",
            (STAMP, *ids[:5]),
        )
        conn.execute(
            "UPDATE cs_metric_samples SET updated_at = ? WHERE sample_id = ?", (STAMP, ids[5])
        )
        conn.executemany(
            "INSERT INTO cs_metric_samples (client_id, metric, period_start, grain, value, updated_at) "
            "VALUES ('CL-002', 'satisfaction', ?, 'day', 9.5, ?)",
            [("2026-11-18", STAMP), ("2026-11-19", STAMP), ("2026-11-20", STAMP)],
        )
    summary = Syncer(cache, catalog, today=TODAY).sync(source)
    assert (summary.inserted, summary.updated, summary.unchanged) == (3, 5, 1)
    assert summary.changed_clients == {"CL-002"}
    assert count(cache, "SELECT count(*) FROM samples WHERE value = 97.1234") == 5


# --- bad rows -------------------------------------------------------------------

BAD_ROWS = [
    # (client, metric, period_start, grain, value, expected reason)
    ("CL-999", "uptime", "2026-11-01", "day", 99.0, "unknown client"),
    ("CL-001", "happiness", "2026-11-01", "day", 5.0, "unknown metric"),
    ("CL-001", "uptime", "2026-11-01", "day", "ninety", "wrong type"),
    ("CL-001", "uptime", "2026-11-01", "day", None, "wrong type"),
    ("CL-001", "uptime", "2026-11-01", "day", float("inf"), "not a finite number"),
    ("CL-001", "user_adoption", "2026-11-01", "week", 120.0, "out of range"),
    ("CL-001", "time_saved", "2026-11-02", "week", -4.0, "out of range"),
    ("CL-001", "satisfaction", "2026-11-02", "week", 11.0, "out of range"),
    ("CL-001", "uptime", "2026-12-01", "day", 99.0, "future date"),
    ("CL-001", "uptime", "yesterday", "day", 99.0, "bad date"),
    ("CL-001", "uptime", "2026-11-01", "hour", 99.0, "wrong type"),
]


@pytest.mark.slow
def test_bad_rows_are_set_aside_with_reasons_and_good_rows_land(
    cache: Cache, catalog: Catalog, warehouse: Path
) -> None:
    source = add_source(cache, warehouse)
    Syncer(cache, catalog, today=TODAY).sync(source)
    good = [
        ("CL-001", "satisfaction", "2026-11-18", "day", 9.1),
        ("CL-001", "satisfaction", "2026-11-19", "day", 9.2),
    ]
    duplicate = ("CL-001", "satisfaction", "2026-11-19", "day", 3.0)
    with sqlite3.connect(warehouse) as conn:
        conn.executemany(
            "INSERT INTO cs_metric_samples (client_id, metric, period_start, grain, value, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(*row[:5], STAMP) for row in BAD_ROWS] + [(*row, STAMP) for row in [*good, duplicate]],
        )
    summary = Syncer(cache, catalog, today=TODAY).sync(source)
    assert summary.status == "ok"
    assert summary.inserted == 2
    expected: dict[str, int] = {}
    for *_, reason in BAD_ROWS:
        expected[reason] = expected.get(reason, 0) + 1
    expected["duplicate key"] = 1
    assert dict(summary.rejected) == expected
    assert "rejected" in summary.text() and "unknown client" in summary.text()
    with cache.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT reason, raw_json FROM rejected_rows").all()
        values = (
            conn.exec_driver_sql(
                "SELECT value FROM samples s JOIN clients c ON c.id = s.client_id "
                "WHERE c.key = 'CL-001' AND metric = 'satisfaction' AND period_start >= '2026-11-18'"
            )
            .scalars()
            .all()
        )
    assert len(stored) == len(BAD_ROWS) + 1
    assert sorted(values) == [9.1, 9.2]  # the duplicate did not overwrite the first row
    assert any(json.loads(raw)["client_id"] == "CL-999" for _, raw in stored)
    # The watermark moved past the bad rows: the next run does not reject them again.
    again = Syncer(cache, catalog, today=TODAY).sync(source)
    assert again.rejected_total == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("tier", "platinum", "unknown tier"),
        ("package_value", -1, "out of range"),
        ("start_date", "soon", "bad date"),
        ("contact_email", "a@b.example\r\nBcc: x@evil.example", "wrong type"),
        ("team_size", 2.5, "wrong type"),
        ("setup_fee", -5, "wrong type"),
        ("setup_fee", "a lot", "wrong type"),
        ("renewal_date", "next spring", "bad date"),
        ("renewal_date", "2027-02-30", "bad date"),
        ("contract_months", 12.5, "wrong type"),
        ("contract_months", "a year", "wrong type"),
        ("contract_months", 0, "out of range"),
        ("contract_months", 121, "out of range"),
    ],
)
def test_bad_client_rows_are_rejected(
    cache: Cache, catalog: Catalog, warehouse: Path, column: str, value: object, reason: str
) -> None:
    with sqlite3.connect(warehouse) as conn:
        conn.execute(
            "INSERT INTO cs_clients (client_id, name, tier, package_value, start_date, csm, "
            "technical_lead, contact_name, contact_email, team_size, hourly_rate, cost_per_error, "
            "updated_at) SELECT 'CL-500', name, tier, package_value, start_date, csm, "
            "technical_lead, contact_name, contact_email, team_size, hourly_rate, cost_per_error, "
            "updated_at FROM cs_clients WHERE client_id = 'CL-001'"
        )
        conn.execute(f"UPDATE cs_clients SET {column} = ? WHERE client_id = 'CL-500'", (value,))
    summary = Syncer(cache, catalog, today=TODAY).sync(add_source(cache, warehouse))
    assert summary.rejected[reason] >= 1
    assert count(cache, "SELECT count(*) FROM clients WHERE key = 'CL-500'") == 0
    assert count(cache, "SELECT count(*) FROM clients") == 40


# --- retention, failures, cancel -------------------------------------------------


@pytest.mark.slow
def test_retention_keeps_only_the_configured_months(
    cache: Cache, catalog: Catalog, warehouse: Path
) -> None:
    source = add_source(cache, warehouse)
    Syncer(cache, catalog, today=TODAY).sync(source)
    cutoff = retention_cutoff(TODAY, 12).isoformat()
    older = count(cache, "SELECT count(*) FROM samples WHERE period_start < ?", cutoff)
    assert older > 0
    summary = Syncer(cache, catalog, today=TODAY, retention_months=12).sync(source)
    assert summary.pruned == older
    assert count(cache, "SELECT count(*) FROM samples WHERE period_start < ?", cutoff) == 0


def test_an_unreachable_source_fails_in_one_line_and_keeps_the_cache(
    synced_cache: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    before = count(synced_cache, "SELECT count(*) FROM samples")
    source = add_source(synced_cache, tmp_path / "no" / "such" / "dir.sqlite", name="gone")
    summary = Syncer(synced_cache, catalog, today=TODAY).sync(source)
    assert summary.status == "failed"
    assert "gone" in summary.text() and "\n" not in summary.text()
    assert count(synced_cache, "SELECT count(*) FROM samples") == before


def test_a_database_without_the_contract_is_named(
    cache: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).close()
    summary = Syncer(cache, catalog, today=TODAY).sync(add_source(cache, other))
    assert summary.status == "failed"
    assert "cs_clients" in summary.message and "contract" in summary.message


@pytest.mark.slow
def test_cancel_keeps_finished_batches_and_the_next_run_completes(
    cache: Cache, catalog: Catalog, warehouse: Path
) -> None:
    source = add_source(cache, warehouse)
    cancel = threading.Event()
    seen: list[SyncProgress] = []

    def progress(p: SyncProgress) -> None:
        seen.append(p)
        if p.stream == "samples" and p.done >= 20_000:
            cancel.set()

    summary = Syncer(
        cache, catalog, today=TODAY, batch_size=10_000, progress=progress, cancel=cancel
    ).sync(source)
    assert summary.status == "cancelled"
    assert count(cache, "SELECT count(*) FROM samples") == 20_000
    assert seen[-1].total == count(warehouse, "SELECT count(*) FROM cs_metric_samples")
    rest = Syncer(cache, catalog, today=TODAY, batch_size=10_000).sync(source)
    assert rest.status == "ok"
    assert count(cache, "SELECT count(*) FROM samples") == count(
        warehouse, "SELECT count(*) FROM cs_metric_samples"
    )
    assert rest.updated == 0


@pytest.mark.slow
def test_a_killed_sync_leaves_a_consistent_cache_and_the_next_run_finishes(
    warehouse: Path, tmp_path: Path
) -> None:
    """Kill -9 in the middle of a sync while this process reads the cache concurrently."""
    cache_path = tmp_path / "killed.sqlite"
    with Cache.open(cache_path) as cache:
        add_source(cache, warehouse)
    env = {**os.environ, "CSCONSOLE_CACHE": str(cache_path)}
    cmd = [sys.executable, "-m", "csconsole", "sync", "--batch-size", "2000"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    reader = sqlite3.connect(cache_path, timeout=30)
    deadline = time.monotonic() + 120
    try:
        # Read while the other process writes; kill once a few sample batches are in.
        while time.monotonic() < deadline:
            mark = reader.execute(
                "SELECT value FROM source_watermarks WHERE stream = 'samples'"
            ).fetchone()
            reader.execute("SELECT count(*) FROM samples").fetchone()
            if mark and json.loads(mark[0])[1] > 6000:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the sync finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
    # Every committed batch is whole: the cache holds exactly the rows up to its watermark.
    stamp, last_id = json.loads(
        reader.execute("SELECT value FROM source_watermarks WHERE stream = 'samples'").fetchone()[0]
    )
    reader.close()
    with sqlite3.connect(warehouse) as wh:
        expected = wh.execute(
            "SELECT count(*) FROM cs_metric_samples WHERE (updated_at, sample_id) <= (?, ?)",
            (stamp, last_id),
        ).fetchone()[0]
    with Cache.open(cache_path) as cache:
        assert count(cache, "SELECT count(*) FROM samples") == expected
        assert count(cache, "SELECT count(*) FROM samples") % 2000 == 0
        status = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        assert status.returncode == 0, status.stderr
        assert count(cache, "SELECT count(*) FROM samples") == count(
            warehouse, "SELECT count(*) FROM cs_metric_samples"
        )
        with cache.engine.connect() as conn:
            statuses = (
                conn.exec_driver_sql("SELECT status FROM sync_runs ORDER BY id").scalars().all()
            )
    assert statuses == ["interrupted", "ok"]


@pytest.mark.slow
def test_setup_fee_is_synced_and_an_older_warehouse_without_it_still_syncs(
    cache: Cache, catalog: Catalog, warehouse: Path, tmp_path: Path
) -> None:
    with sqlite3.connect(warehouse) as conn:
        conn.execute("UPDATE cs_clients SET setup_fee = 4500 WHERE client_id = 'CL-001'")
    Syncer(cache, catalog, today=TODAY).sync(add_source(cache, warehouse))
    with cache.engine.connect() as conn:
        fees: dict[str, float] = dict(
            conn.exec_driver_sql("SELECT key, setup_fee FROM clients").all()
        )
    assert fees["CL-001"] == 4500.0 and fees["CL-002"] == 0.0

    # A warehouse made before the column existed: no setup_fee anywhere.
    old = tmp_path / "old.sqlite"
    with sqlite3.connect(warehouse) as src, sqlite3.connect(old) as dst:
        src.backup(dst)
        dst.execute("ALTER TABLE cs_clients DROP COLUMN setup_fee")
    with Cache.open(tmp_path / "fresh-cache.sqlite") as fresh:
        summary = Syncer(fresh, catalog, today=TODAY).sync(add_source(fresh, old))
        assert summary.status == "ok", summary.message
        with fresh.engine.connect() as conn:
            row = conn.exec_driver_sql("SELECT count(*), sum(setup_fee) FROM clients").one()
    assert tuple(row) == (40, 0.0)


@pytest.mark.slow
def test_renewals_are_synced_and_an_older_warehouse_without_them_still_syncs(
    cache: Cache, catalog: Catalog, warehouse: Path, tmp_path: Path
) -> None:
    with sqlite3.connect(warehouse) as conn:
        conn.execute(
            "UPDATE cs_clients SET renewal_date = '2027-01-15', contract_months = 24 "
            "WHERE client_id = 'CL-001'"
        )
        conn.execute(
            "UPDATE cs_clients SET renewal_date = NULL, contract_months = NULL "
            "WHERE client_id = 'CL-002'"
        )
    Syncer(cache, catalog, today=TODAY).sync(add_source(cache, warehouse))
    with cache.engine.connect() as conn:
        rows = {
            key: (str(when)[:10] if when else None, months)
            for key, when, months in conn.exec_driver_sql(
                "SELECT key, renewal_date, contract_months FROM clients"
            )
        }
    assert rows["CL-001"] == ("2027-01-15", 24)
    assert rows["CL-002"] == (None, None)

    # A warehouse made before the columns existed: every renewal unknown, nothing rejected.
    old = tmp_path / "old.sqlite"
    with sqlite3.connect(warehouse) as src, sqlite3.connect(old) as dst:
        src.backup(dst)
        dst.execute("ALTER TABLE cs_clients DROP COLUMN renewal_date")
        dst.execute("ALTER TABLE cs_clients DROP COLUMN contract_months")
    with Cache.open(tmp_path / "fresh-cache.sqlite") as fresh:
        summary = Syncer(fresh, catalog, today=TODAY).sync(add_source(fresh, old))
        assert summary.status == "ok", summary.message
        assert summary.rejected_total == 0
        with fresh.engine.connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT count(*), count(renewal_date), count(contract_months) FROM clients"
            ).one()
    assert tuple(row) == (40, 0, 0)


@pytest.mark.slow
def test_a_sync_never_overwrites_a_typed_sheet_value(
    cache: Cache, catalog: Catalog, warehouse: Path, tmp_path: Path
) -> None:
    from datetime import UTC, date, datetime

    from csconsole.ingest.sheets import import_file
    from csconsole.rollup import catalog_rules, month_index, monthly_values

    source = add_source(cache, warehouse)
    Syncer(cache, catalog, today=TODAY).sync(source)
    with sqlite3.connect(warehouse) as conn:
        (week,) = conn.execute(
            "SELECT max(period_start) FROM cs_metric_samples WHERE client_id = 'CL-001' "
            "AND metric = 'time_saved' AND period_start < '2026-11-01'"
        ).fetchone()
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(f"Week,Time Saved\n{week},42 hrs\n", encoding="utf-8")
    import_file(cache, catalog, sheet, client="CL-001", today=TODAY)
    # The warehouse then sends a new figure for the same week.
    with sqlite3.connect(warehouse) as conn:
        conn.execute(
            "UPDATE cs_metric_samples SET value = 1.0, updated_at = ? "
            "WHERE client_id = 'CL-001' AND metric = 'time_saved' AND period_start = ?",
            (datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"), week),
        )
    summary = Syncer(cache, catalog, today=TODAY).sync(source)
    assert summary.updated >= 1
    with cache.engine.connect() as conn:
        stored = conn.exec_driver_sql(
            "SELECT s.value, v.value FROM samples s JOIN clients c ON c.id = s.client_id "
            "JOIN sheet_values v ON v.client_id = s.client_id AND v.metric = s.metric "
            "AND v.period_start = s.period_start WHERE c.key = 'CL-001' AND s.metric = 'time_saved'"
        ).one()
        client_id = conn.exec_driver_sql("SELECT id FROM clients WHERE key = 'CL-001'").scalar_one()
    assert tuple(stored) == (1.0, 42.0)  # both kept; the typed one is what views use
    month = month_index(date.fromisoformat(week))
    values = monthly_values(
        cache.engine,
        first_month=month,
        last_month=month,
        rules=catalog_rules(catalog),
        client_ids=[client_id],
    )
    rows = load_week_values(cache, client_id, month)
    assert 42.0 in rows and 1.0 not in rows
    assert values[(client_id, "time_saved", month)][0] > 1.0


def load_week_values(cache: Cache, client_id: int, month: int) -> list[float]:
    from csconsole.rollup import load_samples, month_end, month_start

    frame = load_samples(
        cache.engine,
        start=month_start(month),
        end=month_end(month),
        client_ids=[client_id],
        metrics=["time_saved"],
    )
    return [float(v) for v in frame["value"]]


@pytest.mark.slow
@pytest.mark.parametrize(("team", "landed"), [(5, True), (1, False), (0, True)])
def test_team_hours_are_checked_against_168_per_person(
    cache: Cache, catalog: Catalog, warehouse: Path, team: int, landed: bool
) -> None:
    """200 h saved a week is ordinary for a team of five, impossible for one person; with no
    team size known there is no cap."""
    with sqlite3.connect(warehouse) as conn:
        conn.execute("UPDATE cs_clients SET team_size = ? WHERE client_id = 'CL-001'", (team,))
        conn.execute(
            "UPDATE cs_metric_samples SET value = 200.0 WHERE client_id = 'CL-001' "
            "AND metric = 'time_saved' AND period_start = (SELECT max(period_start) FROM "
            "cs_metric_samples WHERE client_id = 'CL-001' AND metric = 'time_saved')"
        )
    summary = Syncer(cache, catalog, today=TODAY).sync(add_source(cache, warehouse))
    found = count(
        cache,
        "SELECT count(*) FROM samples s JOIN clients c ON c.id = s.client_id "
        "WHERE c.key = 'CL-001' AND s.metric = 'time_saved' AND s.value = 200.0",
    )
    assert found == (1 if landed else 0)
    assert (summary.rejected.get("out of range", 0) >= 1) == (not landed)
