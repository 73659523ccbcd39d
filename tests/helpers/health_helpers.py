"""Small builders for health tests: a client and its samples written straight into a cache."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from csconsole.cache import Cache


def add_client(
    cache: Cache,
    *,
    key: str = "CL-900",
    name: str = "Test Client",
    tier: str = "essential",
    package_value: float = 1000.0,
    start: date = date(2025, 1, 1),
    hourly_rate: float = 50.0,
    cost_per_error: float = 100.0,
    targets: dict[str, float] | None = None,
    setup_fee: float = 0.0,
    team_size: int = 10,
    renewal_date: date | None = None,
    contract_months: int | None = None,
) -> int:
    with cache.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO clients (key, name, tier, package_value, start_date, csm, technical_lead, "
            "contact_name, contact_email, team_size, hourly_rate, cost_per_error, setup_fee, "
            "renewal_date, contract_months, synced_at) VALUES (?, ?, ?, ?, ?, 'Maya', 'Tom', "
            "'Alex', 'alex@example.com', ?, ?, ?, ?, ?, ?, '2026-01-01 00:00:00.000000')",
            (
                key,
                name,
                tier,
                package_value,
                start.isoformat(),
                team_size,
                hourly_rate,
                cost_per_error,
                setup_fee,
                renewal_date.isoformat() if renewal_date else None,
                contract_months,
            ),
        )
        client_id = int(
            conn.exec_driver_sql("SELECT id FROM clients WHERE key = ?", (key,)).scalar_one()
        )
        for metric, target in (targets or {}).items():
            conn.exec_driver_sql(
                "INSERT INTO client_targets VALUES (?, ?, ?)", (client_id, metric, target)
            )
    return client_id


def add_samples(cache: Cache, client_id: int, rows: Iterable[tuple[str, str, str, float]]) -> None:
    """Rows of (metric, period_start ISO, grain, value)."""
    with cache.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO samples (client_id, metric, period_start, grain, value) VALUES (?, ?, ?, ?, ?)",
            [(client_id, m, d, g, v) for m, d, g, v in rows],
        )


def weekly(
    metric: str, starts: Iterable[str], values: Iterable[float]
) -> list[tuple[str, str, str, float]]:
    return [(metric, s, "week", v) for s, v in zip(starts, values, strict=True)]
