"""The review's narrative store: pre-filled from the data, saved as typed, carried over,
kept through syncs and migrations."""

from __future__ import annotations

from datetime import UTC, date
from pathlib import Path

import pytest
from sqlalchemy import text

from csconsole import wording
from csconsole.cache import Cache, cache_engine, head_revision, upgrade
from csconsole.catalog import Catalog
from csconsole.errors import KnownError
from csconsole.health.engine import HealthEngine
from csconsole.ingest.sync import Syncer
from csconsole.review_facts import ReviewFacts, gather_facts
from csconsole.reviews import (
    ActionItem,
    FeatureRequest,
    Review,
    load_review,
    load_stored,
    save_review,
)
from csconsole.rollup import parse_month

MONTH = parse_month("2026-10")
HOSTILE = '<b>Tom & Jerry</b> said "it\'s ≥ 2× faster" — Café naïve 中文 日本語 한국어 🚀😀 &amp;'


def _facts(cache: Cache, catalog: Catalog, client: str = "CL-032") -> ReviewFacts:
    return gather_facts(cache, catalog, client=client, month=MONTH, engine=HealthEngine(cache, catalog))  # fmt: skip


def _add_opportunity(cache: Cache, client: str, *, required: str, area: str) -> str:
    from csconsole.opportunities.model import Opportunity
    from csconsole.opportunities.store import create

    return create(
        cache,
        Opportunity(
            id="",
            client_key=client,
            category="AF" if required != "essential" else "PO",
            area=area,
            improvement="Forecasting",
            benefit="$1,000/month savings",
            benefit_amount=1000.0,
            benefit_unit="$/month",
            investment=2500.0,
            timeline_weeks=4,
            priority="low",
            required_tier=required,
            status="proposed",
        ),
        who="test",
    )


def test_prefill_wins_improvements_and_opportunities(synced_cache: Cache, catalog: Catalog) -> None:
    upsell = _add_opportunity(synced_cache, "CL-032", required="enterprise", area="Predictive <AI>")
    within = _add_opportunity(synced_cache, "CL-032", required="essential", area="Lead intake")
    facts = _facts(synced_cache, catalog)
    review = load_review(synced_cache, facts)
    assert not review.saved
    ev = facts.evaluation
    assert ev.status == "yellow" and ev.reasons
    # Improvements: the reasons for the status, as sentences a client reads.
    for reason in ev.reasons:
        assert wording.reason_sentence(reason, ev) in review.text("improvements")
    assert review.text("primary_focus") == wording.focus_sentence(ev.reasons[0], ev)
    # Wins: the metrics furthest above target, best first.
    above = sorted(
        (k for k in ev.kpis if k.variance and k.variance > 0 and k.band != "tracked"),
        key=lambda k: -(k.variance or 0),
    )
    lines = review.text("wins").splitlines()
    assert len(lines) == min(3, len(above))
    assert [line.split(": ")[0].lstrip("• ") for line in lines] == [
        wording.title(k.metric, k.label) for k in above[:3]
    ]
    assert review.text("key_achievement") == wording.achievement_sentence(above[0], ev)
    # Opportunities: open entries with investment and ROI; upsells under expansion.
    # They are named by their area, never by their internal ID.
    assert "Lead intake" in review.text("optimisations")
    assert "$2,500" in review.text("optimisations")
    assert "Predictive <AI>" in review.text("expansion")
    assert "annual return" in review.text("expansion")
    assert "Predictive" not in review.text("optimisations")
    for opp_id in (within, upsell):
        assert opp_id not in review.text("optimisations") + review.text("expansion")
    assert review.text("expansion_readiness") == "Partial"  # yellow


def test_green_client_without_reasons_has_no_improvements(
    synced_cache: Cache, catalog: Catalog
) -> None:
    facts = _facts(synced_cache, catalog, "CL-004")
    review = load_review(synced_cache, facts)
    assert facts.status == "green"
    assert review.text("improvements") == ""
    assert review.text("optimisations") == "" and review.text("expansion") == ""


def test_saved_as_typed_with_last_edited_in_utc(synced_cache: Cache, catalog: Catalog) -> None:
    facts = _facts(synced_cache, catalog)
    review = load_review(synced_cache, facts)
    review.sections["client_quote"] = HOSTILE + "\n\n  second line\r\n"
    review.actions = [ActionItem(HOSTILE, "Zoë", date(2026, 11, 30), False)]
    review.requests = [FeatureRequest("Export to <CSV>", "high", "Q1 & later")]
    saved = save_review(synced_cache, review, who="Maya")
    assert saved.edited_at is not None and saved.edited_at.tzinfo == UTC
    again = load_stored(synced_cache, "CL-032", "2026-10")
    assert again is not None
    assert again.text("client_quote") == HOSTILE + "\n\n  second line\r\n"
    assert again.actions == review.actions
    assert again.requests == review.requests
    assert again.edited_at == saved.edited_at and again.edited_by == "Maya"
    # Pre-filled sections were saved too, so what the CSM saw is what is kept.
    assert again.text("improvements") == review.text("improvements")


def test_unfinished_action_items_carry_over_to_the_next_month(
    synced_cache: Cache, catalog: Catalog
) -> None:
    september = Review(
        "CL-032",
        "2026-09",
        actions=[
            ActionItem("Retrain the team", "Maya", date(2026, 10, 5), done=True),
            ActionItem("Fix the CRM sync", "Tom", date(2026, 10, 20), done=False),
        ],
    )
    save_review(synced_cache, september)
    october = load_review(synced_cache, _facts(synced_cache, catalog))
    assert october.actions == [ActionItem("Fix the CRM sync", "Tom", date(2026, 10, 20), False)]


def test_text_too_long_and_bad_feasibility_are_refused(synced_cache: Cache) -> None:
    with pytest.raises(KnownError, match="at most"):
        save_review(synced_cache, Review("CL-001", "2026-10", sections={"wins": "x" * 100_001}))
    with pytest.raises(KnownError, match="feasibility"):
        save_review(
            synced_cache, Review("CL-001", "2026-10", requests=[FeatureRequest("a", "maybe")])
        )


def test_a_sync_never_touches_reviews(synced_cache: Cache, catalog: Catalog) -> None:
    from csconsole.models import Source

    review = Review("CL-004", "2026-10", sections={"wins": HOSTILE}, actions=[ActionItem("t")])
    saved = save_review(synced_cache, review)
    with synced_cache.engine.begin() as conn:  # the next sync re-reads every row
        conn.exec_driver_sql("DELETE FROM source_watermarks")
    with synced_cache.session() as session:
        source = session.query(Source).one()
        session.expunge(source)
    today = date(2026, 11, 22)
    summary = Syncer(synced_cache, catalog, today=today).sync(source)
    assert summary.status == "ok", summary.message
    after = load_stored(synced_cache, "CL-004", "2026-10")
    assert after == saved


def test_a_cache_at_the_previous_revision_upgrades_and_keeps_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    engine = cache_engine(path)
    upgrade(engine, path=path, revision="0004")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO opportunities (id, category, client_key, area, current_state, "
                "improvement, benefit, benefit_unit, priority, required_tier, status, owner, "
                "created_at, created_by, updated_at, updated_by) VALUES ('PO-001', 'PO', "
                "'CL-001', 'Leads', '', '', '', '', 'high', 'essential', 'proposed', '', "
                "'2026-01-01 00:00:00.000000', 'x', '2026-01-01 00:00:00.000000', 'x')"
            )
        )
    engine.dispose()
    with Cache.open(path) as cache:
        assert cache.revision() == head_revision()
        with cache.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT id FROM opportunities").scalar_one() == "PO-001"
            assert conn.exec_driver_sql("SELECT count(*) FROM reviews").scalar_one() == 0
        save_review(cache, Review("CL-001", "2026-10", sections={"wins": "ok"}))
        stored = load_stored(cache, "CL-001", "2026-10")
        assert stored is not None and stored.text("wins") == "ok"
