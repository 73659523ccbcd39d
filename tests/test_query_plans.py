"""The paths that run on every start, status and sync read only what they need.

Every statement these paths send to SQLite is captured (``set_trace_callback``) and its
``EXPLAIN QUERY PLAN`` checked: no full scan of ``samples`` (or of the monthly rollup),
so their cost follows the months and clients asked for, not the length of the history
or the size of the book.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from csconsole.alerts import evaluate_alerts
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.cli import main
from csconsole.dashboard import build_dashboard
from csconsole.health.engine import HealthEngine
from csconsole.ingest.sheets import import_file
from csconsole.portfolio import build_portfolio
from csconsole.roi import client_roi
from tests.helpers import TODAY

#: Big tables whose full scan would grow with the history or the book.
BIG = ("samples", "monthly_rollup", "status_history")
_FULL_SCAN = re.compile(r"^SCAN (\w+)(?: AS \w+)?$")


@contextmanager
def statements(cache: Cache) -> Iterator[list[str]]:
    """Every SQL statement the cache's connections run inside the block."""
    seen: list[str] = []

    def trace(dbapi: sqlite3.Connection, _record: Any) -> None:
        dbapi.set_trace_callback(seen.append)

    cache.engine.dispose()  # new connections, each with the trace
    event.listen(cache.engine, "connect", trace)
    try:
        yield seen
    finally:
        event.remove(cache.engine, "connect", trace)
        cache.engine.dispose()


def full_scans(path: Path, sql: list[str]) -> dict[str, list[str]]:
    """Each statement reading a big table, mapped to the tables it scans whole."""
    found: dict[str, list[str]] = {}
    with sqlite3.connect(path) as conn:
        for text in dict.fromkeys(sql):
            head = text.lstrip().split(None, 1)[0].upper() if text.strip() else ""
            if head not in ("SELECT", "WITH", "INSERT", "DELETE", "UPDATE"):
                continue
            if not any(table in text for table in BIG):
                continue
            plan = conn.execute(f"EXPLAIN QUERY PLAN {text}").fetchall()
            scanned = []
            for row in plan:
                match = _FULL_SCAN.match(row[3])
                if match and match.group(1) in BIG:
                    scanned.append(row[3])
            if scanned:
                found[text] = scanned
    return found


def engine_for(cache: Cache, catalog: Catalog) -> HealthEngine:
    return HealthEngine(cache, catalog, today=TODAY)


PATHS: dict[str, Callable[[Cache, Catalog], object]] = {
    "status of the book": lambda cache, catalog: engine_for(cache, catalog).evaluate(
        engine_for(cache, catalog).default_month()
    ),
    "one client's status": lambda cache, catalog: engine_for(cache, catalog).evaluate(
        engine_for(cache, catalog).default_month(),
        client=engine_for(cache, catalog).find_client("CL-001"),
    ),
    "alerts": lambda cache, catalog: evaluate_alerts(engine_for(cache, catalog)),
    "portfolio": lambda cache, catalog: build_portfolio(cache, catalog, today=TODAY),
    "one client's ROI": lambda cache, catalog: client_roi(
        cache,
        client=engine_for(cache, catalog).find_client("CL-001"),
        month=engine_for(cache, catalog).latest_complete,
        today=TODAY,
    ),
    "one client's dashboard": lambda cache, catalog: build_dashboard(
        cache, catalog, client_key="CL-001", today=TODAY
    ),
}


@pytest.mark.parametrize("path", sorted(PATHS))
def test_no_full_scan_of_big_tables(
    synced_cache: Cache, catalog: Catalog, path: str, tmp_path: Path
) -> None:
    with statements(synced_cache) as sql:
        PATHS[path](synced_cache, catalog)
    assert any("monthly_rollup" in s or "samples" in s for s in sql), "nothing captured"
    assert full_scans(synced_cache.path, sql) == {}


def test_no_full_scan_with_sheet_values_and_dirty_months(
    synced_cache: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    """Typed sheet values and rollup months not yet refreshed take the same indexes."""
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("week,time_saved\n2026-11-02,31\n2026-11-09,33\n", encoding="utf-8")
    import_file(synced_cache, catalog, sheet, client="CL-002", today=TODAY)
    with synced_cache.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE samples SET value = value + 1 WHERE client_id = "
            "(SELECT id FROM clients WHERE key = 'CL-003') AND period_start >= '2026-10-01'"
        )
        assert conn.exec_driver_sql("SELECT count(*) FROM rollup_dirty").scalar_one() > 0
    for path in ("status of the book", "one client's status", "alerts"):
        with statements(synced_cache) as sql:
            PATHS[path](synced_cache, catalog)
        assert full_scans(synced_cache.path, sql) == {}, path


def _history_clients(cache: Cache) -> set[str]:
    with cache.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT DISTINCT c.key FROM status_history h JOIN clients c ON c.id = h.client_id"
        ).all()
    return {r[0] for r in rows}


def test_one_clients_figures_never_evaluate_another(synced_cache: Cache, catalog: Catalog) -> None:
    for path in ("one client's status", "one client's ROI", "one client's dashboard"):
        PATHS[path](synced_cache, catalog)
    assert _history_clients(synced_cache) == {"CL-001"}


def test_alerts_for_changed_clients_touch_only_them(synced_cache: Cache, catalog: Catalog) -> None:
    engine = engine_for(synced_cache, catalog)
    changed = [engine.find_client("CL-004"), engine.find_client("CL-007")]
    evaluate_alerts(engine, clients=changed)
    assert _history_clients(synced_cache) == {"CL-004", "CL-007"}
    with synced_cache.engine.connect() as conn:
        alerted = conn.exec_driver_sql(
            "SELECT DISTINCT c.key FROM alerts a JOIN clients c ON c.id = a.client_id"
        ).all()
    assert {r[0] for r in alerted} <= {"CL-004", "CL-007"}
    assert evaluate_alerts(engine, clients=[]) == []


def test_status_of_one_client_on_the_command_line_evaluates_no_other(
    synced_cache: Cache, capsys: pytest.CaptureFixture[str]
) -> None:
    synced_cache.close()
    args = ["--cache", str(synced_cache.path), "status", "--client", "CL-003", "--json"]
    assert main(args) == 0
    assert '"CL-003"' in capsys.readouterr().out
    assert _history_clients(synced_cache) == {"CL-003"}


@pytest.mark.slow
def test_a_sync_evaluates_only_the_clients_it_changed(
    cache: Cache, demo_warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = tmp_path / "wh.sqlite"
    shutil.copy(demo_warehouse, warehouse)
    cache.close()
    base = ["--cache", str(cache.path)]
    assert main([*base, "source", "add", "wh", "--url", f"sqlite:///{warehouse}"]) == 0
    assert main([*base, "sync"]) == 0
    assert len(_history_clients(cache)) == 40  # the first sync changed every client
    with cache.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM status_history")
    with sqlite3.connect(warehouse) as wh:  # one client's value, updated now
        wh.execute(
            "UPDATE cs_metric_samples SET value = value * 0.9, "
            "updated_at = '2026-11-23 00:00:00.000000' WHERE sample_id = "
            "(SELECT min(sample_id) FROM cs_metric_samples WHERE client_id = 'CL-005')"
        )
    wh.close()
    assert main([*base, "sync"]) == 0
    assert _history_clients(cache) == {"CL-005"}
    with cache.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM status_history")
    assert main([*base, "sync"]) == 0  # nothing new: nothing evaluated
    assert _history_clients(cache) == set()
    capsys.readouterr()
