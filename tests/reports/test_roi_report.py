"""The ROI report PDF carries the engine's figures."""

from __future__ import annotations

from pathlib import Path

from csconsole import formatting as fmt
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.review_facts import gather_facts
from csconsole.reviews import load_review
from csconsole.rollup import parse_month
from tests.helpers.reports import MONTH, flat, needs_poppler, pdf_info, pdf_text, write_pdf

pytestmark = needs_poppler


def test_roi_pdf_has_the_engine_figures(
    synced_cache: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    facts = gather_facts(synced_cache, catalog, client="CL-004", month=MONTH)
    review = load_review(synced_cache, facts)
    review.sections["roi_recommendations"] = "Widen the intake automation."
    path = write_pdf(synced_cache, catalog, tmp_path, kind="roi", review=review)
    text = flat(pdf_text(path))
    roi = facts.roi
    assert roi is not None
    for title in (
        "Executive summary", "Quantified benefits this month", "Time savings",
        "Error prevention", "Efficiency gains", "Revenue impact",
        "Cumulative impact since implementation", "Trending analysis", "Trend direction",
        "Recommendations for next month",
    ):  # fmt: skip
        assert title in text, title
    cur = roi.current
    assert f"Value created this month Year-to-date ROI Projected annual return ${cur.value:,.0f}" in text  # fmt: skip
    assert fmt.percent(roi.ytd_roi) in text
    assert fmt.money(cur.time_savings_value) in text
    assert fmt.money(cur.error_prevention_value) in text
    assert fmt.money(cur.cumulative_value) in text
    assert roi.payback_month is not None
    reached = fmt.month(parse_month(roi.payback_month))
    assert f"month {roi.payback_months} after start ({reached})" in text
    assert "running costs" not in text
    for month in roi.trend[-12:]:
        assert f"{fmt.month_short(parse_month(month.month))} {fmt.money(month.value)}" in text
    assert pdf_info(path)["Author"] == facts.client.csm
