"""The demo opportunities: a believable set, made once, the same every time."""

from __future__ import annotations

import shutil
from pathlib import Path

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.opportunities.context import load_context
from csconsole.opportunities.demo import create_demo_opportunities
from csconsole.opportunities.model import PRIORITIES, STATUSES
from csconsole.opportunities.store import history, list_opportunities
from tests.helpers import TODAY


def test_demo_creates_a_believable_set_once(synced_cache: Cache, catalog: Catalog) -> None:
    created = create_demo_opportunities(synced_cache, catalog, today=TODAY)
    assert created >= 60
    ctx = load_context(synced_cache, catalog)
    rows = list_opportunities(synced_cache, ctx)
    assert {o.category for o in rows} == {"PO", "IE", "AF"}
    assert {o.status for o in rows} == set(STATUSES)
    assert {o.priority for o in rows} == set(PRIORITIES)
    assert {(o.category, o.status) for o in rows} == {
        (c, s) for c in ("PO", "IE", "AF") for s in STATUSES
    }
    assert sum(o.overdue(TODAY) for o in rows) >= 5
    assert sum(o.upsell for o in rows) >= 5
    assert sum(o.roi_computed for o in rows) >= 20
    assert all(history(synced_cache, o.id)[0].who == "demo" for o in rows[:3])
    # Never twice, never over a user's rows.
    assert create_demo_opportunities(synced_cache, catalog, today=TODAY) == 0
    assert len(list_opportunities(synced_cache, ctx)) == created


def test_demo_is_the_same_every_time(synced_cache: Cache, catalog: Catalog, tmp_path: Path) -> None:
    copy = tmp_path / "copy.sqlite"
    shutil.copy(synced_cache.path, copy)
    create_demo_opportunities(synced_cache, catalog, today=TODAY)
    with Cache.open(copy) as other:
        create_demo_opportunities(other, catalog, today=TODAY)
        ctx = load_context(other, catalog)
        a = [o.stored() for o in list_opportunities(synced_cache, ctx)]
        b = [o.stored() for o in list_opportunities(other, ctx)]
    assert a == b
