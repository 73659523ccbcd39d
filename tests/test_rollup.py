"""Rollup of samples into periods: each metric's rule, week and month edges, seed 002's
tracking sheet, and the SQL monthly rollup agreeing with pandas on the demo."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.errors import KnownError
from csconsole.health.bands import Bands
from csconsole.health.rules import MetricInput, assess
from csconsole.rollup import (
    aggregate,
    catalog_rules,
    load_samples,
    month_end,
    month_index,
    month_start,
    monthly_values,
    parse_month,
    samples_frame,
)
from tests.helpers.health_helpers import add_client

BANDS = Bands()


def test_seed_002_weekly_tracking_sheet(catalog: Catalog) -> None:
    """The four weeks of the sheet aggregate with each metric's rule into one month."""
    weeks = ["2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26"]
    sheet: dict[str, list[float]] = {
        "uptime": [99.8, 99.5, 99.9, 99.7],
        "time_saved": [16, 17, 15, 18],
        "error_count": [1, 0, 1, 0],
        "satisfaction": [8.5, 9.0, 8.8, 9.2],
    }
    rows = [
        (1, m, w, "week", v)
        for m, values in sheet.items()
        for w, v in zip(weeks, values, strict=True)
    ]
    monthly = aggregate(
        samples_frame(rows), rules={k: m.aggregate for k, m in catalog.metrics.items()}
    )
    values = dict(zip(monthly["metric"], monthly["value"], strict=True))
    assert set(monthly["period"]) == {
        month_index(date(2026, 10, 1))
    }  # week of 26 Oct counts in October
    assert values["uptime"] == pytest.approx(99.725)  # mean, never a sum
    assert values["time_saved"] == pytest.approx(16.5)  # h/week, mean of the weeks
    assert values["error_count"] == 2  # sum: the dashboard's "Errors: 2 this month"
    assert values["satisfaction"] == pytest.approx(8.875)
    inputs = [
        MetricInput("uptime", "Uptime", "%", "higher", 99.5, values["uptime"]),
        MetricInput("satisfaction", "Satisfaction", "/10", "higher", 8.5, values["satisfaction"]),
        MetricInput("time_saved", "Time saved", "h/week", "higher", 15, values["time_saved"]),
    ]
    assert assess(metrics=inputs, incidents=[], bands=BANDS).status == "green"


@pytest.mark.parametrize(
    ("freq", "expected_periods"),
    [("month", 2), ("quarter", 1), ("week", 3)],
)
def test_rollup_periods_and_rules(freq: str, expected_periods: int) -> None:
    rows = [
        (1, "m", "2026-10-26", "week", 2.0),  # straddles into November: belongs to October
        (1, "m", "2026-10-19", "week", 4.0),
        (1, "m", "2026-11-02", "week", 6.0),
    ]
    out = aggregate(samples_frame(rows), rules={"m": "sum"}, freq=freq)  # type: ignore[arg-type]
    assert len(out) == expected_periods
    if freq == "month":
        assert out["value"].tolist() == [6.0, 6.0]


@pytest.mark.parametrize(
    ("rule", "expected"), [("mean", 2.0), ("sum", 6.0), ("max", 3.0), ("last", 1.0)]
)
def test_rollup_rules(rule: str, expected: float) -> None:
    rows = [
        (1, "m", "2026-10-01", "day", 2.0),
        (1, "m", "2026-10-31", "day", 1.0),
        (1, "m", "2026-10-15", "day", 3.0),
    ]
    out = aggregate(samples_frame(rows), rules={"m": rule})
    assert out["value"].tolist() == [expected]


@pytest.mark.parametrize(
    ("rule", "expected"), [("mean", 2.0), ("sum", 6.0), ("max", 3.0), ("last", 1.0)]
)
def test_sql_monthly_rollup_rules(cache: Cache, rule: str, expected: float) -> None:
    """The SQLite rollup the health engine reads applies each rule as pandas does."""
    cid = add_client(cache)
    with cache.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO samples (client_id, metric, period_start, grain, value) VALUES (?, ?, ?, ?, ?)",
            [
                (cid, "m", "2026-09-30", "day", 50.0),  # the month before: not in October
                (cid, "m", "2026-10-01", "day", 2.0),
                (cid, "m", "2026-10-31", "day", 1.0),  # the latest start: "last"
                (cid, "m", "2026-10-15", "day", 3.0),
                (cid, "m", "2026-11-01", "day", 70.0),  # the month after
            ],
        )
    october = parse_month("2026-10")
    got = monthly_values(cache.engine, first_month=october, last_month=october, rules={"m": rule})
    assert got == {(cid, "m", october): (expected, date(2026, 10, 31), "day")}


def test_sql_monthly_rollup_equals_pandas_on_the_demo(
    synced_cache: Cache, catalog: Catalog
) -> None:
    """Every client, metric and month of the demo: the two implementations agree."""
    first, last = parse_month("2025-11"), parse_month("2026-11")
    rules = catalog_rules(catalog)
    assert {"mean", "sum", "last", "max"} <= set(rules.values())
    frame = aggregate(
        load_samples(synced_cache.engine, start=month_start(first), end=month_end(last)),
        rules=rules,
    )
    expected = {
        (int(c), str(m), int(p)): (float(v), pd.Timestamp(ls).date(), str(g))
        for c, m, p, v, ls, g in zip(
            frame["client_id"], frame["metric"], frame["period"], frame["value"],
            frame["last_start"], frame["grain"], strict=True,
        )
    }  # fmt: skip
    got = monthly_values(synced_cache.engine, first_month=first, last_month=last, rules=rules)
    assert got.keys() == expected.keys()
    assert len(got) > 8_000  # clients joined over the two years: not every one has 13 months
    for key, (value, last_start, grain) in expected.items():
        assert got[key][0] == pytest.approx(value, rel=1e-12, abs=1e-9), key
        assert got[key][1:] == (last_start, grain), key


def test_month_edges() -> None:
    rows = [
        (1, "m", "2026-09-30", "day", 1.0),
        (1, "m", "2026-10-01", "day", 5.0),
        (1, "m", "2026-10-31", "day", 7.0),
    ]
    out = aggregate(samples_frame(rows), rules={"m": "mean"})
    assert out["value"].tolist() == [1.0, 6.0]
    assert parse_month("2026-10") == month_index(date(2026, 10, 1))
    for bad in ("2026-13", "10/2026", "2026-1"):
        with pytest.raises(KnownError):
            parse_month(bad)
