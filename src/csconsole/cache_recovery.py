"""Recovering a damaged cache: a new cache built from what the old one still lets us read
(``csconsole cache recover``). Apart from :mod:`csconsole.cache_backup` because it opens
a :class:`~csconsole.cache.Cache`, which takes its backups from there."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from csconsole.cache import Cache
from csconsole.cache_backup import set_aside


def recover(cache_path: Path) -> tuple[dict[str, int], Path]:
    """Build a new cache from what the damaged one still lets us read.

    Every table is copied row by row as far as it can be read; the sync watermarks are
    left behind, so the next sync fetches everything from the sources again. Returns the
    rows kept per table and where the damaged file went."""
    aside = set_aside(cache_path)
    kept: dict[str, int] = {}
    with Cache.open(cache_path) as fresh, fresh.engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        tables = [
            r[0]
            for r in driver.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name NOT IN ('alembic_version', "
                "'source_watermarks')"
            )
        ]
        driver.execute("PRAGMA foreign_keys = OFF")
        try:
            for table in tables:
                # A fresh reader per table: SQLite may give up on a connection that met a
                # damaged page, and the next table may still be whole.
                reader = sqlite3.connect(f"file:{aside}?mode=ro", uri=True)
                try:
                    driver.execute("BEGIN IMMEDIATE")
                    kept[table] = _copy_readable(reader, driver, table)
                    driver.execute("COMMIT")
                finally:
                    reader.close()
                    if driver.in_transaction:
                        driver.execute("ROLLBACK")
            # Rows whose parent could not be read go too: the cache stays consistent.
            driver.execute("BEGIN IMMEDIATE")
            for table, rowid, *_ in driver.execute("PRAGMA main.foreign_key_check").fetchall():
                driver.execute(f'DELETE FROM main."{table}" WHERE rowid = ?', (rowid,))
                kept[table] -= 1
            driver.execute("COMMIT")
        finally:
            if driver.in_transaction:
                driver.execute("ROLLBACK")
            driver.execute("PRAGMA foreign_keys = ON")
    return kept, aside


def _copy_readable(reader: sqlite3.Connection, writer: sqlite3.Connection, table: str) -> int:
    """Copy the rows of ``table`` that ``reader`` can read; stop at the first bad page."""
    try:
        columns = [r[1] for r in reader.execute(f'PRAGMA table_info("{table}")')]
        mine = {r[1] for r in writer.execute(f'PRAGMA main.table_info("{table}")')}
    except sqlite3.DatabaseError:
        return 0
    shared = [c for c in columns if c in mine]
    if not shared:
        return 0
    names = ", ".join(f'"{c}"' for c in shared)
    marks = ", ".join("?" for _ in shared)
    insert = f'INSERT OR IGNORE INTO main."{table}" ({names}) VALUES ({marks})'
    copied = 0
    try:
        cursor = reader.execute(f'SELECT {names} FROM "{table}"')
        while rows := cursor.fetchmany(500):
            for row in rows:
                copied += writer.execute(insert, row).rowcount
    except sqlite3.DatabaseError:
        pass  # the rest of this table is on damaged pages
    return copied
