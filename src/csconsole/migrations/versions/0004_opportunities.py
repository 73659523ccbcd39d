"""The opportunity database: opportunities, per-prefix ID counters and change history.

Local data: a sync never writes or deletes these tables.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from csconsole.models.base import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opportunities",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("category", sa.String(8), nullable=False),
        sa.Column("client_key", sa.String(64), nullable=False),
        sa.Column("area", sa.String(200), nullable=False),
        sa.Column("current_state", sa.Text(), nullable=False),
        sa.Column("improvement", sa.Text(), nullable=False),
        sa.Column("benefit", sa.Text(), nullable=False),
        sa.Column("benefit_amount", sa.Float(), nullable=True),
        sa.Column("benefit_unit", sa.String(16), nullable=False),
        sa.Column("investment", sa.Float(), nullable=True),
        sa.Column("timeline_weeks", sa.Integer(), nullable=True),
        sa.Column("roi_typed", sa.Float(), nullable=True),
        sa.Column("priority", sa.String(8), nullable=False),
        sa.Column("required_tier", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("next_review", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_opportunities"),
    )
    op.create_index("ix_opportunities_client_key", "opportunities", ["client_key"])
    op.create_table(
        "opportunity_counters",
        sa.Column("prefix", sa.String(8), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", name="pk_opportunity_counters"),
    )
    op.create_table(
        "opportunity_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.String(16), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("changes_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_opportunity_history"),
    )
    op.create_index(
        "ix_opportunity_history_opportunity_id", "opportunity_history", ["opportunity_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_opportunity_history_opportunity_id", table_name="opportunity_history")
    op.drop_table("opportunity_history")
    op.drop_table("opportunity_counters")
    op.drop_index("ix_opportunities_client_key", table_name="opportunities")
    op.drop_table("opportunities")
