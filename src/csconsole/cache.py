"""The local SQLite cache: opened, migrated in place and configured for concurrent use.

Everything the console shows is read from here, so it works with no network.
The schema is migrated with Alembic when the cache is opened; a cache written
by a newer csconsole is refused rather than silently downgraded.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from csconsole.errors import CacheError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: ``PRAGMA application_id`` of a csconsole cache ("csc1"): any other SQLite file is refused.
APPLICATION_ID = 0x63736331
#: Milliseconds a writer waits for another process's lock before giving up.
BUSY_TIMEOUT_MS = 15_000


_REVISION_RE = re.compile(r"""^(down_revision|revision)\s*=\s*(?:["']([^"']+)["']|None)""", re.M)


def _alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


@functools.cache
def known_revisions() -> tuple[frozenset[str], str]:
    """Every revision in ``migrations/versions`` and the head, read from the files' text.

    Opening an up-to-date cache only needs to compare two strings; importing Alembic for
    that costs a quarter of a second of every start, so Alembic is loaded only to migrate.
    A test checks that this agrees with Alembic's own view of the scripts.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in sorted((MIGRATIONS_DIR / "versions").glob("[0-9]*.py")):
        found = dict(
            (m.group(1), m.group(2)) for m in _REVISION_RE.finditer(script.read_text("utf-8"))
        )
        if found.get("revision"):
            revisions.add(found["revision"])
        if found.get("down_revision"):
            parents.add(found["down_revision"])
    heads = revisions - parents
    if len(heads) != 1:
        raise CacheError(f"the cache migrations have {len(heads)} heads: {sorted(heads)}")
    return frozenset(revisions), heads.pop()


def head_revision() -> str:
    return known_revisions()[1]


def current_revision(conn: Any) -> str | None:
    """The cache's schema revision, as Alembic records it (None for a new file)."""
    table = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).first()
    if table is None:
        return None
    row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return None if row is None else str(row[0])


def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Autocommit at the driver level; SQLAlchemy issues BEGIN itself (see _on_begin),
    # which is the documented way to get real transactions from pysqlite.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _on_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock at BEGIN, so two writers queue on busy_timeout
    # instead of failing with "database is locked" when a read upgrades to a write.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def cache_engine(path: Path) -> Engine:
    """An engine on the cache file with WAL, a busy timeout and foreign keys on."""
    engine = create_engine(f"sqlite:///{path}", future=True)
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def describe_db_error(exc: BaseException, *, path: Path) -> str:
    """One line for a SQLite failure that the user can act on."""
    text = str(getattr(exc, "orig", exc))
    lowered = text.lower()
    if "disk is full" in lowered or "database or disk is full" in lowered:
        return f"the disk holding the cache {path} is full; free some space and try again"
    if "locked" in lowered or "busy" in lowered:
        return f"the cache {path} is busy in another program; try again in a moment"
    if "readonly" in lowered or "read-only" in lowered:
        return f"the cache {path} is read-only; check the file's permissions"
    if "malformed" in lowered or "disk i/o error" in lowered:
        return damaged_message(path, text)
    if "not a database" in lowered:
        return f"{path} is not a csconsole cache (the file is damaged or of another kind)"
    if "unable to open" in lowered:
        return f"cannot open the cache {path}; check that its folder exists and is writable"
    return f"the cache {path} failed: {text}"


def damaged_message(path: Path, detail: str) -> str:
    """One line for a damaged cache, with the two ways out."""
    from csconsole.cache_backup import latest_backup

    words = " ".join(detail.replace("*** in database main ***", "").split()) or "damaged"
    first = words if len(words) <= 120 else words[:119] + "…"
    backup = latest_backup(path)
    restore = (
        f"restore the automatic backup of {backup.when} with 'csconsole cache restore'"
        if backup is not None
        else "there is no automatic backup to restore"
    )
    return (
        f"the cache {path} is damaged ({first}); {restore}, or re-create it with "
        "'csconsole cache recover', which keeps the local data that can still be read "
        "and fetches the rest from the sources"
    )


class CacheDamagedError(CacheError):
    """The cache file is corrupt; the message names the file and the ways out."""


def refuse_foreign(path: Path) -> None:
    """Raise CacheError unless ``path`` is missing, empty or a csconsole cache.

    Looked at with a plain connection that only reads, before the cache engine
    switches the file to WAL or a migration adds tables to it: a file that is not a
    cache is left exactly as it was.
    """
    try:
        if not path.exists() or path.stat().st_size == 0:
            return
    except OSError:
        return  # Cache.open reports the folder problem
    try:
        conn = sqlite3.connect(path)
    except sqlite3.Error:
        return
    try:
        app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        version = (
            conn.execute("SELECT version_num FROM alembic_version").fetchone()
            if "alembic_version" in tables
            else None
        )
    except sqlite3.DatabaseError as exc:
        if "malformed" in str(exc).lower():
            raise CacheDamagedError(damaged_message(path, str(exc))) from None
        raise CacheError(
            f"{path} is not a csconsole cache (the file is damaged or of another kind); "
            "it was left untouched"
        ) from None
    finally:
        conn.close()
    if not tables:
        return
    ours = app_id == APPLICATION_ID or (app_id == 0 and {"alembic_version", "sources"} <= tables)
    if not ours:
        shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        raise CacheError(
            f"{path} is not a csconsole cache (it holds other tables: {shown}); "
            "it was left untouched; choose another file with --cache"
        )
    if version is None and tables - {"alembic_version"}:
        raise CacheDamagedError(
            damaged_message(path, "its schema version is missing from alembic_version")
        )


def check_sound(engine: Engine, path: Path) -> None:
    """Raise CacheDamagedError when SQLite's quick check finds the file corrupt.

    Reads every page once (tens of milliseconds for a demo-sized cache), so that a
    damaged cache is named by every command, not only by those that read the bad page.
    """
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("PRAGMA quick_check(3)").scalars().all()
    if rows != ["ok"]:
        raise CacheDamagedError(damaged_message(path, "; ".join(str(r) for r in rows)))


# --- when to check -------------------------------------------------------------------
#
# A quick check reads every page, so running it on every command would make each one grow
# with the cache. It runs when the file may have changed outside csconsole: the first
# open of the day, and whenever the file's size or modification time is not what the last
# csconsole that checked it left behind (a stamp beside the file, written on close).


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".checked")


def _file_stamp(path: Path) -> str:
    """The file as it is now, and the day: equal stamps mean nobody else wrote it today."""
    info = path.stat()
    return f"{date.today().isoformat()} {info.st_size} {info.st_mtime_ns}"


def check_due(path: Path) -> bool:
    """Whether the file must be checked before use (see above)."""
    try:
        return _stamp_path(path).read_text(encoding="utf-8") != _file_stamp(path)
    except OSError:
        return True


def _record_checked(path: Path) -> None:
    # A stamp that cannot be written only means the next open checks again.
    with contextlib.suppress(OSError):
        _stamp_path(path).write_text(_file_stamp(path), encoding="utf-8")


def _mark_ours(engine: Engine) -> None:
    with engine.connect() as conn:
        current = conn.exec_driver_sql("PRAGMA application_id").scalar_one()
    if current != APPLICATION_ID:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")


class Cache:
    """An open cache: an engine and a session factory on one SQLite file."""

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        #: Found sound by this process: closing leaves a stamp so the next open skips
        #: the quick check unless someone else writes the file (see check_due).
        self.checked = False

    @classmethod
    def open(cls, path: Path, *, migrate: bool = True, check: bool = True) -> Cache:
        """Open (creating if needed) and migrate the cache at ``path``.

        ``check=False`` leaves SQLite's quick check (a read of every page) and the daily
        backup to :meth:`check_and_back_up`, which the console runs in the background so
        that its start does not grow with the size of the cache."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(
                f"cannot create the cache folder {path.parent}: {exc.strerror}"
            ) from None
        refuse_foreign(path)
        due = check and (not path.exists() or check_due(path))
        engine = cache_engine(path)
        try:
            if due:
                check_sound(engine, path)
            if migrate:
                upgrade(engine, path=path)
                _mark_ours(engine)
                if due:
                    from csconsole.cache_backup import daily_backup

                    daily_backup(engine, path)
        except (OperationalError, DBAPIError) as exc:
            engine.dispose()
            raise CacheError(describe_db_error(exc, path=path)) from None
        except CacheError:
            engine.dispose()
            raise
        cache = cls(path, engine)
        cache.checked = check
        return cache

    def check_and_back_up(self) -> None:
        """SQLite's quick check, then today's backup when none was taken: the work that
        ``open(check=False)`` left out. Raises CacheDamagedError for a damaged file, and
        then takes no backup, so a damaged cache never pushes a good backup out."""
        from csconsole.cache_backup import daily_backup

        try:
            check_sound(self.engine, self.path)
            daily_backup(self.engine, self.path)
        except (OperationalError, DBAPIError) as exc:
            raise CacheError(describe_db_error(exc, path=self.path)) from None
        self.checked = True

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            return current_revision(conn)

    def close(self) -> None:
        self.engine.dispose()
        if self.checked:  # sound when opened, and written only by us since
            _record_checked(self.path)
            self.checked = False

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def upgrade(engine: Engine, *, path: Path, revision: str = "head") -> None:
    """Migrate the cache to ``revision``, refusing caches made by a newer csconsole."""
    revisions, head = known_revisions()
    with engine.connect() as conn:
        current = current_revision(conn)
    if current is not None and current not in revisions:
        raise CacheError(
            f"the cache {path} was written by a newer csconsole (schema {current}); "
            "update csconsole to open it"
        )
    if current == head and revision == "head":
        return
    if current is not None:
        from csconsole.cache_backup import backup

        backup(engine, path, reason=f"before-{head if revision == 'head' else revision}")
    from alembic import command

    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    if revision == "head":
        # Migrations leave the monthly rollup's pairs dirty; build them with the
        # application's own refresh, which matches the schema now at head.
        from csconsole.rollup import refresh_rollup

        with engine.begin() as conn:
            refresh_rollup(conn)
