"""The health engine over a cache: month to date carries values not yet due, history is kept
when targets and bands change, unknown clients and months are named."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.errors import KnownError
from csconsole.health.bands import Bands
from csconsole.health.engine import HealthEngine
from csconsole.rollup import month_index, parse_month
from tests.helpers.health_helpers import add_client, add_samples, weekly


def _catalog() -> Catalog:
    from csconsole.catalog import default_catalog

    return default_catalog()


# --- month to date and history --------------------------------------------------------


def _essential_client(cache: Cache) -> int:
    cid = add_client(cache, start=date(2026, 9, 1), targets={"time_saved": 10})
    weeks = ["2026-09-28", "2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26"]
    rows = []
    for key, value in {
        "time_saved": 12, "user_adoption": 95, "error_reduction": 90, "satisfaction": 9.2,
        "automation_success_rate": 99.8, "uptime": 99.9, "error_rate": 0.2,
    }.items():  # fmt: skip
        rows += weekly(key, weeks, [value] * len(weeks))
    add_samples(cache, cid, rows)
    return cid


@pytest.mark.parametrize(
    ("today", "expected_band", "carried"),
    [
        # 3 Nov: the week of 2 Nov has not ended, so October's values are carried
        (date(2026, 11, 3), "green", "2026-10"),
        # 10 Nov: the week of 2 Nov ended on 8 Nov and is missing: no data
        (date(2026, 11, 10), "no data", None),
    ],
)
def test_month_to_date_carries_values_not_yet_due(
    cache: Cache, today: date, expected_band: str, carried: str | None
) -> None:
    _essential_client(cache)
    add_samples(cache, 1, [("uptime", "2026-11-01", "day", 99.9)])  # some data this month
    engine = HealthEngine(cache, _catalog(), today=today)
    (ev,) = engine.evaluate(month_index(today))
    kpi = ev.kpi("user_adoption")
    assert kpi is not None
    assert (kpi.band, kpi.carried_from) == (expected_band, carried)


def test_history_is_kept_when_targets_and_bands_change(cache: Cache) -> None:
    cid = _essential_client(cache)
    today = date(2026, 12, 15)  # October is then older than the latest complete month
    add_samples(cache, cid, weekly("user_adoption", ["2026-11-02", "2026-12-07"], [95, 95]))
    october = parse_month("2026-10")
    (first,) = HealthEngine(cache, _catalog(), today=today).evaluate(october)
    assert first.status == "green"
    with cache.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE client_targets SET target = 20 WHERE client_id = ?", (cid,))
    strict = Bands.from_mapping({"satisfaction_yellow": 9.5})
    (again,) = HealthEngine(cache, _catalog(), today=today, bands=strict).evaluate(october)
    assert again.status == "green"
    assert again.kpi("time_saved").target == 10
    assert again.bands["satisfaction_yellow"] == 8.5
    (live,) = HealthEngine(cache, _catalog(), today=today, bands=strict).evaluate(
        october, record=False
    )
    assert live.status == "red"  # what today's targets and bands would say


def test_unknown_client_and_months(cache: Cache) -> None:
    _essential_client(cache)
    engine = HealthEngine(
        cache, _catalog(), today=date(2026, 11, 20), now=datetime(2026, 11, 20, tzinfo=UTC)
    )
    with pytest.raises(KnownError, match="unknown client"):
        engine.find_client("nobody")
    assert engine.find_client("TEST CLIENT").key == "CL-900"
    with pytest.raises(KnownError, match="future"):
        engine.evaluate(parse_month("2027-01"))
    with pytest.raises(KnownError, match="no data"):
        engine.evaluate(parse_month("2025-01"))
