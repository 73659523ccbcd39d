"""A client's optimisation pipeline (its dashboard panel) and the open opportunities of
every client (the portfolio's columns), read straight from the cache.

An *open* opportunity is identified, proposed or in progress; a client's open *value*
is the sum of the investments of its open opportunities (what the client would buy).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from csconsole import clock
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.opportunities.model import OPEN_STATUSES, STATUSES
from csconsole.opportunities.store import OPPORTUNITIES


@dataclass(frozen=True)
class Pipeline:
    """A client's optimisation pipeline for its dashboard."""

    counts: dict[str, int]  # by status
    next_review: date | None  # the earliest review date of an open opportunity
    overdue: int
    upsell: int
    open_value: float

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> tuple[tuple[str, str], ...]:
        review = self.next_review.isoformat() if self.next_review else "—"
        if self.overdue:
            review += f" ({self.overdue} overdue)"
        return (
            ("Identified", str(self.counts["identified"])),
            ("Proposed", str(self.counts["proposed"])),
            ("In progress", str(self.counts["in progress"])),
            ("Completed", str(self.counts["completed"])),
            ("Next review", review),
        )


def pipeline(
    cache: Cache, catalog: Catalog, client_key: str, *, today: date | None = None
) -> Pipeline:
    """Counts by status, next review, overdue and upsells of one client's opportunities."""
    today = today or clock.today()
    counts = dict.fromkeys(STATUSES, 0)
    reviews: list[date] = []
    overdue = upsell = 0
    value = 0.0
    with cache.engine.connect() as conn:
        tier = conn.exec_driver_sql(
            "SELECT tier FROM clients WHERE key = ?", (client_key,)
        ).scalar_one_or_none()
        rows = conn.execute(
            select(
                OPPORTUNITIES.c.status,
                OPPORTUNITIES.c.next_review,
                OPPORTUNITIES.c.required_tier,
                OPPORTUNITIES.c.investment,
            ).where(OPPORTUNITIES.c.client_key == client_key)
        ).all()
    ranks = {k: t.rank for k, t in catalog.tiers.items()}
    for status, review, required, investment in rows:
        counts[status] = counts.get(status, 0) + 1
        if status in OPEN_STATUSES:
            value += investment or 0.0
            if review is not None:
                reviews.append(review)
                overdue += review < today
            if tier and ranks.get(tier, 0) < ranks.get(required, 0):
                upsell += 1
    return Pipeline(counts, min(reviews) if reviews else None, overdue, upsell, value)


def open_by_client(cache: Cache) -> dict[str, tuple[int, float]]:
    """Per client key: how many opportunities are open and their investment in $."""
    with cache.engine.connect() as conn:
        rows = conn.execute(
            select(
                OPPORTUNITIES.c.client_key,
                func.count(),
                func.coalesce(func.sum(OPPORTUNITIES.c.investment), 0.0),
            )
            .where(OPPORTUNITIES.c.status.in_(sorted(OPEN_STATUSES)))
            .group_by(OPPORTUNITIES.c.client_key)
        ).all()
    return {key: (int(n), float(v)) for key, n, v in rows}
