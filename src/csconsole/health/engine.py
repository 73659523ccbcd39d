"""The health engine over the cache: each client's evaluation of any month, fed from
the monthly rollup, and its history in ``status_history``.

Design decisions (JSON shapes: docs/json.md):

* Monthly values follow :mod:`csconsole.rollup`: a sample counts in the month of its
  ``period_start`` and is aggregated with the metric's own rule.
* Month to date: a targeted metric with no sample yet in the current month is
  *carried* from the previous month while no period of its grain has ended in this
  month (a week that started on the 30th of last month, a monthly figure, the first
  day of a month); the KPI says so. Once a period is due and missing, it is "no data".
* Open incidents are those open at the end of the month (or now, for the month to
  date): opened before that moment and not resolved by it.
* History: a month is evaluated live while it is the current month or the latest
  complete month; once older, the first stored evaluation is kept as it was.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from csconsole import clock
from csconsole.cache import Cache
from csconsole.catalog import Catalog, default_catalog
from csconsole.errors import KnownError
from csconsole.health.bands import Bands
from csconsole.health.clients import ClientInfo, find_client, load_clients
from csconsole.health.evaluation import Evaluation
from csconsole.health.explain import Explanation, explain
from csconsole.health.rules import (
    Assessment,
    IncidentInput,
    MetricInput,
    assess,
    rating_alone,
)
from csconsole.rollup import (
    catalog_rules,
    has_data,
    month_index,
    month_label,
    month_start,
    monthly_values,
    next_period,
    period_end,
)


class HealthEngine:
    """Status, KPIs and history for the cache's clients, as of ``today``.

    ``today`` is injectable so tests and the demo are reproducible; the current month
    is the month of ``today`` (to date), the latest complete month the one before.
    """

    def __init__(
        self,
        cache: Cache,
        catalog: Catalog,
        *,
        today: date | None = None,
        bands: Bands | None = None,
        now: datetime | None = None,
    ) -> None:
        self.cache = cache
        self.catalog = catalog
        self.today = today or clock.today()
        self.now = now or datetime.combine(self.today, datetime.now(UTC).time(), tzinfo=UTC)
        self.bands = bands or Bands.configured()
        self.current_month = month_index(self.today)
        self.latest_complete = self.current_month - 1
        self._rules = catalog_rules(catalog)
        self._bands_dict = self.bands.as_dict()
        self._clients: list[ClientInfo] | None = None
        self._months_with_data: set[int] = set()
        #: What this engine evaluated and recorded: an engine serves one request, and
        #: the same month is often asked twice in it.
        self._evaluated: dict[
            tuple[int, tuple[int, ...] | None], list[tuple[Evaluation, Evaluation | None]]
        ] = {}

    # clients

    def clients(self) -> list[ClientInfo]:
        if self._clients is None:
            self._clients = load_clients(self.cache.engine)
        return self._clients

    def find_client(self, text: str) -> ClientInfo:
        return find_client(self.clients(), text)

    def default_month(self) -> int:
        """The current month when it has any data yet, else the latest complete month."""
        if self._has_samples(self.current_month):
            return self.current_month
        return self.latest_complete

    def _has_samples(self, month: int) -> bool:
        # Remembered once found: a month's data does not go away while the engine lives.
        if month not in self._months_with_data and has_data(self.cache.engine, month):
            self._months_with_data.add(month)
        return month in self._months_with_data

    def check_month(self, month: int) -> None:
        """Refuse months in the future and months the cache holds nothing for."""
        if month > self.current_month:
            raise KnownError(
                f"{month_label(month)} is in the future (today is {self.today.isoformat()})"
            )
        if not self._has_samples(month):
            raise KnownError(
                f"the cache has no data for {month_label(month)}; run 'csconsole sync'"
            )

    # evaluation

    def evaluate(
        self,
        month: int,
        *,
        client: ClientInfo | None = None,
        clients: Sequence[ClientInfo] | None = None,
        record: bool = True,
    ) -> list[Evaluation]:
        """Every started client's evaluation of ``month`` (or one client's, or those of
        ``clients``), worst first."""
        pair = self.evaluate_with_previous(month, client=client, clients=clients, record=record)
        return sorted((cur for cur, _prev in pair), key=Evaluation.sort_key)

    def evaluate_with_previous(
        self,
        month: int,
        *,
        client: ClientInfo | None = None,
        clients: Sequence[ClientInfo] | None = None,
        record: bool = True,
    ) -> list[tuple[Evaluation, Evaluation | None]]:
        """(this month, previous month) for each started client, or for ``client`` or
        ``clients`` alone: only their samples, incidents and history are read."""
        self.check_month(month)
        if client is not None:
            clients = [client]
        ids = None if clients is None else [c.id for c in clients]
        key = (month, None if ids is None else tuple(ids))
        if record and key in self._evaluated:  # e.g. the alerts' run, then the status shown
            return self._evaluated[key]
        out = self._evaluate_with_previous(month, client, clients, ids, record=record)
        self._evaluated[key] = out
        return out

    def _evaluate_with_previous(
        self,
        month: int,
        client: ClientInfo | None,
        clients: Sequence[ClientInfo] | None,
        ids: list[int] | None,
        *,
        record: bool,
    ) -> list[tuple[Evaluation, Evaluation | None]]:
        chosen = [
            c for c in (self.clients() if clients is None else clients) if c.start_month <= month
        ]
        if not chosen:
            if clients is not None and client is None:
                return []
            who = client.key if client else "no client"
            raise KnownError(f"{who} had not started by {month_label(month)}")
        clients = chosen
        values = monthly_values(
            self.cache.engine,
            first_month=month - 2,
            last_month=month,
            rules=self._rules,
            client_ids=ids,
        )
        present: dict[int, set[str]] = {}
        for cid, mkey, _p in values:
            present.setdefault(cid, set()).add(mkey)
        incidents = {m: self._open_incidents(m, ids) for m in (month - 2, month - 1, month)}
        stored = self._stored(month, ids) if record else {}
        evaluated_at = self.now.isoformat(timespec="seconds")
        out: list[tuple[Evaluation, Evaluation | None]] = []
        to_record: list[tuple[ClientInfo, Evaluation, bool]] = []
        for c in clients:
            metrics = self._client_metrics(c, present.get(c.id, set()))
            rating_2 = (
                rating_alone(
                    metrics=self._inputs(c, metrics, values, month - 2),
                    incidents=incidents[month - 2].get(c.id, []),
                    bands=self.bands,
                )
                if c.start_month <= month - 2
                else None
            )
            prev: Evaluation | None = None
            if c.start_month <= month - 1:
                prev = self._evaluation(
                    c, metrics, values, incidents, month - 1, rating_2, evaluated_at
                )
                old = stored.get((c.id, month - 1))
                if old is not None and month - 1 < self.latest_complete:
                    prev = old
                elif record:
                    to_record.append((c, prev, month - 1 >= self.latest_complete))
            cur = self._evaluation(
                c, metrics, values, incidents, month, prev.rating if prev else None, evaluated_at
            )
            old = stored.get((c.id, month))
            if old is not None and month < self.latest_complete:
                cur = old
            elif record:
                to_record.append((c, cur, month >= self.latest_complete))
            out.append((cur, prev))
        if to_record:
            self._record(to_record)
        return out

    def _client_metrics(
        self, client: ClientInfo, present: set[str]
    ) -> list[tuple[str, float | None]]:
        """(metric key, target) of the client's tier and custom KPIs, plus optional metrics
        (lead delivery…) that its source sends."""
        metrics = self.catalog.metrics_for(tier=client.tier, client_key=client.key)
        keys = {m.key for m in metrics}
        extra = [m for k, m in self.catalog.metrics.items() if k in present and k not in keys]
        return [(m.key, client.targets.get(m.key, m.target)) for m in (*metrics, *extra)]

    def _inputs(
        self,
        client: ClientInfo,
        metrics: Sequence[tuple[str, float | None]],
        values: Mapping[tuple[int, str, int], tuple[float, date, str]],
        month: int,
    ) -> list[MetricInput]:
        yesterday = self.today - timedelta(days=1)
        out = []
        for key, target in metrics:
            metric = self.catalog.metrics[key]
            here = values.get((client.id, key, month))
            before = values.get((client.id, key, month - 1))
            value = here[0] if here else None
            carried = None
            targeted = target is not None and metric.direction in ("higher", "lower")
            if here is None and targeted and month == self.current_month and before is not None:
                # Month to date: no period of this metric's grain has ended yet this month.
                following = next_period(before[1], before[2])
                if period_end(following, before[2]) > yesterday:
                    value, carried = before[0], month_label(month - 1)
            out.append(
                MetricInput(
                    key=key,
                    label=metric.label,
                    unit=metric.unit,
                    direction=metric.direction,
                    target=target,
                    value=None if value is None else round(value, 6),
                    previous=None if before is None else round(before[0], 6),
                    carried_from=carried,
                )
            )
        return out

    def _assess(
        self,
        client: ClientInfo,
        metrics: Sequence[tuple[str, float | None]],
        values: Mapping[tuple[int, str, int], tuple[float, date, str]],
        month: int,
        incidents: Mapping[int, list[IncidentInput]],
    ) -> Assessment:
        inputs = self._inputs(client, metrics, values, month)
        return assess(metrics=inputs, incidents=incidents.get(client.id, []), bands=self.bands)

    def _evaluation(
        self,
        client: ClientInfo,
        metrics: Sequence[tuple[str, float | None]],
        values: Mapping[tuple[int, str, int], tuple[float, date, str]],
        incidents: Mapping[int, Mapping[int, list[IncidentInput]]],
        month: int,
        previous_rating: float | None,
        evaluated_at: str,
    ) -> Evaluation:
        a = self._assess(client, metrics, values, month, incidents[month])
        return Evaluation.judged(
            a,
            client_key=client.key,
            client_name=client.name,
            tier=client.tier,
            month=month_label(month),
            complete=month < self.current_month,
            previous_rating=previous_rating,
            incidents=incidents[month].get(client.id, []),
            bands=dict(self._bands_dict),
            evaluated_at=evaluated_at,
        )

    def _open_incidents(
        self, month: int, client_ids: Sequence[int] | None
    ) -> dict[int, list[IncidentInput]]:
        """Incidents open at the end of ``month`` (or now, for the month to date)."""
        end = datetime.combine(month_start(month + 1), time(), tzinfo=UTC)
        as_of = min(end, self.now).astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
        sql = (
            "SELECT i.client_id, i.key, i.severity, i.title, i.opened_at FROM incidents i "
            "WHERE i.opened_at < ? AND (i.resolved_at IS NULL OR i.resolved_at >= ?)"
        )
        params: list[Any] = [as_of, as_of]
        if client_ids is not None:
            sql += f" AND i.client_id IN ({', '.join('?' for _ in client_ids)})"
            params += list(client_ids)
        out: dict[int, list[IncidentInput]] = {}
        with self.cache.engine.connect() as conn:
            for cid, key, severity, title, opened in conn.exec_driver_sql(
                sql + " ORDER BY i.opened_at", tuple(params)
            ):
                out.setdefault(cid, []).append(
                    IncidentInput(key, severity, title or "", str(opened))
                )
        return out

    # history

    def _stored(
        self, month: int, client_ids: Sequence[int] | None
    ) -> dict[tuple[int, int], Evaluation]:
        # Only months older than the latest complete one are taken from history; the
        # others are evaluated afresh, so their stored JSON need not be read.
        months = [month_label(m) for m in (month - 1, month) if m < self.latest_complete]
        if not months:
            return {}
        sql = (
            "SELECT client_id, month, evaluation_json FROM status_history "
            f"WHERE month IN ({', '.join('?' for _ in months)})"
        )
        params: list[Any] = list(months)
        if client_ids is not None:
            sql += f" AND client_id IN ({', '.join('?' for _ in client_ids)})"
            params += list(client_ids)
        out = {}
        with self.cache.engine.connect() as conn:
            for cid, label, text in conn.exec_driver_sql(sql, tuple(params)):
                index = int(label[:4]) * 12 + int(label[5:7]) - 1
                out[(cid, index)] = Evaluation.from_json(json.loads(text))
        return out

    def _record(self, rows: Sequence[tuple[ClientInfo, Evaluation, bool]]) -> None:
        """Store evaluations: open months are replaced, older ones only added when missing."""
        stamp = self.now.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
        params = [
            (
                c.id,
                e.month,
                e.status,
                e.rating,
                e.complete,
                stamp,
                json.dumps(e.as_json(), ensure_ascii=False),
            )
            for c, e, _open in rows
        ]
        replace_rows = [p for p, (_c, _e, is_open) in zip(params, rows, strict=True) if is_open]
        keep_rows = [p for p, (_c, _e, is_open) in zip(params, rows, strict=True) if not is_open]
        insert = (
            "INSERT INTO status_history (client_id, month, status, rating, complete, evaluated_at, "
            "evaluation_json) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (client_id, month) DO "
        )
        with self.cache.engine.begin() as conn:
            if replace_rows:
                conn.exec_driver_sql(
                    insert + "UPDATE SET status = excluded.status, rating = excluded.rating, "
                    "complete = excluded.complete, evaluated_at = excluded.evaluated_at, "
                    "evaluation_json = excluded.evaluation_json",
                    replace_rows,
                )
            if keep_rows:
                conn.exec_driver_sql(insert + "NOTHING", keep_rows)

    def history(self, client: ClientInfo) -> list[Evaluation]:
        """Every stored month of one client, oldest first."""
        with self.cache.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT evaluation_json FROM status_history WHERE client_id = ? ORDER BY month",
                (client.id,),
            ).fetchall()
        return [Evaluation.from_json(json.loads(r[0])) for r in rows]

    def explain(self, month: int, *, client: ClientInfo) -> Explanation:
        ((cur, prev),) = self.evaluate_with_previous(month, client=client)
        return explain(cur, prev)


def open_engine(
    cache: Cache,
    catalog: Catalog | None = None,
    *,
    today: date | None = None,
    now: datetime | None = None,
) -> HealthEngine:
    """The engine a user's action works with, whichever screen or command asks: the
    user's bands and, unless given, the application's catalog; ``today`` and ``now``
    default to the clock's."""
    return HealthEngine(
        cache,
        default_catalog() if catalog is None else catalog,
        today=today,
        bands=Bands.configured(),
        now=now,
    )
