"""The demo warehouse: deterministic, about 40 clients over 24 months ending last month."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from csconsole.cache import Cache
from csconsole.catalog import Catalog, load_catalog
from csconsole.health.bands import Bands
from csconsole.health.engine import HealthEngine
from csconsole.ingest.demo import generate_demo
from csconsole.opportunities.context import load_context
from csconsole.opportunities.demo import create_demo_opportunities
from csconsole.opportunities.store import list_opportunities
from csconsole.roi import client_roi
from csconsole.rollup import catalog_rules, monthly_values
from tests.helpers import TODAY


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with sqlite3.connect(path) as conn:
        for table in ("cs_clients", "cs_client_targets", "cs_metric_samples", "cs_incidents"):
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):
                h.update(repr(row).encode())
    return h.hexdigest()


@pytest.mark.slow
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


# --- realism (SPEC "Health status" rating version 2, "ROI … version 2"; issue 12) ---------


def _engine(cache: Cache, catalog: Catalog) -> HealthEngine:
    return HealthEngine(cache, catalog, today=TODAY, bands=Bands())


def test_demo_ratings_spread_and_move(synced_cache: Cache, catalog: Catalog) -> None:
    engine = _engine(synced_cache, catalog)
    now = engine.evaluate(engine.current_month, record=False)
    ratings = [e.rating for e in now if e.rating is not None]
    assert len(ratings) == 40
    assert max(ratings) - min(ratings) >= 5
    assert {"up", "down"} <= {e.trend for e in now}
    assert {e.status for e in now} == {"green", "yellow", "red"}
    green = [e.rating for e in now if e.status == "green" and e.rating is not None]
    assert len(set(green)) >= 6  # healthy clients sit at their own levels, not all at 10
    assert min(green) < 9.3 and max(green) == 10.0


def _monthly(cache: Cache, catalog: Catalog, key: str, metric: str, months: range) -> list[float]:
    engine = _engine(cache, catalog)
    client = engine.find_client(key)
    values = monthly_values(
        cache.engine,
        first_month=months[0],
        last_month=months[-1],
        rules=catalog_rules(catalog),
        client_ids=[client.id],
    )
    return [values[(client.id, metric, m)][0] for m in months]


def test_demo_stories_decline_and_recover(synced_cache: Cache, catalog: Catalog) -> None:
    engine = _engine(synced_cache, catalog)
    now = engine.current_month
    by_key = {e.client_key: e for e in engine.evaluate(now, record=False)}
    before = {e.client_key: e for e in engine.evaluate(now - 1, record=False)}
    # Harbour Dental: adoption falls three months running while green, then turns yellow.
    adoption = _monthly(synced_cache, catalog, "CL-004", "user_adoption", range(now - 4, now + 1))
    assert adoption == sorted(adoption, reverse=True) and adoption[0] - adoption[-1] > 10
    assert (before["CL-004"].status, by_key["CL-004"].status) == ("green", "yellow")
    assert by_key["CL-004"].trend == "down"
    # Bluebell Nurseries: red for months, an intervention, yellow, then green again.
    history = [
        {e.client_key: e for e in engine.evaluate(m, record=False)}["CL-006"].status
        for m in range(now - 6, now + 1)
    ]
    assert history[:3] == ["red"] * 3 and history[-3:] == ["yellow", "yellow", "green"]
    assert by_key["CL-006"].trend == "up"


def test_demo_series_have_noise_and_seasons(demo_warehouse: Path) -> None:
    with sqlite3.connect(demo_warehouse) as conn:

        def of(aggregate: str, metric: str, month: str) -> float:
            return float(
                conn.execute(
                    f"SELECT {aggregate}(value) FROM cs_metric_samples "
                    "WHERE metric = ? AND substr(period_start, 1, 7) = ?",
                    (metric, month),
                ).fetchone()[0]
            )

        distinct = conn.execute(
            "SELECT count(DISTINCT value) FROM cs_metric_samples "
            "WHERE metric = 'user_adoption' AND client_id = 'CL-002'"
        ).fetchone()[0]
        adoption = {m: of("avg", "user_adoption", m) for m in ("2026-07", "2026-08", "2026-09")}
        december = of("avg", "user_adoption", "2025-12"), of("avg", "user_adoption", "2025-11")
        revenue = {m: of("sum", "revenue_direct", m) for m in ("2026-08", "2026-09", "2026-10")}
    assert distinct > 20  # no flat lines
    assert adoption["2026-08"] < min(adoption["2026-07"], adoption["2026-09"])  # holidays
    assert december[0] < december[1]
    assert revenue["2026-09"] > max(revenue["2026-08"], revenue["2026-10"])  # quarter end


def test_demo_roi_is_believable(synced_cache: Cache, catalog: Catalog) -> None:
    """Most clients return 50–600 % a month, one struggles near or below 0 %, payback
    comes within 1–9 months, and no month anywhere shows more than 1,000 %."""
    engine = _engine(synced_cache, catalog)
    latest, struggling, in_band, settled = engine.latest_complete, [], 0, 0
    for client in engine.clients():
        report = client_roi(synced_cache, client=client, month=engine.current_month, today=TODAY)
        rois = [m.roi for m in report.trend if m.roi is not None]
        assert max(rois) <= 10, client.key  # never above 1,000 %
        for figure in (report.ytd_roi, report.current.cumulative_roi):
            assert figure is not None and figure <= 10, client.key
        age = latest - client.start_month + 1
        if report.payback_months is not None:
            assert 1 <= report.payback_months <= 9, client.key
        else:
            assert age < 9, client.key  # only the newest clients have not paid back yet
        if age >= 4:  # past onboarding
            settled += 1
            october = report.trend[-2].roi
            assert october is not None
            in_band += 0.5 <= october <= 6
            if october <= 0.1:
                struggling.append(client.key)
    assert in_band >= 0.85 * settled
    assert struggling == ["CL-032"]  # Willow Creek Clinics


def test_demo_contracts_have_setup_fees_and_costs(demo_warehouse: Path) -> None:
    with sqlite3.connect(demo_warehouse) as conn:
        fees = conn.execute("SELECT tier, package_value, setup_fee FROM cs_clients").fetchall()
        costs = dict(
            conn.execute(
                "SELECT c.tier, avg(s.value) FROM cs_metric_samples s "
                "JOIN cs_clients c ON c.client_id = s.client_id "
                "WHERE s.metric = 'system_costs' GROUP BY c.tier"
            ).fetchall()
        )
        titles = conn.execute("SELECT count(DISTINCT title) FROM cs_incidents").fetchone()[0]
    waived = [f for f in fees if f[2] is None]
    assert 1 <= len(waived) <= 5
    assert all(package <= setup <= 4 * package for _tier, package, setup in fees if setup)
    assert 150 < costs["essential"] < costs["professional"] < costs["enterprise"] < 3000
    assert titles >= 12


def test_demo_opportunities_vary_across_clients(synced_cache: Cache, catalog: Catalog) -> None:
    assert create_demo_opportunities(synced_cache, catalog, today=TODAY) >= 60
    rows = list_opportunities(synced_cache, load_context(synced_cache, catalog))
    areas: dict[str, set[str]] = {}
    for o in rows:
        areas.setdefault(o.client_key, set()).add(o.area)
    assert len({o.area for o in rows}) >= 25
    assert all(o.roi is not None and 0 < o.roi <= 1000 for o in rows)  # % a year, as a review shows
    assert len(areas) == 40 and len({frozenset(a) for a in areas.values()}) >= 30


def test_demo_renewals_spread_over_the_coming_year(demo_warehouse: Path) -> None:
    from datetime import date, timedelta

    with sqlite3.connect(demo_warehouse) as conn:
        rows = conn.execute("SELECT renewal_date, contract_months FROM cs_clients").fetchall()
    assert {months for _when, months in rows} == {12, 24}
    given = sorted(date.fromisoformat(when) for when, _months in rows if when)
    assert 1 <= len(rows) - len(given) <= 6  # a few left for the console to compute
    assert given[0] > TODAY and given[-1] <= TODAY + timedelta(days=365)
    quarters = {(d - TODAY).days // 91 for d in given}
    assert quarters == {0, 1, 2, 3}  # every quarter of the coming year has renewals
    assert sum(d <= TODAY + timedelta(days=30) for d in given) >= 3


def test_demo_has_a_yellow_and_a_red_client_renewing_within_30_days(
    synced_cache: Cache, catalog: Catalog
) -> None:
    from csconsole.portfolio import build_portfolio

    rows = build_portfolio(synced_cache, catalog, today=TODAY).rows
    soon = {
        r.status for r in rows if r.days_to_renewal is not None and 0 <= r.days_to_renewal <= 30
    }
    assert {"yellow", "red", "green"} <= soon
    assert any(r.renewal is not None and r.renewal.computed for r in rows)
