"""A monthly rollup of the samples, kept current by triggers, and a portfolio snapshot.

* ``monthly_rollup``: one row per month, client and metric with what every monthly
  rule needs (count, sum, maximum, and the latest sample's start, value and grain),
  over the samples with the CSM's sheet values in place of those they replace. Keyed
  by month first, so the status of a whole portfolio reads three months of it and
  nothing older.
* ``rollup_dirty``: the (month, client) pairs whose samples or sheet values changed
  since their rollup rows were written. Triggers on ``samples`` and ``sheet_values``
  fill it, so every writer (sync, sheet import, pruning, a deleted client) keeps the
  rollup honest; readers compute dirty pairs from the samples until a refresh rewrites
  them (``csconsole.rollup.refresh_rollup``).
* ``sample_months``: the months that hold warehouse samples, so that retention pruning
  knows without a scan whether anything is older than its cutoff.
* ``ix_status_history_month``: one month's stored evaluations of the whole book.
* ``snapshots``: named, ready-to-show results (the portfolio's last evaluation), with
  the basis they were computed on.

Every existing (month, client) pair starts dirty: the cache's upgrade builds the rollup
after the last migration, with the same refresh that keeps it current afterwards.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TABLES = (
    "CREATE TABLE monthly_rollup (month TEXT NOT NULL, client_id INTEGER NOT NULL, "
    "metric TEXT NOT NULL, n INTEGER NOT NULL, total FLOAT NOT NULL, top FLOAT NOT NULL, "
    "last_start TEXT NOT NULL, last_value FLOAT NOT NULL, last_grain TEXT NOT NULL, "
    "PRIMARY KEY (month, client_id, metric)) WITHOUT ROWID",
    "CREATE TABLE rollup_dirty (month TEXT NOT NULL, client_id INTEGER NOT NULL, "
    "PRIMARY KEY (month, client_id)) WITHOUT ROWID",
    "CREATE TABLE sample_months (month TEXT NOT NULL PRIMARY KEY) WITHOUT ROWID",
    # The history of one month for the whole book, without reading every month.
    "CREATE INDEX ix_status_history_month ON status_history (month, client_id)",
    "CREATE TABLE snapshots (name TEXT NOT NULL PRIMARY KEY, basis TEXT NOT NULL, "
    "written_at TEXT NOT NULL, body TEXT NOT NULL)",
)

# A weekly sheet value replaces the samples of its Monday to Sunday, which may end in
# the next month: both months change.
# ON CONFLICT DO NOTHING rather than INSERT OR IGNORE: a conflict clause in a trigger's
# body gives way to the one of the statement that fired it.
_MARK = (
    "INSERT INTO rollup_dirty (month, client_id) VALUES ({month}, {row}.client_id) "
    "ON CONFLICT DO NOTHING;"
)
_SAMPLE_MONTH = (
    "INSERT INTO sample_months (month) VALUES (substr(NEW.period_start, 1, 7)) "
    "ON CONFLICT DO NOTHING;"
)
_SHEET_MONTHS = (
    "substr({row}.period_start, 1, 7)",
    "substr(date({row}.period_start, '+6 days'), 1, 7)",
)

_TRIGGERS = (
    "CREATE TRIGGER samples_rollup_insert AFTER INSERT ON samples BEGIN "
    + _MARK.format(month="substr(NEW.period_start, 1, 7)", row="NEW")
    + _SAMPLE_MONTH
    + " END",
    "CREATE TRIGGER samples_rollup_update AFTER UPDATE ON samples BEGIN "
    + _MARK.format(month="substr(OLD.period_start, 1, 7)", row="OLD")
    + " "
    + _MARK.format(month="substr(NEW.period_start, 1, 7)", row="NEW")
    + _SAMPLE_MONTH
    + " END",
    "CREATE TRIGGER samples_rollup_delete AFTER DELETE ON samples BEGIN "
    + _MARK.format(month="substr(OLD.period_start, 1, 7)", row="OLD")
    + " END",
    "CREATE TRIGGER sheet_values_rollup_insert AFTER INSERT ON sheet_values BEGIN "
    + " ".join(_MARK.format(month=m.format(row="NEW"), row="NEW") for m in _SHEET_MONTHS)
    + " END",
    "CREATE TRIGGER sheet_values_rollup_update AFTER UPDATE ON sheet_values BEGIN "
    + " ".join(
        _MARK.format(month=m.format(row=row), row=row)
        for row in ("OLD", "NEW")
        for m in _SHEET_MONTHS
    )
    + " END",
    "CREATE TRIGGER sheet_values_rollup_delete AFTER DELETE ON sheet_values BEGIN "
    + " ".join(_MARK.format(month=m.format(row="OLD"), row="OLD") for m in _SHEET_MONTHS)
    + " END",
)


def upgrade() -> None:
    conn = op.get_bind()
    for statement in (*_TABLES, *_TRIGGERS):
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql(
        "INSERT INTO sample_months (month) SELECT DISTINCT substr(period_start, 1, 7) FROM samples"
    )
    conn.exec_driver_sql(
        "INSERT OR IGNORE INTO rollup_dirty (month, client_id) "
        "SELECT DISTINCT substr(period_start, 1, 7), client_id FROM samples"
    )
    for month in _SHEET_MONTHS:
        conn.exec_driver_sql(
            "INSERT OR IGNORE INTO rollup_dirty (month, client_id) "
            f"SELECT DISTINCT {month.format(row='sheet_values')}, client_id FROM sheet_values"
        )


def downgrade() -> None:
    for trigger in (
        "samples_rollup_insert",
        "samples_rollup_update",
        "samples_rollup_delete",
        "sheet_values_rollup_insert",
        "sheet_values_rollup_update",
        "sheet_values_rollup_delete",
    ):
        op.execute(f"DROP TRIGGER {trigger}")
    op.drop_index("ix_status_history_month", table_name="status_history")
    for table in ("snapshots", "sample_months", "rollup_dirty", "monthly_rollup"):
        op.drop_table(table)
