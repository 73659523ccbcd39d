"""Copies of the cache to go back to: before each migration and once a day, the last 3 kept.

A copy is taken with SQLite's backup API (a consistent snapshot even while
another process writes) into ``<cache>.backups/`` beside the cache. When the
cache is damaged, ``csconsole cache restore`` puts the newest sound copy back,
and ``csconsole cache recover`` builds a new cache from what can still be read
(local work first: opportunities, reviews, notes, alerts) and lets the next sync
fetch the rest from the sources.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from csconsole.errors import CacheError

log = logging.getLogger(__name__)

KEEP = 3


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    taken: datetime

    @property
    def when(self) -> str:
        return self.taken.strftime("%Y-%m-%d %H:%M")


def backups_dir(cache_path: Path) -> Path:
    return cache_path.with_name(cache_path.name + ".backups")


def list_backups(cache_path: Path) -> list[Backup]:
    """The cache's backups, newest first."""
    found = []
    folder = backups_dir(cache_path)
    try:
        names = sorted(folder.glob("*.sqlite"), reverse=True)
    except OSError:
        return []
    for path in names:
        try:
            taken = datetime.strptime(path.name[:15], "%Y%m%d-%H%M%S")
        except ValueError:
            continue
        found.append(Backup(path, taken))
    return found


def latest_backup(cache_path: Path) -> Backup | None:
    backups = list_backups(cache_path)
    return backups[0] if backups else None


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """A consistent copy of ``source`` at ``target``, written under a temporary name first."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    dest = sqlite3.connect(partial)
    try:
        source.backup(dest)
        dest.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    finally:
        dest.close()
    os.replace(partial, target)


def backup(engine: Engine, cache_path: Path, *, reason: str) -> Backup:
    """Copy the cache now and keep only the newest KEEP copies."""
    folder = backups_dir(cache_path)
    taken = datetime.now().replace(microsecond=0)
    target = folder / f"{taken:%Y%m%d-%H%M%S}-{reason}.sqlite"
    try:
        folder.mkdir(exist_ok=True)
        with engine.connect() as conn:
            driver = conn.connection.driver_connection
            assert isinstance(driver, sqlite3.Connection)
            _copy(driver, target)
    except (OSError, sqlite3.Error) as exc:
        raise CacheError(f"cannot back up the cache {cache_path} into {folder}: {exc}") from None
    for old in list_backups(cache_path)[KEEP:]:
        old.path.unlink(missing_ok=True)
    log.info("backed up the cache to %s", target)
    return Backup(target, taken)


def daily_backup(engine: Engine, cache_path: Path) -> None:
    """Back up a cache that holds data, unless a backup was already taken today.

    A failure (disk full, read-only folder) is logged and does not stop the cache
    from opening."""
    latest = latest_backup(cache_path)
    if latest is not None and latest.taken.date() == datetime.now().date():
        return
    with engine.connect() as conn:
        empty = not conn.exec_driver_sql("SELECT 1 FROM clients LIMIT 1").first()
    if empty:
        return
    try:
        backup(engine, cache_path, reason="daily")
    except CacheError as exc:
        log.warning("%s", exc)


def integrity(path: Path) -> list[str]:
    """SQLite's integrity check of the file at ``path``: ['ok'] when it is sound."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return [str(exc)]
    try:
        return [str(r[0]) for r in conn.execute("PRAGMA integrity_check(20)")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        conn.close()


def set_aside(cache_path: Path) -> Path:
    """Move the damaged cache (and its WAL files) out of the way; returns its new name."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = cache_path.with_name(f"{cache_path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        part = cache_path.with_name(cache_path.name + suffix)
        if part.exists():
            os.replace(part, aside.with_name(aside.name + suffix))
    return aside


def restore(cache_path: Path, source: Path | None = None) -> tuple[Backup, Path | None]:
    """Put the newest sound backup (or ``source``) in place of the cache.

    The cache it replaces is kept beside it as ``<name>.damaged-<time>``. Returns the
    backup used and where the old cache went (None when there was none)."""
    if source is not None:
        candidates = [Backup(source, datetime.fromtimestamp(source.stat().st_mtime))]
    else:
        candidates = list_backups(cache_path)
    sound = next((b for b in candidates if integrity(b.path) == ["ok"]), None)
    if sound is None:
        raise CacheError(
            f"no sound backup of {cache_path} to restore "
            f"(looked in {backups_dir(cache_path)}); try 'csconsole cache recover'"
        )
    aside = set_aside(cache_path) if cache_path.exists() else None
    src = sqlite3.connect(f"file:{sound.path}?mode=ro", uri=True)
    try:
        _copy(src, cache_path)
    finally:
        src.close()
    return sound, aside
