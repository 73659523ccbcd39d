"""A client's contract: its annual value (ARR) and its next renewal.

The warehouse may give the renewal date; when it does not but gives the term
(``contract_months``), the next renewal is computed as start + k × term, the first
such date on or after today, and marked as computed. Qt-free, and below the
portfolio (which shows it) and ``csconsole.renewals`` (which totals the book).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from csconsole import formatting
from csconsole.health.clients import ClientInfo

#: Further than this, "Renews in" names the month instead of counting days.
DAYS_SHOWN = 90


@dataclass(frozen=True)
class Renewal:
    """One client's contract value and next renewal, as of a day."""

    client_id: str  # the client's key, e.g. CL-004
    name: str
    csm: str
    tier: str
    arr: float | None  # monthly fee × 12 (float, as roi.py and formatting.money use)
    renewal_date: date | None
    computed: bool  # computed from start + k × term; False when the warehouse gave it
    days_to_renewal: int | None

    def renews_in(self, *, short: bool = False) -> str:
        """When the client renews, as a table's "Renews in" shows it: days, or the month
        when further than ~90 days; "—" when neither the date nor the term is known."""
        return renews_in(self.renewal_date, self.days_to_renewal, short=short)

    def explanation(self) -> str:
        """Where the date comes from, in a sentence (a tooltip, ``--explain``)."""
        if self.renewal_date is None:
            return "No renewal date: the warehouse gives neither the date nor the contract's term."
        when = formatting.day(self.renewal_date)
        if self.computed:
            return (
                f"Renews {when} (computed from the start date and the contract's term; "
                "the warehouse gives no renewal date)."
            )
        return f"Renews {when} (the date the warehouse gives)."


def add_months(start: date, months: int) -> date:
    """``start`` moved by whole months, on the same day or the month's last one."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(start.day, calendar.monthrange(year, month + 1)[1]))


def next_renewal(start: date, months: int, today: date) -> date:
    """The first start + k × term (k ≥ 1) on or after ``today``."""
    if months < 1:
        raise ValueError(f"a contract's term is at least one month, not {months}")
    elapsed = (today.year - start.year) * 12 + today.month - start.month
    k = max(1, elapsed // months)
    candidate = add_months(start, k * months)
    while candidate < today:
        k += 1
        candidate = add_months(start, k * months)
    return candidate


def renewal_of(client: ClientInfo, *, today: date) -> Renewal:
    """The client's ARR and next renewal as of ``today``: the warehouse's date when it
    gives one (even one that has passed: the renewal is then overdue), else computed
    from the start date and the term, else unknown."""
    when: date | None = client.renewal_date
    computed = False
    if when is None and client.contract_months:
        when = next_renewal(client.start_date, client.contract_months, today)
        computed = True
    return Renewal(
        client_id=client.key,
        name=client.name,
        csm=client.csm,
        tier=client.tier,
        arr=client.package_value * 12,
        renewal_date=when,
        computed=computed,
        days_to_renewal=None if when is None else (when - today).days,
    )


def renews_in(when: date | None, days: int | None, *, short: bool = False) -> str:
    """The renewal from today: "in 12 days", "today", "5 days ago", or "March 2027" beyond
    ~90 days; ``short`` for a narrow column: "12 d", "5 d ago", "Mar 2027"."""
    if when is None or days is None:
        return formatting.NONE
    if days > DAYS_SHOWN:
        return formatting.month_short(when) if short else formatting.month(when)
    if days == 0:
        return "today"
    if short:
        return f"{days} d" if days > 0 else f"{-days} d ago"
    if days < 0:
        return "1 day ago" if days == -1 else f"{-days} days ago"
    return "in 1 day" if days == 1 else f"in {days} days"
