"""Pipeline figures per client, and the dashboard and portfolio that read them."""

from __future__ import annotations

from datetime import date

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.opportunities.context import Context, load_context
from csconsole.opportunities.demo import create_demo_opportunities
from csconsole.opportunities.pipeline import open_by_client, pipeline
from csconsole.opportunities.store import list_opportunities
from tests.helpers import TODAY
from tests.helpers.opportunities import new


def test_pipeline_and_open_value_per_client(store: Cache, ctx: Context, catalog: Catalog) -> None:
    new(store, ctx, status="identified", next_review="2026-11-01", required_tier="enterprise")
    new(store, ctx, status="proposed", next_review="2026-12-05", investment="1000")
    new(store, ctx, status="in progress", next_review="2027-01-05")
    new(store, ctx, status="completed", next_review="2026-10-01")
    new(store, ctx, status="declined")
    pipe = pipeline(store, catalog, "CL-001", today=TODAY)
    assert pipe.counts == {
        "identified": 1,
        "proposed": 1,
        "in progress": 1,
        "completed": 1,
        "declined": 1,
    }
    assert pipe.next_review == date(2026, 11, 1)
    assert (pipe.overdue, pipe.upsell, pipe.open_value) == (1, 1, 2000.0)
    assert dict(pipe.lines())["Next review"] == "2026-11-01 (1 overdue)"
    assert open_by_client(store) == {"CL-001": (3, 2000.0)}


# --- dashboard and portfolio ---------------------------------------------------------------


def test_dashboard_pipeline_and_portfolio_read_the_store(
    synced_cache: Cache, catalog: Catalog
) -> None:
    from csconsole.dashboard import build_dashboard
    from csconsole.portfolio import build_portfolio

    create_demo_opportunities(synced_cache, catalog, today=TODAY)
    ctx = load_context(synced_cache, catalog)
    rows = list_opportunities(synced_cache, ctx)
    professional = next(c for c in ctx.clients.values() if c.tier == "professional")
    mine = [o for o in rows if o.client_key == professional.key]
    dashboard = build_dashboard(synced_cache, catalog, client_key=professional.key, today=TODAY)
    panel = next(p for p in dashboard.panels if p.key == "optimisation_pipeline")
    lines = dict(panel.lines)
    assert set(lines) == {"Identified", "Proposed", "In progress", "Completed", "Next review"}
    for label, status in (("Identified", "identified"), ("In progress", "in progress")):
        assert lines[label] == str(sum(o.status == status for o in mine))
    portfolio = build_portfolio(synced_cache, catalog, today=TODAY)
    by_key = {r.key: r for r in portfolio.rows}
    for key, (count, value) in open_by_client(synced_cache).items():
        assert (by_key[key].open_opportunities, by_key[key].opportunity_value) == (count, value)
    assert sum(r.open_opportunities for r in portfolio.rows) == sum(o.is_open for o in rows)


def test_dashboard_pipeline_says_when_there_are_none(synced_cache: Cache, catalog: Catalog) -> None:
    from csconsole.dashboard import build_dashboard

    ctx = load_context(synced_cache, catalog)
    professional = next(c for c in ctx.clients.values() if c.tier == "professional")
    dashboard = build_dashboard(synced_cache, catalog, client_key=professional.key, today=TODAY)
    panel = next(p for p in dashboard.panels if p.key == "optimisation_pipeline")
    assert "No opportunities recorded yet" in panel.note
    assert dict(panel.lines)["Identified"] == "0"
