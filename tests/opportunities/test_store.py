"""The opportunity store: IDs never reused and unique across caches and processes, every change
kept with who and when, and neither a sync nor a migration loses a row."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from csconsole.cache import Cache, cache_engine, head_revision, upgrade
from csconsole.catalog import Catalog
from csconsole.errors import KnownError
from csconsole.ingest.sync import Syncer
from csconsole.models import Source
from csconsole.opportunities.checks import raw_of, validate
from csconsole.opportunities.context import ClientRef, Context, load_categories, load_context
from csconsole.opportunities.demo import create_demo_opportunities
from csconsole.opportunities.store import get, history, list_opportunities, remove, save
from tests.helpers import TODAY
from tests.helpers.opportunities import HOSTILE, new

# --- IDs and history -----------------------------------------------------------------------


def test_ids_follow_the_category_and_are_never_reused_after_delete(
    store: Cache, ctx: Context
) -> None:
    assert new(store, ctx) == "PO-001"
    assert new(store, ctx, category="IE") == "IE-001"
    assert new(store, ctx) == "PO-002"
    remove(store, "PO-002", who="tester")
    assert new(store, ctx) == "PO-003"
    remove(store, "PO-003", who="tester")
    remove(store, "PO-001", who="tester")
    assert new(store, ctx) == "PO-004"
    assert new(store, ctx, category="AF") == "AF-001"


def test_ids_are_unique_across_two_caches_on_one_file(
    tmp_path: Path, store: Cache, catalog: Catalog
) -> None:
    """Two console windows on one cache: each allocation is in its own write transaction."""
    opened = [Cache.open(store.path), Cache.open(store.path)]
    ids: list[str] = []
    errors: list[BaseException] = []

    def work(cache: Cache) -> None:
        try:
            ctx = load_context(cache, catalog)
            for _ in range(25):
                ids.append(new(cache, ctx))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in opened]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in opened:
        c.close()
    assert not errors
    assert sorted(ids) == [f"PO-{n:03d}" for n in range(1, 51)]


@pytest.mark.slow
def test_ids_are_unique_across_two_processes(store: Cache) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from csconsole.cache import Cache\n"
        "from csconsole.catalog import default_catalog\n"
        "from csconsole.opportunities.checks import validate\n"
        "from csconsole.opportunities.context import load_context\n"
        "from csconsole.opportunities.store import create\n"
        "with Cache.open(Path(sys.argv[1])) as c:\n"
        "    ctx = load_context(c, default_catalog())\n"
        "    for i in range(20):\n"
        "        r = validate({'client_key': 'CL-001', 'category': 'IE', 'area': 'x',\n"
        "                        'priority': 'low', 'status': 'proposed',\n"
        "                        'required_tier': 'essential'}, ctx)\n"
        "        print(create(c, r.opportunity, who=sys.argv[2]))\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(store.path), f"p{i}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        for i in range(2)
    ]
    ids = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        ids += out.split()
    assert sorted(ids) == [f"IE-{n:03d}" for n in range(1, 41)]


def test_every_change_is_kept_with_who_and_when(store: Cache, ctx: Context) -> None:
    opp_id = new(store, ctx)
    old = get(store, opp_id, ctx)
    changed = validate({**raw_of(old), "status": "proposed", "investment": 650}, ctx, opp_id=opp_id)
    assert changed.opportunity is not None
    assert save(store, changed.opportunity, who="lead")
    assert not save(store, changed.opportunity, who="lead")  # nothing new: no entry
    remove(store, opp_id, who="boss")
    entries = history(store, opp_id)
    assert [(e.action, e.who) for e in entries] == [
        ("create", "tester"),
        ("update", "lead"),
        ("delete", "boss"),
    ]
    assert entries[1].changes == {
        "investment": [500.0, 650.0],
        "status": ["identified", "proposed"],
    }
    assert "Status: identified → proposed" in entries[1].lines()
    assert entries[0].changes["area"] == [None, "Lead Management"]
    assert entries[2].changes["area"] == ["Lead Management", None]
    assert all(e.at.tzinfo is not None for e in entries)
    with pytest.raises(KnownError, match="no opportunity 'PO-001'"):
        get(store, opp_id)


def test_hostile_text_is_stored_and_listed_as_typed(store: Cache, ctx: Context) -> None:
    opp_id = new(store, ctx, current_state=HOSTILE, owner="Zoë 🚀 <admin> & co")
    opp = get(store, opp_id, ctx)
    assert opp.current_state == HOSTILE.replace("\r\n", "\n")
    assert opp.owner == "Zoë 🚀 <admin> & co"
    assert [o.id for o in list_opportunities(store, ctx, text="🚀")] == [opp_id]
    assert list_opportunities(store, ctx, text="nothing like this") == []


def test_list_filters_by_client_and_status(store: Cache, ctx: Context) -> None:
    new(store, ctx)
    new(store, ctx, client_key="CL-002", status="in progress")
    assert [o.client_key for o in list_opportunities(store, ctx, client="CL-002")] == ["CL-002"]
    assert len(list_opportunities(store, ctx, status="in_progress")) == 1
    with pytest.raises(KnownError, match="unknown client"):
        list_opportunities(store, ctx, client="nobody")


def snapshot(cache: Cache) -> dict[str, list[tuple[Any, ...]]]:
    with cache.engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {t} ORDER BY 1")]
            for t in ("opportunities", "opportunity_counters", "opportunity_history")
        }


def test_sync_never_touches_the_opportunities(
    synced_cache: Cache, catalog: Catalog, demo_warehouse: Path, tmp_path: Path
) -> None:
    cache = synced_cache  # the demo, synced once per session
    warehouse = tmp_path / "wh.sqlite"  # a copy of its warehouse, for this test to change
    shutil.copy(demo_warehouse, warehouse)
    with cache.session() as session:
        source = session.query(Source).one()
        source.url = f"sqlite:///{warehouse}"
    create_demo_opportunities(cache, catalog, today=TODAY)
    ctx = load_context(cache, catalog)
    opp_id = new(cache, ctx, client_key="CL-004")
    remove(cache, new(cache, ctx, client_key="CL-004"), who="tester")
    # An opportunity of a client the warehouse no longer has is kept too.
    with cache.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE opportunities SET client_key = 'CL-GONE' WHERE id = ?", (opp_id,)
        )
    before = snapshot(cache)
    # The warehouse changes: every client updated, one removed; sync picks it all up.
    with __import__("sqlite3").connect(warehouse) as conn:
        conn.execute(
            "UPDATE cs_clients SET name = name || ' Ltd', updated_at = '2026-11-22 06:00:00.000000'"
        )
    summary = Syncer(cache, catalog, today=TODAY, retention_months=3).sync(source)
    assert summary.status == "ok" and summary.updated > 0
    assert snapshot(cache) == before


def test_a_cache_at_0003_with_rows_upgrades_and_keeps_them(tmp_path: Path) -> None:
    from tests.test_cache import FIRST_REVISION_ROWS

    path = tmp_path / "old.sqlite"
    engine = cache_engine(path)
    upgrade(engine, path=path, revision="0003")
    rows = {
        **FIRST_REVISION_ROWS,
        "status_history": {"id": 1, "client_id": 7, "month": "2025-01", "status": "red",
                           "rating": 6.5, "complete": 1, "evaluated_at": "2025-02-01 00:00:00.000000",
                           "evaluation_json": '{"why": "<&> 🚀"}'},
        "alerts": {"id": 2, "client_id": 7, "month": "2025-01", "status": "red",
                   "previous_status": "green", "raised_at": "2025-02-01 00:00:00.000000",
                   "due_at": "2025-02-01 04:00:00.000000", "assigned_to": "Maya",
                   "reasons_json": "[]", "closed_at": None, "response_kind": None,
                   "response_note": None},
    }  # fmt: skip
    with engine.begin() as conn:
        for table, row in rows.items():
            columns = ", ".join(row)
            marks = ", ".join(f":{c}" for c in row)
            conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({marks})"), row)
    engine.dispose()
    with Cache.open(path) as cache:
        assert cache.revision() == head_revision() != "0003"
        with cache.engine.connect() as conn:
            for table, row in rows.items():
                found = conn.execute(text(f"SELECT {', '.join(row)} FROM {table}")).mappings().all()
                assert [dict(r) for r in found] == [row], table
            assert conn.exec_driver_sql("SELECT count(*) FROM opportunities").scalar_one() == 0
        # The upgraded cache takes opportunities for the client it kept.
        ctx = Context(
            clients={"CL-007": ClientRef("CL-007", "Café", "essential", 45.0)},
            tiers=__import__("csconsole.catalog", fromlist=["x"]).default_catalog().tiers,
            categories=load_categories(),
        )
        assert new(cache, ctx, client_key="CL-007") == "PO-001"
