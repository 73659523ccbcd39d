"""The monthly review's narrative: what the CSM writes per client and month.

Local data: a sync never writes or deletes these tables. Client keys are stored as
text, not as a foreign key, so a client pruned by a sync cannot take its reviews with it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from csconsole.models.base import Base, UTCDateTime


class ReviewRecord(Base):
    """One client-month's review: when it was first saved and last edited (UTC)."""

    __tablename__ = "reviews"

    client_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    edited_by: Mapped[str] = mapped_column(String(200), default="")


class ReviewSection(Base):
    """The text of one narrative section (wins, client quote, communication log…)."""

    __tablename__ = "review_sections"

    client_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    section: Mapped[str] = mapped_column(String(40), primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")


class ReviewActionItem(Base):
    """An action item: task, owner, due date and whether it is done."""

    __tablename__ = "review_action_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_key: Mapped[str] = mapped_column(String(64), index=True)
    month: Mapped[str] = mapped_column(String(7))
    position: Mapped[int] = mapped_column(Integer)
    task: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(200), default="")
    due: Mapped[date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False)


class ReviewFeatureRequest(Base):
    """A feature the client asked for, with its feasibility and a note (timeline, alternative)."""

    __tablename__ = "review_feature_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_key: Mapped[str] = mapped_column(String(64), index=True)
    month: Mapped[str] = mapped_column(String(7))
    position: Mapped[int] = mapped_column(Integer)
    request: Mapped[str] = mapped_column(Text, default="")
    feasibility: Mapped[str] = mapped_column(String(8), default="")  # high, medium, low
    note: Mapped[str] = mapped_column(Text, default="")
