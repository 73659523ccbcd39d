"""An opportunity as stored, and the words for its fields.

Seed 002's opportunity database: what each client could improve or buy next, typed by
CSMs and kept in the cache. IDs are the category prefix and a number (PO-001).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

STATUSES = ("identified", "proposed", "in progress", "completed", "declined")
OPEN_STATUSES = frozenset({"identified", "proposed", "in progress"})
PRIORITIES = ("high", "medium", "low")
BENEFIT_UNITS = ("$/month", "h/week")
ID_PATTERN = re.compile(r"^([A-Z]{2,6})-(\d{3,})$")


@dataclass(frozen=True)
class Opportunity:
    """One opportunity as stored, plus figures derived from its client (see
    :mod:`csconsole.opportunities.figures`)."""

    id: str
    client_key: str
    category: str
    area: str
    current_state: str = ""
    improvement: str = ""
    benefit: str = ""
    benefit_amount: float | None = None
    benefit_unit: str = ""
    investment: float | None = None
    timeline_weeks: int | None = None
    roi_typed: float | None = None
    priority: str = "medium"
    required_tier: str = "essential"
    status: str = "identified"
    owner: str = ""
    next_review: date | None = None
    created_at: datetime | None = None
    created_by: str = ""
    updated_at: datetime | None = None
    updated_by: str = ""
    # derived, filled by the loader and by validate()
    client_name: str = ""
    client_tier: str = ""
    annual_benefit: float | None = None
    roi: float | None = None  # annual ROI in % (computed, else typed)
    roi_computed: bool = False
    upsell: bool = False

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue(self, today: date) -> bool:
        """An open opportunity whose review date has passed."""
        return self.is_open and self.next_review is not None and self.next_review < today

    def search_text(self) -> str:
        """Everything a full-text search looks at, case-folded."""
        parts = (self.id, self.client_key, self.client_name, self.area, self.current_state,
                 self.improvement, self.benefit, self.owner, self.status, self.priority)  # fmt: skip
        return "\n".join(parts).casefold()

    def stored(self) -> dict[str, Any]:
        """The stored fields (what history compares)."""
        return {name: getattr(self, name) for name in STORED_FIELDS}


#: Fields a user sets, in the order of the form and the spreadsheet columns.
STORED_FIELDS = (
    "client_key", "category", "area", "current_state", "improvement", "benefit",
    "benefit_amount", "benefit_unit", "investment", "timeline_weeks", "roi_typed",
    "priority", "required_tier", "status", "owner", "next_review",
)  # fmt: skip

#: Spreadsheet columns (import and export): header → field ("id" for the ID).
COLUMNS: dict[str, str] = {
    "ID": "id",
    "Client": "client_key",
    "Category": "category",
    "Area": "area",
    "Current state": "current_state",
    "Improvement potential": "improvement",
    "Expected benefit": "benefit",
    "Benefit amount": "benefit_amount",
    "Benefit unit": "benefit_unit",
    "Investment ($)": "investment",
    "Timeline (weeks)": "timeline_weeks",
    "Annual ROI (%)": "roi_typed",
    "Priority": "priority",
    "Required package": "required_tier",
    "Status": "status",
    "Owner": "owner",
    "Next review": "next_review",
}
#: Each field as people read it: in messages, in the history and as a column's header.
LABELS: dict[str, str] = {f: h for h, f in COLUMNS.items()}
