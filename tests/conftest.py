"""Shared fixtures: every test gets its own data folder, cache and keyring."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pg import PgServer

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: The demo and sync tests run as if today were this date, so figures are stable.
TODAY = date(2026, 11, 22)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point csconsole's data folder, cache and keyring at a fresh temporary folder."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("CSCONSOLE_HOME", str(home))
    # Every "today" in the engine and in subprocesses is TODAY, whatever the calendar says.
    monkeypatch.setenv("CSCONSOLE_TODAY", TODAY.isoformat())
    monkeypatch.delenv("CSCONSOLE_CACHE", raising=False)
    # A keyring of this process only (tests/memory_keyring.py), never the user's.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "memory_keyring.MemoryKeyring")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    import keyring.core

    keyring.core._keyring_backend = None  # re-read the backend from the environment
    from csconsole.catalog import default_catalog

    default_catalog.cache_clear()
    yield home
    keyring.core._keyring_backend = None


@pytest.fixture
def qsettings(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The console's remembered settings, in a file of this test's own."""
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def cache(tmp_path: Path):  # type: ignore[no-untyped-def]
    from csconsole.cache import Cache

    c = Cache.open(tmp_path / "cache.sqlite")
    yield c
    c.close()


@pytest.fixture
def catalog():  # type: ignore[no-untyped-def]
    from csconsole.catalog import default_catalog

    return default_catalog()


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse for TODAY, made once per test session (read-only for tests)."""
    from csconsole.catalog import load_catalog
    from csconsole.ingest.demo import generate_demo

    path = tmp_path_factory.mktemp("demo") / "demo-warehouse.sqlite"
    generate_demo(path, catalog=load_catalog(), today=TODAY)
    return path


@pytest.fixture(scope="session")
def synced_demo_file(demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache with the demo warehouse synced into it, made once; copy it with `synced_cache`."""
    from csconsole.cache import Cache
    from csconsole.catalog import load_catalog
    from csconsole.ingest.sync import Syncer
    from csconsole.models import Source, utcnow

    path = tmp_path_factory.mktemp("synced") / "cache.sqlite"
    with Cache.open(path) as cache:
        with cache.session() as session:
            source = Source(
                name="demo", kind="sql", url=f"sqlite:///{demo_warehouse}", created_at=utcnow()
            )
            session.add(source)
        summary = Syncer(cache, load_catalog(), today=TODAY).sync(source)
        assert summary.status == "ok", summary.message
    return path


@pytest.fixture
def synced_cache(synced_demo_file: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A private copy of the demo-synced cache."""
    import shutil

    from csconsole.cache import Cache

    path = tmp_path / "synced.sqlite"
    shutil.copy(synced_demo_file, path)
    c = Cache.open(path)
    yield c
    c.close()


# --- PostgreSQL (tests/pg.py): one throwaway server per session, a fresh database per test ---


@pytest.fixture(scope="session")
def postgres() -> Iterator[PgServer]:
    """A throwaway PostgreSQL server. Skips where none can start, but fails under CI=true."""
    from pg import ServerUnavailable, start_server

    try:
        server = start_server()
    except ServerUnavailable as exc:
        reason = str(exc)
    else:
        reason = ""
    if reason:  # outside the except block, so the report shows the reason alone
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required under CI=true: {reason}", pytrace=False)
        pytest.skip(f"no PostgreSQL server: {reason}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(postgres: PgServer) -> Iterator[str]:
    """A new empty database for this test, as a URL without the password (``postgres.password``)."""
    import uuid

    name = f"t_{uuid.uuid4().hex[:12]}"
    postgres.create_database(name)
    yield postgres.url(name)
    postgres.drop_database(name)
