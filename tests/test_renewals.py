"""Renewals and the book of business: next renewals, ARR, the value at risk and its rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.contracts import Renewal, add_months, next_renewal, renewal_of, renews_in
from csconsole.errors import KnownError
from csconsole.health.clients import load_clients
from csconsole.portfolio import PortfolioRow, build_portfolio
from csconsole.renewals import (
    RenewalRule,
    Window,
    book_totals,
    current_portfolio,
    renewals_due,
    totals_of,
)
from csconsole.settings import Settings
from tests.helpers import TODAY
from tests.helpers.health_helpers import add_client


@pytest.mark.parametrize(
    ("start", "months", "today", "expected"),
    [
        (date(2025, 3, 15), 12, date(2026, 11, 22), date(2027, 3, 15)),
        (date(2025, 11, 22), 12, date(2026, 11, 22), date(2026, 11, 22)),  # today itself
        (date(2025, 11, 23), 12, date(2026, 11, 22), date(2026, 11, 23)),
        (date(2024, 1, 10), 24, date(2026, 11, 22), date(2028, 1, 10)),
        (date(2024, 12, 31), 24, date(2026, 11, 22), date(2026, 12, 31)),
        (date(2024, 1, 31), 1, date(2026, 2, 10), date(2026, 2, 28)),  # the month's last day
        (date(2026, 10, 1), 12, date(2026, 11, 22), date(2027, 10, 1)),  # within the first term
        (date(2027, 1, 1), 12, date(2026, 11, 22), date(2028, 1, 1)),  # not started yet
    ],
)
def test_next_renewal_is_start_plus_whole_terms(
    start: date, months: int, today: date, expected: date
) -> None:
    assert next_renewal(start, months, today) == expected


def test_add_months_keeps_the_day_or_takes_the_months_last() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 11, 30), 14) == date(2026, 1, 30)


def test_a_term_under_a_month_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one month"):
        next_renewal(date(2025, 1, 1), 0, TODAY)


def _renewal(cache: Cache, **contract: object) -> Renewal:
    add_client(cache, key="CL-900", package_value=2500.0, start=date(2025, 3, 15), **contract)  # type: ignore[arg-type]
    (client,) = load_clients(cache.engine)
    return renewal_of(client, today=TODAY)


@pytest.mark.parametrize(
    ("contract", "when", "computed", "days"),
    [
        ({"renewal_date": date(2027, 1, 15), "contract_months": 24}, date(2027, 1, 15), False, 54),
        ({"renewal_date": date(2026, 11, 2)}, date(2026, 11, 2), False, -20),  # overdue
        ({"contract_months": 12}, date(2027, 3, 15), True, 113),
        ({}, None, False, None),
    ],
)
def test_renewal_is_the_warehouses_date_else_computed_else_unknown(
    cache: Cache, contract: dict[str, object], when: date | None, computed: bool, days: int | None
) -> None:
    renewal = _renewal(cache, **contract)
    assert (renewal.renewal_date, renewal.computed, renewal.days_to_renewal) == (
        when,
        computed,
        days,
    )
    assert renewal.arr == 30_000.0  # monthly fee × 12
    assert (renewal.client_id, renewal.name, renewal.csm, renewal.tier) == (
        "CL-900",
        "Test Client",
        "Maya",
        "essential",
    )


@pytest.mark.parametrize(
    ("when", "days", "shown"),
    [
        (None, None, "—"),
        (date(2026, 11, 22), 0, "today"),
        (date(2026, 11, 23), 1, "in 1 day"),
        (date(2027, 2, 20), 90, "in 90 days"),
        (date(2027, 2, 21), 91, "February 2027"),
        (date(2026, 11, 21), -1, "1 day ago"),
        (date(2026, 11, 2), -20, "20 days ago"),
    ],
)
def test_renews_in_counts_days_up_to_90_then_names_the_month(
    when: date | None, days: int | None, shown: str
) -> None:
    assert renews_in(when, days) == shown


@pytest.mark.parametrize(
    ("days", "shown"), [(0, "today"), (12, "12 d"), (-3, "3 d ago"), (120, "Mar 2027")]
)
def test_renews_in_short_for_a_narrow_column(days: int, shown: str) -> None:
    from datetime import timedelta

    assert renews_in(TODAY + timedelta(days=days), days, short=True) == shown


def test_the_explanation_says_where_the_date_comes_from(cache: Cache) -> None:
    assert "computed from the start date" in _renewal(cache, contract_months=12).explanation()


@pytest.mark.parametrize(
    ("window", "last_day"),
    [
        (Window(30), date(2026, 12, 22)),
        (Window(90), date(2027, 2, 20)),
        (Window(None), date(2026, 12, 31)),
    ],
)
def test_window_last_days(window: Window, last_day: date) -> None:
    assert window.last_day(TODAY) == last_day


@pytest.mark.parametrize(
    ("today", "quarter_end"),
    [(date(2026, 1, 1), date(2026, 3, 31)), (date(2026, 6, 30), date(2026, 6, 30))],
)
def test_this_quarter_ends_with_the_calendar_quarter(today: date, quarter_end: date) -> None:
    assert Window(None).last_day(today) == quarter_end


def _row(key: str, status: str, fee: float, when: date | None) -> PortfolioRow:
    renewal = Renewal(
        client_id=key,
        name=key,
        csm="Maya",
        tier="essential",
        arr=fee * 12,
        renewal_date=when,
        computed=False,
        days_to_renewal=None if when is None else (when - TODAY).days,
    )
    return PortfolioRow(
        key=key,
        name=key,
        tier="essential",
        package_value=fee,
        csm="Maya",
        status=status,
        worst_reason="",
        reasons=(),
        open_alerts=0,
        overdue_alerts=0,
        rating=None,
        trend=None,
        next_review=TODAY,
        renewal=renewal,
    )


BOOK = (
    _row("A", "green", 1000, date(2026, 11, 30)),  # green: never at risk
    _row("B", "yellow", 2000, date(2027, 2, 20)),  # day 90: at risk
    _row("C", "red", 3000, date(2027, 2, 21)),  # day 91: not yet
    _row("D", "red", 4000, date(2026, 11, 10)),  # passed, not renewed: at risk
    _row("E", "none", 500, date(2026, 11, 25)),  # not rated yet: unknown
    _row("F", "yellow", 700, None),  # no renewal known: not at risk
)


def test_book_totals_by_the_default_rule() -> None:
    totals = totals_of(BOOK, today=TODAY, rule=RenewalRule())
    assert totals.arr == 12 * (1000 + 2000 + 3000 + 4000 + 500 + 700)
    assert dict(totals.arr_by_status) == {
        "green": 12_000.0,
        "yellow": 32_400.0,
        "red": 84_000.0,
        "unknown": 6_000.0,
    }
    assert totals.at_risk == ("D", "B")  # soonest first
    assert totals.value_at_risk == 12 * (4000 + 2000)
    assert totals.renewals_this_month == 3  # A, D and E fall in November
    assert totals.window_days == 90


def test_the_rule_is_data_in_the_settings() -> None:
    settings = Settings(value_at_risk_statuses=["red"], value_at_risk_days=120)
    settings.save()
    rule = RenewalRule.configured()
    assert (rule.statuses, rule.window_days) == (("red",), 120)
    assert rule.definition().startswith("Value at risk: the ARR (monthly fee × 12) of red")
    totals = totals_of(BOOK, today=TODAY, rule=rule)
    assert totals.at_risk == ("D", "C") and totals.window_days == 120
    assert [w.label for w in rule.windows] == [
        "Next 30 days",
        "Next 60 days",
        "Next 90 days",
        "This quarter",
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("value_at_risk_statuses", ["amber"], "value_at_risk_statuses must list"),
        ("value_at_risk_statuses", [], "value_at_risk_statuses must list"),
        ("value_at_risk_days", 0, "value_at_risk_days must be"),
        ("value_at_risk_days", "90", "value_at_risk_days must be"),
        ("renewal_windows", [30, "month"], "renewal_windows must list"),
        ("renewal_windows", [1000], "renewal_windows must list"),
    ],
)
def test_a_bad_rule_in_the_settings_is_named(field: str, value: object, message: str) -> None:
    Settings(**{field: value}).save()  # type: ignore[arg-type]
    with pytest.raises(KnownError, match=message):
        Settings.load()


def test_renewals_due_in_a_window_soonest_first() -> None:
    due = renewals_due(BOOK, Window(30), today=TODAY)
    assert [r.key for r in due] == ["D", "E", "A"]
    assert [r.key for r in renewals_due(BOOK, Window(None), today=TODAY)] == ["D", "E", "A"]
    assert [r.key for r in renewals_due(BOOK, Window(90), today=TODAY)] == ["D", "E", "A", "B"]


def test_book_totals_of_the_demo_match_its_clients(synced_cache: Cache, catalog: Catalog) -> None:
    portfolio = build_portfolio(synced_cache, catalog, today=TODAY)
    totals = book_totals(synced_cache, today=TODAY)
    assert totals.arr == sum(r.package_value * 12 for r in portfolio.rows)
    expected = sorted(
        r.key
        for r in portfolio.rows
        if r.status in ("yellow", "red") and r.days_to_renewal is not None
        if r.days_to_renewal <= 90
    )
    assert sorted(totals.at_risk) == expected and len(expected) >= 2
    arr = {r.key: r.arr for r in portfolio.rows}
    assert totals.value_at_risk == sum(arr[k] for k in expected)
    by_csm = {r.csm for r in portfolio.rows}
    assert sum(book_totals(synced_cache, today=TODAY, csm=c).arr for c in by_csm) == totals.arr
    maya = book_totals(synced_cache, today=TODAY, csm="maya okafor")
    assert 0 < maya.arr < totals.arr
    assert book_totals(synced_cache, today=TODAY, csm="Nobody").arr == 0.0


def test_statuses_come_from_the_current_snapshot_or_a_fresh_evaluation(
    synced_cache: Cache, catalog: Catalog
) -> None:
    fresh = current_portfolio(synced_cache, today=TODAY, catalog=catalog)  # no snapshot yet
    again = current_portfolio(synced_cache, today=TODAY, catalog=catalog)  # the snapshot
    assert [(r.key, r.status) for r in again.rows] == [(r.key, r.status) for r in fresh.rows]
    assert {r.status for r in fresh.rows} >= {"green", "yellow", "red"}


def test_portfolio_rows_carry_arr_and_renewal(synced_cache: Cache, catalog: Catalog) -> None:
    rows = {r.key: r for r in build_portfolio(synced_cache, catalog, today=TODAY).rows}
    row = rows["CL-004"]
    assert row.arr == row.package_value * 12
    assert row.renewal is not None and row.days_to_renewal == 12
    assert replace(row, renewal=None).days_to_renewal is None
