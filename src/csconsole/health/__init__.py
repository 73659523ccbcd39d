"""Health: each client's status, KPIs, rating and trend (moving into a package by part)."""

from csconsole.health.engine import *  # noqa: F403
from csconsole.health.engine import (  # noqa: F401
    MARKS,
    RANK,
    RULES_VERSION,
    STATUSES,
    TREND_ARROWS,
    fmt_pct,
    period_end,
)
