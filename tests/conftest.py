"""Shared fixtures: every test gets its own data folder, cache and keyring."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: The demo and sync tests run as if today were this date, so figures are stable.
TODAY = date(2026, 11, 22)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point csconsole's data folder, cache and keyring at a fresh temporary folder."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("CSCONSOLE_HOME", str(home))
    monkeypatch.delenv("CSCONSOLE_CACHE", raising=False)
    # A real file-backed keyring in the temporary folder (keyrings.alt), never the user's.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    import keyring.core

    keyring.core._keyring_backend = None  # re-read the backend from the environment
    from csconsole.catalog import default_catalog

    default_catalog.cache_clear()
    yield home
    keyring.core._keyring_backend = None


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
    from csconsole.demo import generate_demo

    path = tmp_path_factory.mktemp("demo") / "demo-warehouse.sqlite"
    generate_demo(path, catalog=load_catalog(), today=TODAY)
    return path
