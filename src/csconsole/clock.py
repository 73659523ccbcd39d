"""Today's date, overridable with ``CSCONSOLE_TODAY`` (YYYY-MM-DD).

Everything that depends on "today" (retention, month to date, future-date checks,
the demo's last day) asks here, so tests, demos and reproductions can pin the date.
"""

from __future__ import annotations

import os
from datetime import date

from csconsole.errors import KnownError

ENV_TODAY = "CSCONSOLE_TODAY"


def today() -> date:
    override = os.environ.get(ENV_TODAY)
    if not override:
        return date.today()
    try:
        return date.fromisoformat(override)
    except ValueError:
        raise KnownError(f"{ENV_TODAY}={override!r} is not a date (YYYY-MM-DD)") from None
