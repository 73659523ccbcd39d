"""Renewals: the contract's renewal date and term on the cache's clients.

* ``clients.renewal_date``: the next renewal as the warehouse gives it (NULL when it
  gives none; the next renewal is then computed from the start date and the term).
* ``clients.contract_months``: the contract's term in months (NULL when unknown).

Both stay NULL until the next sync brings them; an older warehouse without the
columns leaves them NULL for good.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch rebuild of clients would cascade-delete its samples.
    op.add_column("clients", sa.Column("renewal_date", sa.Date(), nullable=True))
    op.add_column("clients", sa.Column("contract_months", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE clients DROP COLUMN contract_months")
    op.execute("ALTER TABLE clients DROP COLUMN renewal_date")
