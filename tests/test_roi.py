"""ROI: seed 001's framework and a hand-worked client, with and without a setup fee, year to
date and month to date."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.health.engine import HealthEngine
from csconsole.roi import RoiReport, client_roi, monthly_roi_frame, ratio
from csconsole.rollup import month_index, parse_month, samples_frame
from tests.helpers.health_helpers import add_client, add_samples, weekly


def test_seed_001_roi_framework() -> None:
    """Seed 001: costs $12 + $89 + $0 = $101 a month; benefits $40,950 + $52,313 + $6,375.

    The seed states a monthly ROI of 98,567 %. By its own formula (value − costs) / costs
    it is (99,638 − 101) / 101 = 985.51…, i.e. 98,551 %: the seed's figure is wrong
    (it matches neither that nor value / costs = 98,651 %).
    """
    rows = [
        *[(1, "time_saved", w, "week", h) for w, h in zip(
            ["2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26"], [200, 210, 205, 204], strict=True)],
        (1, "errors_prevented", "2026-10-01", "month", 51),
        (1, "revenue_direct", "2026-10-01", "month", 50_000),
        (1, "revenue_assisted", "2026-10-01", "month", 14_626),
        (1, "revenue_influenced", "2026-10-01", "month", 0),
        (1, "system_costs", "2026-10-01", "month", 12 + 89 + 0),
    ]  # fmt: skip
    month = month_index(date(2026, 10, 1))
    frame = monthly_roi_frame(
        samples_frame(rows),
        hourly_rate=50,  # 819 h × $50 = $40,950
        cost_per_error=125,  # 51 × $125 = $6,375
        weights={"revenue_direct": 0.9, "revenue_assisted": 0.5, "revenue_influenced": 0.25},
        first_month=month,
        last_month=month,
    )
    row = frame.loc[month]
    assert isinstance(row, pd.Series)
    assert row["time_savings_value"] == pytest.approx(40_950)
    assert row["revenue_attribution"] == pytest.approx(52_313)  # 45,000 + 7,313
    assert row["error_prevention_value"] == pytest.approx(6_375)
    assert row["value"] == pytest.approx(99_638)
    assert row["system_costs"] == 101
    roi = ratio(row["value"], row["system_costs"])
    assert roi is not None
    assert round(roi * 100) == 98_551
    assert round(roi * 100) != 98_567


def _roi_client(cache: Cache, *, setup_fee: float = 0.0) -> None:
    """A client paying $1,000 a month, at $50/h and $100 per error, started December 2025.

    December: time saved 4 h in each of the five weeks (1, 8, 15, 22, 29 Dec) = 20 h
      × $50 = $1,000; system costs $100.
    January: time saved 10 + 12 + 8 + 10 h (weeks of 5, 12, 19, 26 Jan; the last runs
      into February but counts in January) = 40 h = $2,000; errors prevented 3 + 2 + 1
      + 4 = 10 × $100 = $1,000; revenue $1,000 × 0.9 + $400 × 0.5 + $200 × 0.25 =
      $1,150; value $4,150; system costs $100.
    February: 10 h in each of the four weeks (2, 9, 16, 23 Feb) = 40 h = $2,000;
      system costs $100.
    """
    cid = add_client(cache, start=date(2025, 12, 1), setup_fee=setup_fee)
    add_samples(cache, cid, weekly(
        "time_saved",
        ["2025-12-01", "2025-12-08", "2025-12-15", "2025-12-22", "2025-12-29",
         "2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26",
         "2026-02-02", "2026-02-09", "2026-02-16", "2026-02-23"],
        [4, 4, 4, 4, 4, 10, 12, 8, 10, 10, 10, 10, 10],
    ))  # fmt: skip
    add_samples(cache, cid, weekly(
        "errors_prevented", ["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"], [3, 2, 1, 4]
    ))  # fmt: skip
    add_samples(cache, cid, [
        ("revenue_direct", "2026-01-01", "month", 1000), ("revenue_assisted", "2026-01-01", "month", 400),
        ("revenue_influenced", "2026-01-01", "month", 200), ("system_costs", "2025-12-01", "month", 100),
        ("system_costs", "2026-01-01", "month", 100), ("system_costs", "2026-02-01", "month", 100),
    ])  # fmt: skip


def _roi(cache: Cache, month: str, today: date = date(2026, 3, 10)) -> RoiReport:
    engine = HealthEngine(cache, _catalog(), today=today)
    return client_roi(
        cache, client=engine.find_client("test client"), month=parse_month(month), today=today
    )


def test_hand_worked_roi_without_setup_fee(cache: Cache) -> None:
    """Investment each month = fee $1,000 + system costs $100 = $1,100.

    December: (1,000 − 1,100) / 1,100 = −9.09 %; cumulative 1,000 vs 1,100: not paid back.
    January: (4,150 − 1,100) / 1,100 = 277.27 %; cumulative 5,150 ≥ 2,200: payback in
      January, month 2 after start.
    February: (2,000 − 1,100) / 1,100 = 81.82 %; cumulative (7,150 − 3,300) / 3,300 =
      116.67 %; year to date (Jan + Feb) (6,150 − 2,200) / 2,200 = 179.55 %.
    Projected annual return (three complete months): (−100 + 3,050 + 900) / 3 × 12 = 15,400.
    Return on running costs (internal), January: (4,150 − 100) / 100 = 4,050 %.
    """
    _roi_client(cache)
    report = _roi(cache, "2026-02")
    dec, jan, feb = report.trend
    assert (dec.value, dec.fee, dec.setup_fee, dec.investment) == (1000, 1000, 0, 1100)
    assert dec.roi == pytest.approx(-100 / 1100)
    assert (jan.hours_saved, jan.time_savings_value, jan.error_prevention_value) == (40, 2000, 1000)
    assert jan.revenue_attribution == pytest.approx(1150)
    assert jan.value == pytest.approx(4150) and jan.roi == pytest.approx(3050 / 1100)
    assert jan.running_cost_return == pytest.approx(40.5)
    assert (feb.value, feb.roi) == (2000, pytest.approx(900 / 1100))
    assert feb.cumulative_roi == pytest.approx(3850 / 3300)
    assert report.ytd_roi == pytest.approx(3950 / 2200)
    assert (report.payback_month, report.payback_months) == ("2026-01", 2)
    assert report.projected_annual_return == pytest.approx(15_400)
    data = report.as_json()
    assert data["month"] == "2026-02" and len(data["trend"]) == 3
    assert data["inputs"]["monthly_fee"] == 1000 and data["payback_target_months"] == 6
    assert data["trend"][1]["running_cost_return"] == pytest.approx(40.5)


def test_hand_worked_roi_with_setup_fee(cache: Cache) -> None:
    """The same client with a $3,000 setup fee, paid in December (its start month).

    December: investment 1,000 + 3,000 + 100 = 4,100; ROI (1,000 − 4,100) / 4,100 = −75.61 %.
    January: cumulative 5,150 < 5,200: not yet paid back.
    February: cumulative 7,150 ≥ 6,300: payback in February, month 3 after start;
      cumulative ROI (7,150 − 6,300) / 6,300 = 13.49 %. Year to date is unchanged (the
      setup fee fell in 2025). The projection leaves the one-time setup fee out:
      (−100 + 3,050 + 900) / 3 × 12 = 15,400, as without it.
    """
    _roi_client(cache, setup_fee=3000)
    report = _roi(cache, "2026-02")
    dec, jan, feb = report.trend
    assert (dec.setup_fee, dec.investment) == (3000, 4100)
    assert dec.roi == pytest.approx(-3100 / 4100)
    assert jan.cumulative_value < jan.cumulative_investment
    assert feb.cumulative_roi == pytest.approx(850 / 6300)
    assert (report.payback_month, report.payback_months) == ("2026-02", 3)
    assert report.ytd_roi == pytest.approx(3950 / 2200)
    assert report.projected_annual_return == pytest.approx(15_400)


def test_year_to_date_roi_starts_again_in_january(cache: Cache) -> None:
    _roi_client(cache, setup_fee=3000)
    december, january = _roi(cache, "2025-12"), _roi(cache, "2026-01")
    # December's year to date is December alone (the start month); January's is January alone.
    assert december.ytd_roi == pytest.approx(-3100 / 4100)
    assert january.ytd_roi == pytest.approx(3050 / 1100)
    assert january.current.cumulative_roi == pytest.approx((5150 - 5200) / 5200)


def test_month_to_date_counts_the_fee_pro_rata(cache: Cache) -> None:
    _roi_client(cache)
    report = _roi(cache, "2026-03", today=date(2026, 3, 10))
    assert report.current.fee == pytest.approx(1000 * 10 / 31)
    assert not report.current.complete
    # The projection still averages the three complete months before it.
    assert report.projected_annual_return == pytest.approx(15_400)


def _catalog() -> Catalog:
    from csconsole.catalog import default_catalog

    return default_catalog()
