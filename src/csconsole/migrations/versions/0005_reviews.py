"""The monthly review's narrative: sections, action items and feature requests per
client and month.

Local data: a sync never writes or deletes these tables.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from csconsole.models.base import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("client_key", sa.String(64), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("edited_at", UTCDateTime(), nullable=False),
        sa.Column("edited_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("client_key", "month", name="pk_reviews"),
    )
    op.create_table(
        "review_sections",
        sa.Column("client_key", sa.String(64), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("section", sa.String(40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("client_key", "month", "section", name="pk_review_sections"),
    )
    op.create_table(
        "review_action_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_key", sa.String(64), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_action_items"),
    )
    op.create_index("ix_review_action_items_client_key", "review_action_items", ["client_key"])
    op.create_table(
        "review_feature_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_key", sa.String(64), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("feasibility", sa.String(8), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_feature_requests"),
    )
    op.create_index(
        "ix_review_feature_requests_client_key", "review_feature_requests", ["client_key"]
    )


def downgrade() -> None:
    op.drop_index("ix_review_feature_requests_client_key", table_name="review_feature_requests")
    op.drop_table("review_feature_requests")
    op.drop_index("ix_review_action_items_client_key", table_name="review_action_items")
    op.drop_table("review_action_items")
    op.drop_table("review_sections")
    op.drop_table("reviews")
