"""What the tests share: builders, the throwaway PostgreSQL server, the in-memory keyring, the
console's layout checks, and the constants below."""

from __future__ import annotations

from datetime import date
from pathlib import Path

#: The demo and sync tests run as if today were this date, so figures are stable.
TODAY = date(2026, 11, 22)

#: The repository's root folder.
ROOT = Path(__file__).resolve().parents[2]

#: Screenshots the tests leave behind for a person to look at (build/ is not committed).
SCREENSHOTS = ROOT / "build" / "screenshots"
