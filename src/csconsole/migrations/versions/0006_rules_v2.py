"""Rules version 2: setup fees, typed tracking-sheet values, and past months re-rated.

* ``clients.setup_fee``: the one-time fee of ROI version 2 (0 where the warehouse has
  none).
* ``sheet_values``: values typed in a tracking sheet, kept apart from the warehouse's
  samples so that a sync never overwrites them. Weekly samples an earlier version
  imported (``source_id`` NULL, grain week) move there, onto the Monday of their week;
  other imported samples stay where they are.
* ``status_history``: every stored month is re-judged by the version-2 rules from the
  inputs it kept (one reason per metric, the new rating and trend), client by client in
  month order, so the history, the review and ``status --explain`` agree.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from csconsole.models.base import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch rebuild of clients would cascade-delete its samples.
    op.add_column("clients", sa.Column("setup_fee", sa.Float(), nullable=False, server_default="0"))
    op.create_table(
        "sheet_values",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(64), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("grain", sa.String(8), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name="fk_sheet_values_client_id_clients",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "metric", "period_start", name="pk_sheet_values"),
    )
    conn = op.get_bind()
    # Earlier imports, latest period first so that two rows of one week keep the later.
    conn.exec_driver_sql(
        "INSERT OR IGNORE INTO sheet_values "
        "(client_id, metric, period_start, grain, value, file_name, imported_at) "
        "SELECT client_id, metric, date(period_start, '-6 days', 'weekday 1'), 'week', value, "
        "'imported before version 2', datetime('now') FROM samples "
        "WHERE source_id IS NULL AND grain = 'week' ORDER BY period_start DESC"
    )
    conn.exec_driver_sql("DELETE FROM samples WHERE source_id IS NULL AND grain = 'week'")
    _rerate(conn)


def _rerate(conn: sa.Connection) -> None:
    from csconsole.errors import KnownError
    from csconsole.health.evaluation import upgrade_evaluation
    from csconsole.rollup import parse_month

    rows = conn.exec_driver_sql(
        "SELECT id, client_id, month, evaluation_json FROM status_history ORDER BY client_id, month"
    ).fetchall()
    last: tuple[int, str, float | None] | None = None  # client, month, rating
    updates = []
    for row_id, client_id, month, text in rows:
        previous = None
        if (
            last is not None
            and last[0] == client_id
            and parse_month(month) == parse_month(last[1]) + 1
        ):
            previous = last[2]
        try:
            evaluation = upgrade_evaluation(json.loads(text), previous_rating=previous)
        except (ValueError, KeyError, TypeError, AttributeError, KnownError):
            # Not an evaluation this version can read: kept exactly as it was.
            last = None
            continue
        updates.append(
            (
                evaluation.status,
                evaluation.rating,
                json.dumps(evaluation.as_json(), ensure_ascii=False),
                row_id,
            )
        )
        last = (client_id, month, evaluation.rating)
    if updates:
        conn.exec_driver_sql(
            "UPDATE status_history SET status = ?, rating = ?, evaluation_json = ? WHERE id = ?",
            updates,
        )


def downgrade() -> None:
    op.drop_table("sheet_values")
    op.execute("ALTER TABLE clients DROP COLUMN setup_fee")
