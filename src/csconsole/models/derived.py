"""Data the cache derives from the rest, to read it fast: rebuilt, never typed.

The monthly rollup and the months that hold samples are kept current by triggers on
``samples`` and ``sheet_values`` (migration 0007 creates them; ``csconsole.rollup`` reads
and refreshes the rollup). Snapshots hold ready-to-show results with the basis they were
computed on, so the console can show the last portfolio before it evaluates anything.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import Float, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from csconsole.models.base import Base

#: Keyed tables stored in their primary key's order, with no separate rowid.
_WITHOUT_ROWID: Final = ({"sqlite_with_rowid": False},)


class MonthlyRollup(Base):
    """One month of one client's metric: what every monthly rule needs."""

    __tablename__ = "monthly_rollup"
    __table_args__ = _WITHOUT_ROWID

    month: Mapped[str] = mapped_column(Text, primary_key=True)  # YYYY-MM
    client_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    metric: Mapped[str] = mapped_column(Text, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    total: Mapped[float] = mapped_column(Float)
    top: Mapped[float] = mapped_column(Float)
    last_start: Mapped[str] = mapped_column(Text)
    last_value: Mapped[float] = mapped_column(Float)
    last_grain: Mapped[str] = mapped_column(Text)


class RollupDirty(Base):
    """A (month, client) whose samples or sheet values changed since its rollup rows."""

    __tablename__ = "rollup_dirty"
    __table_args__ = _WITHOUT_ROWID

    month: Mapped[str] = mapped_column(Text, primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class SampleMonth(Base):
    """A month that holds warehouse samples (retention pruning reads it, not the samples)."""

    __tablename__ = "sample_months"
    __table_args__ = _WITHOUT_ROWID

    month: Mapped[str] = mapped_column(Text, primary_key=True)


class Snapshot(Base):
    """A named result ready to show, with the basis (inputs' fingerprint) it was made on."""

    __tablename__ = "snapshots"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    basis: Mapped[str] = mapped_column(Text)
    written_at: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
