"""What the tests share: builders, the throwaway PostgreSQL server, the in-memory keyring, the
console's layout checks, and the constants below."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

#: The demo and sync tests run as if today were this date, so figures are stable.
TODAY = date(2026, 11, 22)

#: The repository's root folder.
ROOT = Path(__file__).resolve().parents[2]

#: Screenshots the tests leave behind for a person to look at (build/ is not committed).
SCREENSHOTS = ROOT / "build" / "screenshots"


def copy_cache(source: Path, target: Path) -> Path:
    """A copy of a cache that csconsole checked and closed today, stamp included (cache.py:
    check_due): it opens as such a cache does, without reading every page again or taking
    the day's backup, which tests/test_cache_safety.py tests on copies of their own."""
    shutil.copy2(source, target)  # the stamp holds the file's size and modification time
    stamp = source.with_name(source.name + ".checked")
    if stamp.exists():
        shutil.copy2(stamp, target.with_name(target.name + ".checked"))
    return target
