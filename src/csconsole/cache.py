"""The local SQLite cache: opened, migrated in place and configured for concurrent use.

Everything the console shows is read from here, so it works with no network.
The schema is migrated with Alembic when the cache is opened; a cache written
by a newer csconsole is refused rather than silently downgraded.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from csconsole.errors import CacheError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: Milliseconds a writer waits for another process's lock before giving up.
BUSY_TIMEOUT_MS = 15_000


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


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
    if "not a database" in lowered or "malformed" in lowered:
        return f"{path} is not a csconsole cache (the file is damaged or of another kind)"
    if "unable to open" in lowered:
        return f"cannot open the cache {path}; check that its folder exists and is writable"
    return f"the cache {path} failed: {text}"


class Cache:
    """An open cache: an engine and a session factory on one SQLite file."""

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, path: Path, *, migrate: bool = True) -> Cache:
        """Open (creating if needed) and migrate the cache at ``path``."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(
                f"cannot create the cache folder {path.parent}: {exc.strerror}"
            ) from None
        engine = cache_engine(path)
        try:
            if migrate:
                upgrade(engine, path=path)
        except (OperationalError, DBAPIError) as exc:
            engine.dispose()
            raise CacheError(describe_db_error(exc, path=path)) from None
        except CacheError:
            engine.dispose()
            raise
        return cls(path, engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def upgrade(engine: Engine, *, path: Path, revision: str = "head") -> None:
    """Migrate the cache to ``revision``, refusing caches made by a newer csconsole."""
    cfg = _alembic_config()
    script = ScriptDirectory.from_config(cfg)
    with engine.begin() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        if current is not None:
            try:
                script.get_revision(current)
            except Exception:
                raise CacheError(
                    f"the cache {path} was written by a newer csconsole (schema {current}); "
                    "update csconsole to open it"
                ) from None
        if current == script.get_current_head() and revision == "head":
            return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
