"""Renewals and the book of business: who renews when, the book's ARR, and the value
at risk.

Each client's ARR and next renewal come from ``csconsole.contracts``; its status from
the portfolio (the stored snapshot when it is current, else a fresh evaluation of the
portfolio's month). The value-at-risk rule and the renewal windows are settings
(``value_at_risk_statuses``, ``value_at_risk_days``, ``renewal_windows``). Money is a
float, as in ``csconsole.roi`` and ``formatting.money``. Qt-free.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from csconsole import formatting
from csconsole.cache import Cache
from csconsole.catalog import Catalog, default_catalog
from csconsole.contracts import Renewal, next_renewal, renewal_of, renews_in
from csconsole.portfolio import Portfolio, PortfolioRow, build_portfolio, snapshot_portfolio
from csconsole.settings import Settings

__all__ = [
    "STATUSES",
    "BookTotals",
    "Renewal",
    "RenewalRule",
    "Window",
    "book_totals",
    "current_portfolio",
    "next_renewal",
    "of_csm",
    "renewal_of",
    "renewals_due",
    "renews_in",
    "status_of",
    "totals_of",
]

#: The keys of ``BookTotals.arr_by_status``: a client not rated yet is "unknown".
STATUSES = ("green", "yellow", "red", "unknown")


def status_of(row: PortfolioRow) -> str:
    """The row's status as the book counts it: green, yellow, red or unknown."""
    return row.status if row.status in ("green", "yellow", "red") else "unknown"


@dataclass(frozen=True)
class Window:
    """A renewal window: the next ``days`` days, or (``days`` None) this calendar quarter.
    A renewal whose date has passed (the warehouse has not moved it on yet) is overdue
    and counts in every window."""

    days: int | None

    @property
    def key(self) -> str:
        """As kept in settings and in a tab's saved state: "30", "quarter"."""
        return "quarter" if self.days is None else str(self.days)

    @property
    def label(self) -> str:
        return "This quarter" if self.days is None else f"Next {self.days} days"

    def last_day(self, today: date) -> date:
        if self.days is not None:
            return today + timedelta(days=self.days)
        first_of_next = (today.month - 1) // 3 * 3 + 4  # the month after the quarter
        year = today.year + (first_of_next > 12)
        return date(year, (first_of_next - 1) % 12 + 1, 1) - timedelta(days=1)

    def holds(self, renewal: Renewal | None, today: date) -> bool:
        if renewal is None or renewal.renewal_date is None:
            return False
        return renewal.renewal_date <= self.last_day(today)

    def definition(self, today: date) -> str:
        if self.days is None:
            return f"renewing from today to the end of the quarter ({formatting.day(self.last_day(today))})"
        return f"renewing within {self.days} days (by {formatting.day(self.last_day(today))})"


@dataclass(frozen=True)
class RenewalRule:
    """The value-at-risk rule and the renewal windows, as the settings give them."""

    statuses: tuple[str, ...] = ("yellow", "red")
    window_days: int = 90
    windows: tuple[Window, ...] = (Window(30), Window(60), Window(90), Window(None))

    @classmethod
    def configured(cls, settings: Settings | None = None) -> RenewalRule:
        """The rule in the user's settings (defaults: yellow and red within 90 days)."""
        s = settings if settings is not None else Settings.load()
        return cls(
            statuses=tuple(st for st in STATUSES if st in s.value_at_risk_statuses),
            window_days=s.value_at_risk_days,
            windows=tuple(Window(None if w == "quarter" else int(w)) for w in s.renewal_windows),
        )

    def window(self, key: str) -> Window | None:
        return next((w for w in self.windows if w.key == key), None)

    def definition(self) -> str:
        """The rule in a sentence, for the view's header and the book."""
        named = [s if s != "unknown" else "not yet rated" for s in self.statuses]
        which = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
        return (
            f"Value at risk: the ARR (monthly fee × 12) of {which} clients renewing "
            f"within {self.window_days} days, or whose renewal date has passed."
        )

    def counts(self, row: PortfolioRow) -> bool:
        """Whether the row's ARR is at risk under this rule."""
        days = row.days_to_renewal
        return status_of(row) in self.statuses and days is not None and days <= self.window_days


@dataclass(frozen=True)
class BookTotals:
    """The book's figures on a day: ARR in total and by status, the value at risk and
    who makes it up, and how many renewals fall in the day's calendar month."""

    arr: float
    arr_by_status: Mapping[str, float]  # keys "green", "yellow", "red", "unknown"
    value_at_risk: float
    at_risk: tuple[str, ...]  # client keys counted in the value at risk
    renewals_this_month: int
    window_days: int  # the value-at-risk window


def totals_of(
    rows: Sequence[PortfolioRow], *, today: date, rule: RenewalRule | None = None
) -> BookTotals:
    """The totals of these portfolio rows (already cut to a CSM if wanted)."""
    rule = rule or RenewalRule.configured()
    by_status = dict.fromkeys(STATUSES, 0.0)
    at_risk: list[PortfolioRow] = []
    this_month = 0
    for row in rows:
        by_status[status_of(row)] += row.arr
        if rule.counts(row):
            at_risk.append(row)
        when = row.renewal.renewal_date if row.renewal else None
        if when is not None and (when.year, when.month) == (today.year, today.month):
            this_month += 1
    at_risk.sort(key=lambda r: (r.days_to_renewal, -r.arr, r.key))
    return BookTotals(
        arr=sum(by_status.values()),
        arr_by_status=by_status,
        value_at_risk=sum((r.arr for r in at_risk), 0.0),
        at_risk=tuple(r.key for r in at_risk),
        renewals_this_month=this_month,
        window_days=rule.window_days,
    )


def renewals_due(
    rows: Sequence[PortfolioRow], window: Window, *, today: date
) -> list[PortfolioRow]:
    """The rows renewing within ``window``, soonest first (overdue ones first of all)."""
    due = [r for r in rows if window.holds(r.renewal, today)]
    due.sort(key=lambda r: (r.days_to_renewal, r.name.casefold()))
    return due


def current_portfolio(cache: Cache, *, today: date, catalog: Catalog | None = None) -> Portfolio:
    """The portfolio as of ``today``: the stored snapshot when nothing it depends on has
    changed, else evaluated afresh (and stored for next time)."""
    catalog = catalog or default_catalog()
    portfolio = snapshot_portfolio(cache, catalog, today=today)
    if portfolio is None or portfolio.stale:
        portfolio = build_portfolio(cache, catalog, today=today)
    return portfolio


def of_csm(rows: Sequence[PortfolioRow], csm: str | None) -> list[PortfolioRow]:
    """The rows of one CSM (by name, case-insensitively), or all of them."""
    if csm is None:
        return list(rows)
    wanted = csm.strip().casefold()
    return [r for r in rows if r.csm.strip().casefold() == wanted]


def book_totals(cache: Cache, *, today: date, csm: str | None = None) -> BookTotals:
    """The book's totals as of ``today``, of one CSM's clients or of the whole portfolio,
    under the value-at-risk rule in the settings."""
    portfolio = current_portfolio(cache, today=today)
    return totals_of(of_csm(portfolio.rows, csm), today=today)
