"""Shared fixtures: every test gets its own data folder, cache and keyring."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.helpers import TODAY, copy_cache

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from csconsole.cache import Cache
    from csconsole.catalog import Catalog
    from tests.helpers.pg import PgServer

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point csconsole's data folder, cache and keyring at a fresh temporary folder."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("CSCONSOLE_HOME", str(home))
    # Every "today" in the engine and in subprocesses is TODAY, whatever the calendar says.
    monkeypatch.setenv("CSCONSOLE_TODAY", TODAY.isoformat())
    monkeypatch.delenv("CSCONSOLE_CACHE", raising=False)
    # A keyring of this process only (tests/helpers/memory_keyring.py), never the user's.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.helpers.memory_keyring.MemoryKeyring")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    import keyring.core

    keyring.core._keyring_backend = None  # re-read the backend from the environment
    from csconsole.catalog import default_catalog

    default_catalog.cache_clear()
    yield home
    keyring.core._keyring_backend = None


@pytest.fixture(autouse=True)
def collector_thawed() -> Iterator[None]:
    """A background task freezes older objects out of the collector's way while it runs
    (views/tasks.py): a test that leaves one unfinished leaves nothing frozen behind."""
    yield
    gc.unfreeze()


@pytest.fixture
def qsettings(tmp_path: Path) -> QSettings:
    """The console's remembered settings, in a file of this test's own."""
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)


@pytest.fixture(scope="session")
def empty_cache_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new cache, migrated once per session: copying it is ~50× faster than migrating."""
    from csconsole.cache import Cache

    path = tmp_path_factory.mktemp("empty") / "cache.sqlite"
    Cache.open(path).close()
    return path


@pytest.fixture
def cache(empty_cache_file: Path, tmp_path: Path) -> Iterator[Cache]:
    """A new, empty cache of this test's own."""
    from csconsole.cache import Cache

    c = Cache.open(copy_cache(empty_cache_file, tmp_path / "cache.sqlite"))
    yield c
    c.close()


@pytest.fixture
def catalog() -> Catalog:
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
def synced_cache(synced_demo_file: Path, tmp_path: Path) -> Iterator[Cache]:
    """A private copy of the demo-synced cache."""
    from csconsole.cache import Cache

    c = Cache.open(copy_cache(synced_demo_file, tmp_path / "synced.sqlite"))
    yield c
    c.close()


# --- PostgreSQL (tests/helpers/pg.py): one throwaway server per session, a fresh database per test ---


@pytest.fixture(scope="session")
def postgres() -> Iterator[PgServer]:
    """A throwaway PostgreSQL server. Skips where none can start, but fails under CI=true."""
    from tests.helpers.pg import ServerUnavailable, start_server

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
