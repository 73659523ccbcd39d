"""Alerts and their checklists: local data, the user's work, which a sync never writes
or deletes and which must survive every sync.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from csconsole.models.base import Base, UTCDateTime


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
