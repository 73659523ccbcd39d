"""Data that comes from the sources: a sync inserts, updates and prunes it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from csconsole.models.base import Base, UTCDateTime


class Client(Base):
    """A client account and the package it bought."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(32))
    package_value: Mapped[float] = mapped_column(Float)
    start_date: Mapped[date] = mapped_column(Date)
    csm: Mapped[str] = mapped_column(String(200), default="")
    technical_lead: Mapped[str] = mapped_column(String(200), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(320), default="")
    team_size: Mapped[int] = mapped_column(Integer, default=0)
    hourly_rate: Mapped[float] = mapped_column(Float, default=0.0)
    cost_per_error: Mapped[float] = mapped_column(Float, default=0.0)
    #: One-time fee paid in the client's first month (ROI version 2); 0 when none.
    setup_fee: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    #: The next renewal as the warehouse gives it; None: computed from start and term.
    renewal_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: The contract's term in months; None when the warehouse does not say.
    contract_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ClientTarget(Base):
    """A per-client target that replaces the catalog's default for one metric."""

    __tablename__ = "client_targets"

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    metric: Mapped[str] = mapped_column(String(64), primary_key=True)
    target: Mapped[float] = mapped_column(Float)


class Sample(Base):
    """One value of one metric for one client over one period, at the grain delivered.

    ``period_start`` is the first day of the period; ``grain`` says whether the
    period is a day or a week. A weekly sample belongs to the month of its start.
    """

    __tablename__ = "samples"

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    metric: Mapped[str] = mapped_column(String(64), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    grain: Mapped[str] = mapped_column(String(8))
    value: Mapped[float] = mapped_column(Float)
    source_id: Mapped[int | None] = mapped_column(Integer)


class SheetValue(Base):
    """A value typed by the CSM in a tracking sheet: their word for one client, metric and
    period. Every view uses it instead of the warehouse samples of the same period (a
    week: the day and week samples from its Monday to its Sunday); a sync never writes
    or deletes it. Weekly values start on a Monday."""

    __tablename__ = "sheet_values"

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    metric: Mapped[str] = mapped_column(String(64), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    grain: Mapped[str] = mapped_column(String(8))
    value: Mapped[float] = mapped_column(Float)
    file_name: Mapped[str] = mapped_column(Text, default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PeriodNote(Base):
    """A free-text note on a client's week, from the tracking sheet's Notes column."""

    __tablename__ = "period_notes"

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    note: Mapped[str] = mapped_column(Text)


class Incident(Base):
    """A support incident; an open critical one makes a client red, a minor one yellow."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_id: Mapped[int | None] = mapped_column(Integer)
