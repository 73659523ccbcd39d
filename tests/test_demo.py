"""The demo warehouse: deterministic, about 40 clients over 24 months ending last month."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from tests.conftest import TODAY

from csconsole.catalog import load_catalog
from csconsole.demo import generate_demo


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with sqlite3.connect(path) as conn:
        for table in ("cs_clients", "cs_client_targets", "cs_metric_samples", "cs_incidents"):
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):
                h.update(repr(row).encode())
    return h.hexdigest()


def test_demo_is_the_same_every_time(tmp_path: Path, demo_warehouse: Path) -> None:
    again = tmp_path / "again.sqlite"
    generate_demo(again, catalog=load_catalog(), today=TODAY)
    assert digest(again) == digest(demo_warehouse)


def test_demo_covers_every_tier_over_24_months(demo_warehouse: Path) -> None:
    with sqlite3.connect(demo_warehouse) as conn:
        tiers = dict(conn.execute("SELECT tier, count(*) FROM cs_clients GROUP BY tier").fetchall())
        first, last = conn.execute(
            "SELECT min(period_start), max(period_start) FROM cs_metric_samples"
        ).fetchone()
        grains = {g for (g,) in conn.execute("SELECT DISTINCT grain FROM cs_metric_samples")}
        severities = set(conn.execute("SELECT severity, resolved_at IS NULL FROM cs_incidents"))
        new = conn.execute(
            "SELECT count(*) FROM cs_clients WHERE start_date >= '2026-09-01'"
        ).fetchone()[0]
    assert sum(tiers.values()) == 40 and set(tiers) == {"essential", "professional", "enterprise"}
    assert first == "2024-11-01"  # 24 complete months ending October 2026, then November to date
    assert last < TODAY.isoformat()
    assert grains == {"day", "week", "month"}
    assert {("minor", 0), ("critical", 0), ("minor", 1), ("critical", 1)} <= severities
    assert new == 1
