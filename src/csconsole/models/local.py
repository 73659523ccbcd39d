"""Local data the console computes or the user types: a sync never writes or deletes it.

Status history keeps each client-month's status with the inputs it used (values,
targets, bands), so a later change of targets or bands never rewrites the past.
Alerts and their checklists are the user's work and must survive every sync.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from csconsole.models.base import Base, UTCDateTime


class StatusHistory(Base):
    """One client's status for one month, with everything needed to explain it later."""

    __tablename__ = "status_history"
    __table_args__ = (
        UniqueConstraint("client_id", "month"),
        Index("ix_status_history_month", "month", "client_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    status: Mapped[str] = mapped_column(String(8))
    rating: Mapped[float | None] = mapped_column(Float)
    complete: Mapped[bool] = mapped_column(default=False)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    evaluation_json: Mapped[str] = mapped_column(Text)


class Alert(Base):
    """A status change that needs a response within the protocol's time."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(8))
    previous_status: Mapped[str | None] = mapped_column(String(8))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_to: Mapped[str] = mapped_column(String(200))
    reasons_json: Mapped[str] = mapped_column(Text, default="[]")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_kind: Mapped[str | None] = mapped_column(String(32))
    response_note: Mapped[str | None] = mapped_column(Text)


class AlertChecklistItem(Base):
    """One action of the protocol's checklist, ticked per alert."""

    __tablename__ = "alert_checklist_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    done: Mapped[bool] = mapped_column(default=False)
    ticked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
