"""The opportunity database: local data typed by CSMs and account leads.

A sync never writes or deletes these tables. Client keys are stored as text, not as
a foreign key, so that a client pruned by a sync cannot take its opportunities with it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from csconsole.models.base import Base, UTCDateTime


class OpportunityRecord(Base):
    """One expansion or optimisation opportunity (seed 002's Improvement Opportunity Database)."""

    __tablename__ = "opportunities"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # PO-001
    category: Mapped[str] = mapped_column(String(8))
    client_key: Mapped[str] = mapped_column(String(64), index=True)
    area: Mapped[str] = mapped_column(String(200))
    current_state: Mapped[str] = mapped_column(Text, default="")
    improvement: Mapped[str] = mapped_column(Text, default="")
    benefit: Mapped[str] = mapped_column(Text, default="")
    benefit_amount: Mapped[float | None] = mapped_column(Float)
    benefit_unit: Mapped[str] = mapped_column(String(16), default="")  # "$/month", "h/week"
    investment: Mapped[float | None] = mapped_column(Float)
    timeline_weeks: Mapped[int | None] = mapped_column(Integer)
    roi_typed: Mapped[float | None] = mapped_column(Float)  # annual ROI in %, when typed
    priority: Mapped[str] = mapped_column(String(8))
    required_tier: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(200), default="")
    next_review: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(200), default="")


class OpportunityCounter(Base):
    """The last number given per ID prefix; kept after deletes so an ID is never reused."""

    __tablename__ = "opportunity_counters"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class OpportunityChange(Base):
    """One create, update or delete of an opportunity: who, when and each field's change."""

    __tablename__ = "opportunity_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[str] = mapped_column(String(16), index=True)
    action: Mapped[str] = mapped_column(String(8))  # create, update, delete
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(200))
    changes_json: Mapped[str] = mapped_column(Text)  # {"field": [old, new], ...}
