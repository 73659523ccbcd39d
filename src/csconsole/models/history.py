"""Status history: local data the console computes, which a sync never writes or
deletes. Each client-month's status is kept with the inputs it used (values, targets,
bands), so a later change of targets or bands never rewrites the past.
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
