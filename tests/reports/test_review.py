"""The monthly review PDF, read back with poppler: every section with the engine's figures,
text printed as typed, empty sections left out, oversized text flowing onto new pages."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from csconsole import formatting as fmt
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.health.engine import HealthEngine
from csconsole.health.rules import fmt_value
from csconsole.review_facts import gather_facts
from csconsole.reviews import (
    SECTION_KEYS,
    ActionItem,
    FeatureRequest,
    Review,
    load_review,
)
from tests.helpers.reports import MONTH, flat, needs_poppler, pdf_info, pdf_text, write_pdf

pytestmark = needs_poppler

HOSTILE_LINES = [
    "<b>not bold</b> & <i>not italic</i> &amp; &lt;",
    "\"double\" and 'single' quotes",
    "Café naïve Zoë Ångström façade",
    "中文 日本語 한국어",
    "🚀 launch 😀 smile",
    "A → B ≤ C ≥ D — E",
]


def test_review_pdf_has_every_section_and_the_engine_figures(synced_cache: Cache, catalog: Catalog, tmp_path: Path) -> None:  # fmt: skip
    engine = HealthEngine(synced_cache, catalog)
    facts = gather_facts(synced_cache, catalog, client="CL-004", month=MONTH, engine=engine)
    review = load_review(synced_cache, facts)
    for key in SECTION_KEYS:  # every section written: every section printed
        review.sections[key] = review.sections.get(key) or f"Words for {key}."
    review.actions = [ActionItem("Call the finance lead", "Zoë", date(2026, 11, 5))]
    review.requests = [FeatureRequest("Export to CSV", "high", "Q1")]
    path = write_pdf(synced_cache, catalog, tmp_path, review=review)
    text = flat(pdf_text(path))
    for title in (
        "Executive summary", "Performance metrics", "System health", "Business impact",
        "User engagement", "Client satisfaction", "Detailed performance analysis",
        "Wins this month", "Areas for improvement", "Optimisation opportunities",
        "Client feedback", "Direct feedback", "Support interactions", "Feature requests",
        "Strategic recommendations", "Expansion opportunities", "Risk mitigation",
        "Action items and next steps", "Appendix", "Monthly metrics trend",
        "Communication log", "Technical performance details", "Next review",
    ):  # fmt: skip
        assert title in text, title
    ev = facts.evaluation
    assert "Harbour Dental Group" in text and "October 2026" in text
    assert "Professional package" in text and "2026-10" not in text
    assert fmt.rating(ev.rating) in text
    assert "GREEN" in text  # status by word (the colour is checked by eye: docs/)
    rows = [flat(line).strip() for line in pdf_text(path).splitlines()]
    for kpi in ev.kpis:  # a long label wraps in its cell: its first line holds the figures
        figures = f"{fmt_value(kpi.value, kpi.unit, kpi.metric)} "
        assert any(r.startswith(kpi.label[:20]) and figures in r for r in rows), kpi.label
    assert facts.roi is not None
    assert f"${facts.roi.current.value:,.0f}" in text
    pages = int(pdf_info(path)["Pages"])
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    info = pdf_info(path)
    assert info["Author"] == facts.client.csm
    assert info["Title"] == "Monthly optimisation review: Harbour Dental Group, October 2026"


def test_hostile_text_prints_exactly_as_typed(
    synced_cache: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    hostile = "\n".join(HOSTILE_LINES)
    review = Review(
        "CL-004",
        "2026-10",
        sections={"client_quote": hostile, "wins": hostile, "communication_log": hostile},
        actions=[ActionItem(line, "Zoë <owner>", date(2026, 12, 1)) for line in HOSTILE_LINES],
        requests=[FeatureRequest(line, "high", line) for line in HOSTILE_LINES],
    )
    path = write_pdf(synced_cache, catalog, tmp_path, review=review)
    text = flat(pdf_text(path, mode="-raw"))  # a line may wrap in a narrow cell
    for line in HOSTILE_LINES:
        # Once in each of the 3 sections, the action item, the request and its note.
        assert text.count(line) == 6, (line, text.count(line))
    assert "Zoë <owner>" in text


def test_empty_sections_are_left_out(synced_cache: Cache, catalog: Catalog, tmp_path: Path) -> None:
    path = write_pdf(synced_cache, catalog, tmp_path, review=Review("CL-004", "2026-10"))
    text = flat(pdf_text(path))
    for line in (
        "No client quote recorded this month.",
        "No feature requests this month.",
        "No action items recorded.",
        "No communication logged this month.",
        "No risk identified this month.",
        "Client feedback",
        "Feature requests",
        "Action items",
        "Communication log",
        "Risk mitigation",
    ):
        assert line not in text


@pytest.mark.slow
def test_oversized_text_flows_onto_new_pages(
    synced_cache: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    words = " ".join(f"word{n}" for n in range(12_000))
    unbroken = "x" * 20_000  # one "word" wider than any page
    review = Review(
        "CL-004",
        "2026-10",
        sections={"communication_log": words, "technical_notes": unbroken},
        actions=[ActionItem(words, "owner " * 500, None)]
        + [ActionItem(f"task {n}", "Tom", None) for n in range(120)],
        requests=[FeatureRequest(words[:30_000], "low", unbroken)],
    )
    path = write_pdf(synced_cache, catalog, tmp_path, review=review)  # no "Flowable too large"
    pages = int(pdf_info(path)["Pages"])
    assert pages > 10
    text = pdf_text(path)
    assert "word11999" in text and "task 119" in text
    # The action items table split over pages and its header came back on each. pdftotext
    # ends every page with a form feed: one run reads every page.
    page_texts = text.split("\f")[:pages]
    assert len(page_texts) == pages
    with_tasks = [page for page in page_texts if re.search(r"task \d+", page)]
    assert len(with_tasks) >= 2
    for page in with_tasks:
        assert "Task Owner Due" in flat(page)
