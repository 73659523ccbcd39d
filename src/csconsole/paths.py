"""Where csconsole keeps its files: resources shipped with it, and the user's own data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "csconsole"

#: Environment variables that point the whole application somewhere else (tests, scripts).
ENV_HOME = "CSCONSOLE_HOME"
ENV_CACHE = "CSCONSOLE_CACHE"
ENV_RESOURCES = "CSCONSOLE_RESOURCES"


def resources_dir() -> Path:
    """The folder of shipped resources: catalog, warehouse contract, templates.

    Looked up in the bundle (PyInstaller), in the installed wheel, then in the
    source checkout, so the same code runs from all three.
    """
    override = os.environ.get(ENV_RESOURCES)
    if override:
        return Path(override)
    candidates = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "resources")
    here = Path(__file__).resolve().parent
    candidates += [here / "resources", here.parents[1] / "resources"]
    for candidate in candidates:
        if (candidate / "catalog").is_dir():
            return candidate
    raise FileNotFoundError(
        "csconsole's resources folder is missing; looked in "
        + ", ".join(str(c) for c in candidates)
    )


def data_dir() -> Path:
    """The user's data folder (cache, demo warehouse, log); created on first use."""
    override = os.environ.get(ENV_HOME)
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_cache_path() -> Path:
    """The cache file: ``$CSCONSOLE_CACHE`` or ``cache.sqlite`` in the data folder."""
    override = os.environ.get(ENV_CACHE)
    return Path(override) if override else data_dir() / "cache.sqlite"


def demo_warehouse_path() -> Path:
    return data_dir() / "demo-warehouse.sqlite"


def settings_path() -> Path:
    return data_dir() / "settings.json"


def log_path() -> Path:
    return data_dir() / "csconsole.log"


def templates_dir() -> Path:
    """The user's editable copies of the email templates (made on first use)."""
    return data_dir() / "templates"
