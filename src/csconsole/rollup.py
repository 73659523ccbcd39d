"""Aggregation of samples to week, month and quarter with each metric's own rule.

Rule for periods: a sample belongs to the period that contains its ``period_start``.
A weekly sample starting Monday 26 October therefore counts wholly in October even
though its last days fall in November; nothing is split pro rata, so every monthly
figure can be checked by hand from the samples listed for that month.

Months are handled as integer indexes (``year * 12 + month - 1``) so arithmetic on
them is exact and fast; :func:`month_label` turns one into ``YYYY-MM``.

Two implementations of the monthly rule, kept equal by a test: :func:`aggregate` (pandas,
any period, for charts, the tracking sheet and ROI) and :func:`monthly_values` (the
monthly rollup that SQLite keeps, months only), which the health engine uses so that the
status of a whole portfolio reads only the months it needs, with neither pandas nor a
copy of every sample in Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Engine

from csconsole.catalog import Catalog
from csconsole.errors import KnownError

if TYPE_CHECKING:  # pandas and numpy cost a third of a second to import: only when used
    import numpy as np
    import pandas as pd

Freq = Literal["week", "month", "quarter"]
SAMPLE_COLUMNS = ["client_id", "metric", "period_start", "grain", "value"]
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


# --- months ---------------------------------------------------------------------


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def month_end(index: int) -> date:
    """Last day of the month."""
    return month_start(index + 1) - timedelta(days=1)


def month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse_month(text: str) -> int:
    """``YYYY-MM`` to a month index; a clear error for anything else."""
    match = _MONTH_RE.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise KnownError(f"month {text!r} is not in the form YYYY-MM (for example 2026-10)")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def monday_of(day: date) -> date:
    """The Monday of ``day``'s week (weeks are Monday-based everywhere)."""
    return day - timedelta(days=day.weekday())


def first_monday(month: date) -> date:
    """The first Monday on or after the 1st of ``month``."""
    first = month.replace(day=1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


_STEP_DAYS = {"day": 1, "week": 7}


def period_end(start: date, grain: str) -> date:
    """Last day of the day, week or month that starts on ``start``."""
    if grain in _STEP_DAYS:
        return start + timedelta(days=_STEP_DAYS[grain] - 1)
    return month_end(month_index(start))


def next_period(start: date, grain: str) -> date:
    """The start of the day, week or month after the one that starts on ``start``."""
    if grain in _STEP_DAYS:
        return start + timedelta(days=_STEP_DAYS[grain])
    return month_start(month_index(start) + 1)


# --- loading --------------------------------------------------------------------

#: The warehouse's samples with the CSM's typed sheet values in place of those they
#: replace (SPEC "Sync": a sheet value is the CSM's word for its client, metric and
#: week). A weekly sheet value replaces the day and week samples from its Monday to its
#: Sunday; a day or month sheet value the sample of the same grain and start.
_TYPED = (
    "(SELECT client_id, metric, period_start, grain, value FROM samples s "
    "WHERE s.client_id NOT IN ({ids}) OR NOT EXISTS (SELECT 1 FROM sheet_values v "
    "WHERE v.client_id = s.client_id AND v.metric = s.metric AND ("
    "(v.grain = 'week' AND s.grain IN ('day', 'week') "
    "AND v.period_start = date(s.period_start, '-6 days', 'weekday 1')) "
    "OR (v.grain = s.grain AND v.period_start = s.period_start))) "
    "UNION ALL SELECT client_id, metric, period_start, grain, value FROM sheet_values)"
)


def samples_source(cursor: Any, client_ids: Sequence[int] | None = None) -> str:
    """What to select samples FROM: the ``samples`` table itself while no client asked
    for has typed sheet values (the usual case, and the fastest), else a subquery in
    which sheet values take the place of the warehouse samples they replace."""
    query = "SELECT DISTINCT client_id FROM sheet_values"
    run = getattr(cursor, "exec_driver_sql", None) or cursor.execute  # a Connection or a cursor
    typed = [int(r[0]) for r in run(query)]
    if client_ids is not None:
        wanted = set(client_ids)
        typed = [c for c in typed if c in wanted]
    if not typed:
        return "samples"
    return _TYPED.format(ids=", ".join(str(c) for c in typed))


@contextmanager
def _driver_cursor(engine: Engine) -> Iterator[Any]:
    """A DBAPI cursor on one of the engine's connections: SQLAlchemy's row objects cost
    more than the queries that read samples and the rollup."""
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            yield cursor
        finally:
            cursor.close()


def load_samples(
    engine: Engine,
    *,
    start: date | None = None,
    end: date | None = None,
    client_ids: Sequence[int] | None = None,
    metrics: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Samples whose period starts in ``[start, end]`` as a frame with typed columns."""
    where: list[str] = []
    params: list[object] = []
    if start is not None:
        where.append("period_start >= ?")
        params.append(start.isoformat())
    if end is not None:
        where.append("period_start <= ?")
        params.append(end.isoformat())
    if client_ids is not None:
        where.append(f"client_id IN ({', '.join('?' for _ in client_ids)})")
        params.extend(client_ids)
    if metrics is not None:
        where.append(f"metric IN ({', '.join('?' for _ in metrics)})")
        params.extend(metrics)
    with _driver_cursor(engine) as cursor:
        source = samples_source(cursor, client_ids)
        sql = f"SELECT client_id, metric, period_start, grain, value FROM {source}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = cursor.execute(sql, tuple(params)).fetchall()
    return samples_frame(rows)


def samples_frame(rows: Sequence[Sequence[object]]) -> pd.DataFrame:
    """Rows of (client_id, metric, period_start ISO or date, grain, value) as a typed frame."""
    import numpy as np
    import pandas as pd

    if not rows:
        return pd.DataFrame(
            {
                "client_id": pd.Series([], dtype="int64"),
                "metric": pd.Series([], dtype="object"),
                "period_start": pd.Series([], dtype="datetime64[s]"),
                "grain": pd.Series([], dtype="object"),
                "value": pd.Series([], dtype="float64"),
            }
        )
    cols = list(zip(*rows, strict=True))
    # numpy parses ISO date text itself; dates read elsewhere arrive as date objects.
    first = cols[2][0]
    raw = cols[2] if isinstance(first, str) else [str(s) for s in cols[2]]
    starts = np.array(raw, dtype="datetime64[D]").astype("datetime64[s]")
    return pd.DataFrame(
        {
            "client_id": np.asarray(cols[0], dtype="int64"),
            "metric": np.asarray(cols[1], dtype="object"),
            "period_start": starts,
            "grain": np.asarray(cols[3], dtype="object"),
            "value": np.asarray(cols[4], dtype="float64"),
        }
    )


# --- aggregation ----------------------------------------------------------------


def period_keys(starts: pd.Series, freq: Freq) -> np.ndarray:
    """For each start date, the integer key of its period: a month index for month and
    quarter (the quarter's first month), days since epoch of the Monday for week."""
    days = starts.to_numpy().astype("datetime64[D]")
    if freq == "week":
        day_numbers = days.astype("int64")
        # 1970-01-01 was a Thursday: weekday (Monday 0) is (n + 3) % 7.
        return day_numbers - (day_numbers + 3) % 7
    months = days.astype("datetime64[M]").astype("int64") + 1970 * 12
    if freq == "quarter":
        return months - months % 3
    return months


def aggregate(
    samples: pd.DataFrame, *, rules: Mapping[str, str], freq: Freq = "month"
) -> pd.DataFrame:
    """One row per (client_id, metric, period) with the metric's own rule applied.

    Columns: client_id, metric, period (int key, see :func:`period_keys`), value,
    samples (count), last_start (start of the latest sample), grain (of that sample).
    Metrics missing from ``rules`` aggregate by mean.
    """
    import numpy as np
    import pandas as pd

    if samples.empty:
        return pd.DataFrame(
            {
                "client_id": pd.Series([], dtype="int64"),
                "metric": pd.Series([], dtype="object"),
                "period": pd.Series([], dtype="int64"),
                "value": pd.Series([], dtype="float64"),
                "samples": pd.Series([], dtype="int64"),
                "last_start": pd.Series([], dtype="datetime64[s]"),
                "grain": pd.Series([], dtype="object"),
            }
        )
    frame = samples.assign(period=period_keys(samples["period_start"], freq))
    frame = frame.sort_values(["client_id", "metric", "period_start"], kind="stable")
    grouped = frame.groupby(["client_id", "metric", "period"], sort=True)
    stats = grouped["value"].agg(["mean", "sum", "max", "last", "count"])
    stats["last_start"] = grouped["period_start"].max()
    stats["grain"] = grouped["grain"].last()
    stats = stats.reset_index()
    rule = stats["metric"].map(lambda m: rules.get(m, "mean")).to_numpy()
    value = np.select(
        [rule == "sum", rule == "max", rule == "last"],
        [stats["sum"].to_numpy(), stats["max"].to_numpy(), stats["last"].to_numpy()],
        default=stats["mean"].to_numpy(),
    )
    return pd.DataFrame(
        {
            "client_id": stats["client_id"].to_numpy(dtype="int64"),
            "metric": stats["metric"].to_numpy(dtype="object"),
            "period": stats["period"].to_numpy(dtype="int64"),
            "value": value.astype("float64"),
            "samples": stats["count"].to_numpy(dtype="int64"),
            "last_start": stats["last_start"].to_numpy(),
            "grain": stats["grain"].to_numpy(dtype="object"),
        }
    )


#: (client_id, metric, month index) -> (value, start of the latest sample, its grain)
MonthlyValues = dict[tuple[int, str, int], tuple[float, date, str]]

# --- the monthly rollup ---------------------------------------------------------
#
# ``monthly_rollup`` keeps, per month, client and metric, what every monthly rule needs:
# count, sum, maximum, and the latest sample's start, value and grain. Triggers on
# ``samples`` and ``sheet_values`` mark the (month, client) pairs they change in
# ``rollup_dirty`` (migration 0007), so no writer can leave it stale: readers compute
# the dirty pairs from the samples themselves, and :func:`refresh_rollup` (after a sync
# or a sheet import) rewrites them. Reading a month of the whole book is then a range of
# the rollup's primary key, whatever the length of the history.

_ROLLUP_COLUMNS = "month, client_id, metric, n, total, top, last_start, last_value, last_grain"
_MONTH = "substr(period_start, 1, 7)"
#: A rollup row ``r`` whose pair is not waiting for a refresh.
_CLEAN = (
    "NOT EXISTS (SELECT 1 FROM rollup_dirty AS d "
    "WHERE d.month = r.month AND d.client_id = r.client_id)"
)


def _aggregated(source: str, where: str) -> str:
    """The rollup's rows computed from ``source`` rows matching ``where``.

    Two grouped queries joined: SQLite gives a bare column (the latest sample's value and
    grain) the row that holds the query's ``max()`` only when there is a single one, and
    the maximum of the values is a second.
    """
    group = f"GROUP BY client_id, metric, {_MONTH}"
    return (
        "SELECT a.month, a.client_id, a.metric, a.n, a.total, b.top, a.last_start, a.value, "
        f"a.grain FROM (SELECT {_MONTH} AS month, client_id, metric, count(*) AS n, "
        "sum(value) AS total, max(period_start) AS last_start, value, grain "
        f"FROM {source} WHERE {where} {group}) AS a "
        f"JOIN (SELECT {_MONTH} AS month, client_id, metric, max(value) AS top "
        f"FROM {source} WHERE {where} {group}) AS b "
        "ON b.month = a.month AND b.client_id = a.client_id AND b.metric = a.metric"
    )


def refresh_rollup(conn: Any) -> int:
    """Rewrite the rollup rows of every dirty (month, client) pair, in the caller's
    transaction; returns how many pairs were dirty (0 costs one lookup)."""
    run = getattr(conn, "exec_driver_sql", None) or conn.execute
    if run("SELECT 1 FROM rollup_dirty LIMIT 1").fetchone() is None:
        return 0
    pairs = int(run("SELECT count(*) FROM rollup_dirty").fetchone()[0])
    ids = [int(r[0]) for r in run("SELECT DISTINCT client_id FROM rollup_dirty")]
    dirty = "(SELECT month, client_id FROM rollup_dirty)"
    run(f"DELETE FROM monthly_rollup WHERE (month, client_id) IN {dirty}")
    where = (
        f"client_id IN (SELECT client_id FROM rollup_dirty) AND ({_MONTH}, client_id) IN {dirty}"
    )
    run(
        f"INSERT INTO monthly_rollup ({_ROLLUP_COLUMNS}) "
        + _aggregated(samples_source(conn, ids), where)
    )
    run("DELETE FROM rollup_dirty")
    return pairs


def _rollup_rows(
    cursor: Any, labels: Sequence[str], client_ids: Sequence[int] | None
) -> list[tuple[Any, ...]]:
    """The rollup's rows of ``labels`` (YYYY-MM) for ``client_ids`` (all when None): stored
    rows of clean pairs, and dirty pairs computed from the samples."""
    months = f"month IN ({', '.join('?' for _ in labels)})"
    params: list[object] = list(labels)
    clients = ""
    if client_ids is not None:
        clients = f" AND client_id IN ({', '.join('?' for _ in client_ids)})"
        params.extend(client_ids)
    rows: list[tuple[Any, ...]] = cursor.execute(
        f"SELECT {_ROLLUP_COLUMNS} FROM monthly_rollup AS r WHERE {months}{clients} AND {_CLEAN}",
        tuple(params),
    ).fetchall()
    dirty = cursor.execute(
        f"SELECT DISTINCT client_id FROM rollup_dirty WHERE {months}{clients}", tuple(params)
    ).fetchall()
    if dirty:
        ids = [int(r[0]) for r in dirty]
        pairs = f"(SELECT month, client_id FROM rollup_dirty WHERE {months}{clients})"
        where = (
            f"client_id IN ({', '.join(str(i) for i in ids)}) "
            f"AND period_start >= ? AND period_start < ? AND ({_MONTH}, client_id) IN {pairs}"
        )
        bounds = (f"{min(labels)}-01", f"{max(labels)}-99")
        rows += cursor.execute(
            _aggregated(samples_source(cursor, ids), where), (*bounds, *params) * 2
        ).fetchall()
    return rows


def monthly_values(
    engine: Engine,
    *,
    first_month: int,
    last_month: int,
    rules: Mapping[str, str],
    client_ids: Sequence[int] | None = None,
) -> MonthlyValues:
    """Each (client, metric, month)'s value by the metric's rule, from the monthly rollup.

    The same figures as :func:`aggregate` with ``freq="month"`` (a test holds them equal):
    mean is sum / count, "last" the value of the sample with the latest start.
    """
    labels = [month_label(m) for m in range(first_month, last_month + 1)]
    with _driver_cursor(engine) as cursor:
        rows = _rollup_rows(cursor, labels, client_ids)
    out: MonthlyValues = {}
    indexes = {label: parse_month(label) for label in labels}
    days: dict[str, date] = {}
    for month, cid, metric, count, total, top, last_start, last_value, grain in rows:
        rule = rules.get(metric, "mean")
        if rule == "sum":
            value = total
        elif rule == "last":
            value = last_value
        elif rule == "max":
            value = top
        else:
            value = total / count
        day = days.get(last_start)
        if day is None:
            day = days[last_start] = date.fromisoformat(last_start[:10])
        out[(cid, metric, indexes[month])] = (float(value), day, grain)
    return out


def has_data(engine: Engine, month: int) -> bool:
    """Whether any client has a sample or sheet value in ``month``."""
    with _driver_cursor(engine) as cursor:
        return _month_has_rows(cursor, month_label(month))


def _month_has_rows(cursor: Any, label: str) -> bool:
    clean = cursor.execute(
        f"SELECT 1 FROM monthly_rollup AS r WHERE month = ? AND {_CLEAN} LIMIT 1", (label,)
    ).fetchone()
    if clean is not None:
        return True
    dirty = [
        int(r[0])
        for r in cursor.execute("SELECT client_id FROM rollup_dirty WHERE month = ?", (label,))
    ]
    if not dirty:
        return False
    found = cursor.execute(
        f"SELECT 1 FROM {samples_source(cursor, dirty)} "
        f"WHERE client_id IN ({', '.join(str(i) for i in dirty)}) "
        "AND period_start >= ? AND period_start < ? LIMIT 1",
        (f"{label}-01", f"{label}-99"),
    ).fetchone()
    return found is not None


def catalog_rules(catalog: Catalog) -> dict[str, str]:
    """Each metric's aggregation rule, from the catalog."""
    return {key: metric.aggregate for key, metric in catalog.metrics.items()}
