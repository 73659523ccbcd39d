"""The checks of a sync: each warehouse row against the contract, the catalog and the
clients known so far, kept or rejected with a reason."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from csconsole.catalog import Catalog
from csconsole.ingest.warehouse import CLIENTS, INCIDENTS, SAMPLES, TIMESTAMP_FORMAT
from csconsole.models import utcnow

GRAINS = ("day", "week", "month")
SEVERITIES = ("minor", "critical")
#: The longest contract term the contract allows (ten years).
MAX_CONTRACT_MONTHS = 120
#: Characters that break a one-line title (a table row, a subject line).
_LINE_BREAKS = frozenset("\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029")


@dataclass(frozen=True, slots=True)
class Rejection:
    stream: str
    row_ref: str
    reason: str  # the category, e.g. "unknown client"
    detail: str
    raw: dict[str, Any]


def _number(value: Any) -> float | None:
    if type(value) is float:
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return float(value)
    return None


def _iso_date(value: Any) -> str | None:
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            return None
    return None


def utc_text(value: Any) -> str | None:
    """A warehouse timestamp as UTC text for the cache, or None when it is not one."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime(TIMESTAMP_FORMAT)


def shown(value: Any) -> str:
    """A value for a rejection's one-line detail: short, and a BLOB named as one."""
    if isinstance(value, bytes | bytearray | memoryview):
        return f"X'{bytes(value)[:16].hex()}' (a BLOB)"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _text(value: Any, *, limit: int = 200) -> str | None:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        return None
    return value


class Checker:
    """Checks rows of each stream against the catalog and the clients known so far."""

    def __init__(self, catalog: Catalog, *, today: date, client_ids: dict[str, int]) -> None:
        self.catalog = catalog
        self.today_iso = today.isoformat()
        self.client_ids = client_ids
        #: client id -> 168 h × team size, for clients whose team size is known.
        self.hour_caps: dict[int, float] = {}
        self.hour_metrics = frozenset(k for k, m in catalog.metrics.items() if m.unit == "h/week")
        #: Each metric's allowed (min, max), open ends as infinities, looked up once per row.
        self.bounds: dict[str, tuple[float, float]] = {
            key: (
                -math.inf if m.minimum is None else m.minimum,
                math.inf if m.maximum is None else m.maximum,
            )
            for key, m in catalog.metrics.items()
        }
        #: period_start text -> ISO date (or None): a sync sees few distinct period starts.
        self._dates: dict[str, str | None] = {}

    def _period_start(self, value: Any) -> str | None:
        """``_iso_date`` of a period start, remembered for text values."""
        if type(value) is not str:
            return _iso_date(value)
        try:
            return self._dates[value]
        except KeyError:
            iso = _iso_date(value)
            if len(self._dates) < 100_000:
                self._dates[value] = iso
            return iso

    def clients(
        self, rows: Sequence[Sequence[Any]]
    ) -> tuple[list[tuple[Any, ...]], list[Rejection]]:
        good: list[tuple[Any, ...]] = []
        bad: list[Rejection] = []
        synced = utcnow().strftime(TIMESTAMP_FORMAT)
        seen: set[str] = set()
        for row in rows:
            (key, name, tier, value, start, csm, lead, contact, email, team, rate, cost, setup,
             renewal, term) = row[:15]  # fmt: skip
            raw = dict(zip(CLIENTS.columns, row, strict=False))

            def reject(reason: str, detail: str, key: Any = key, raw: dict[str, Any] = raw) -> None:
                bad.append(Rejection("clients", str(key), reason, detail, raw))

            if not isinstance(key, str) or not key.strip() or len(key) > 64:
                reject("wrong type", "client_id must be text of 1–64 characters")
                continue
            if key in seen:
                reject("duplicate key", f"client {key} appears twice")
                continue
            seen.add(key)
            texts = [_text(v) for v in (name, csm, lead, contact)]
            mail = _text(email, limit=320)
            if any(t is None for t in texts) or mail is None or not (name or "").strip():
                reject("wrong type", "name, csm, technical_lead and contact must be text")
                continue
            if mail and ("@" not in mail or any(c in mail for c in "\r\n<>, ")):
                reject("wrong type", f"contact_email {mail!r} is not one email address")
                continue
            if tier not in self.catalog.tiers:
                reject(
                    "unknown tier", f"tier {tier!r} is not one of {', '.join(self.catalog.tiers)}"
                )
                continue
            numbers = [_number(v) for v in (value, rate, cost)]
            if any(n is None for n in numbers):
                reject(
                    "wrong type", "package_value, hourly_rate and cost_per_error must be numbers"
                )
                continue
            if any(not math.isfinite(n) or n < 0 for n in numbers if n is not None):
                reject("out of range", "package_value, hourly_rate and cost_per_error must be ≥ 0")
                continue
            team_n = _number(team)
            if team_n is None or team_n < 0 or team_n != int(team_n):
                reject("wrong type", f"team_size {team!r} is not a whole number ≥ 0")
                continue
            start_iso = _iso_date(start)
            if start_iso is None:
                reject("bad date", f"start_date {start!r} is not a date")
                continue
            setup_fee = 0.0 if setup is None else _number(setup)
            if setup_fee is None or not math.isfinite(setup_fee) or setup_fee < 0:
                reject("wrong type", f"setup_fee {setup!r} is not a number ≥ 0")
                continue
            renewal_iso = None if renewal is None else _iso_date(renewal)
            if renewal is not None and renewal_iso is None:
                reject("bad date", f"renewal_date {renewal!r} is not a date")
                continue
            months = None if term is None else _number(term)
            if term is not None and (
                months is None or not math.isfinite(months) or months != int(months)
            ):
                reject("wrong type", f"contract_months {term!r} is not a whole number")
                continue
            if months is not None and not 1 <= months <= MAX_CONTRACT_MONTHS:
                reject(
                    "out of range",
                    f"contract_months {term!r} is not from 1 to {MAX_CONTRACT_MONTHS}",
                )
                continue
            good.append(
                (key, name, tier, numbers[0], start_iso, *texts[1:], mail, int(team_n),
                 numbers[1], numbers[2], setup_fee, renewal_iso,
                 None if months is None else int(months), synced)
            )  # fmt: skip
        return good, bad

    def targets(
        self, rows: Sequence[Sequence[Any]]
    ) -> tuple[list[tuple[Any, ...]], list[Rejection]]:
        good: list[tuple[Any, ...]] = []
        bad: list[Rejection] = []
        for key, metric_key, target, *_ in rows:
            ref = f"{key}/{metric_key}"
            raw = {"client_id": key, "metric": metric_key, "target": target}
            client_id = self.client_ids.get(key)
            metric = self.catalog.metrics.get(metric_key)
            value = _number(target)
            if type(key) is not str or type(metric_key) is not str:
                detail = f"client_id {shown(key)} and metric {shown(metric_key)} must be text"
                bad.append(Rejection("targets", ref, "wrong type", detail, raw))
            elif client_id is None:
                bad.append(Rejection("targets", ref, "unknown client", f"client {key!r}", raw))
            elif metric is None:
                bad.append(
                    Rejection("targets", ref, "unknown metric", f"metric {metric_key!r}", raw)
                )
            elif value is None:
                detail = f"target {shown(target)} is not a number"
                bad.append(Rejection("targets", ref, "wrong type", detail, raw))
            elif not math.isfinite(value):
                bad.append(Rejection("targets", ref, "not a finite number", f"target {value}", raw))
            elif problem := metric.check_value(value):
                bad.append(Rejection("targets", ref, "out of range", problem, raw))
            else:
                good.append((client_id, metric_key, value))
        return good, bad

    def samples(
        self,
        rows: Sequence[Sequence[Any]],
        source_id: int | None,
        *,
        seen: set[tuple[int, str, str]] | None = None,
    ) -> tuple[list[tuple[Any, ...]], list[Rejection]]:
        """The hot loop of a sync: kept flat on purpose.

        A row that passes every check takes the fast path (lookups hoisted, per-metric
        bounds precomputed, period starts parsed once per distinct text); any other row
        goes through the full chain of checks below, which names the first problem in
        the same order as always. ``seen`` holds the keys met so far in the batch, when
        the batch is checked in slices: a key is a duplicate within its whole batch.
        """
        good: list[tuple[Any, ...]] = []
        bad: list[Rejection] = []
        if seen is None:
            seen = set()
        client_ids = self.client_ids
        metrics = self.catalog.metrics
        bounds = self.bounds
        dates = self._dates
        period_start = self._period_start
        isfinite = math.isfinite
        grains = frozenset(GRAINS)
        today = self.today_iso
        append = good.append
        remember = seen.add
        for row in rows:
            sample_id, key, metric_key, start, grain, value = row[:6]
            client_id = client_ids.get(key)
            limits = bounds.get(metric_key)
            if client_id is not None and limits is not None and type(value) is float:
                start_iso = dates.get(start) if type(start) is str else None
                if start_iso is None:
                    start_iso = period_start(start)
                if (
                    start_iso is not None
                    and grain in grains
                    and isfinite(value)
                    and limits[0] <= value <= limits[1]
                    and start_iso <= today
                ):
                    dedupe = (client_id, metric_key, start_iso)
                    if dedupe not in seen:
                        remember(dedupe)
                        append((client_id, metric_key, start_iso, grain, value, source_id))
                        continue
            metric = metrics.get(metric_key)
            reason = detail = ""
            if type(key) is not str or type(metric_key) is not str:
                reason = "wrong type"
                detail = f"client_id {shown(key)} and metric {shown(metric_key)} must be text"
            elif start is not None and not isinstance(start, str | date):
                reason, detail = "wrong type", f"period_start {shown(start)} is not a date"
            elif client_id is None:
                reason, detail = "unknown client", f"client {key!r}"
            elif metric is None:
                reason, detail = "unknown metric", f"metric {metric_key!r}"
            else:
                number = value if type(value) is float else _number(value)
                start_iso = period_start(start)
                if number is None:
                    reason, detail = "wrong type", f"value {shown(value)} is not a number"
                elif start_iso is None:
                    reason, detail = "bad date", f"period_start {start!r} is not a date"
                elif grain not in GRAINS:
                    reason, detail = "wrong type", f"grain {grain!r} is not day, week or month"
                elif number != number or number in (math.inf, -math.inf):
                    reason, detail = "not a finite number", f"value {value!r}"
                elif (metric.minimum is not None and number < metric.minimum) or (
                    metric.maximum is not None and number > metric.maximum
                ):
                    reason, detail = "out of range", metric.check_value(number) or ""
                elif start_iso > today:
                    reason, detail = "future date", f"period_start {start_iso} is after today"
                else:
                    dedupe = (client_id, metric_key, start_iso)
                    if dedupe in seen:
                        reason, detail = "duplicate key", f"{key}/{metric_key}/{start_iso} twice"
                    else:
                        seen.add(dedupe)
                        good.append((client_id, metric_key, start_iso, grain, number, source_id))
                        continue
            raw = dict(zip(SAMPLES.columns, row, strict=False))
            bad.append(Rejection("samples", f"sample {sample_id}", reason, detail, raw))
        if self.hour_caps and good:
            good, over = self._over_team_hours(good)
            bad += over
        return good, bad

    def _over_team_hours(
        self, good: list[tuple[Any, ...]]
    ) -> tuple[list[tuple[Any, ...]], list[Rejection]]:
        """Hours saved per week above 168 h × the client's team size (when known) are set
        aside: a team's hours add up, one person's cannot pass 168."""
        keep: list[tuple[Any, ...]] = []
        over: list[Rejection] = []
        keys: dict[int, str] | None = None
        for row in good:
            cap = self.hour_caps.get(row[0]) if row[1] in self.hour_metrics else None
            if cap is None or row[4] <= cap:
                keep.append(row)
                continue
            if keys is None:
                keys = {v: k for k, v in self.client_ids.items()}
            key = keys.get(row[0], str(row[0]))
            raw = {"client_id": key, "metric": row[1], "period_start": row[2], "grain": row[3],
                   "value": row[4]}  # fmt: skip
            over.append(
                Rejection(
                    "samples",
                    f"{key}/{row[1]}/{row[2]}",
                    "out of range",
                    f"{row[4]:g} h/week is more than 168 h for each of the team's "
                    f"{round(cap / 168)} people",
                    raw,
                )
            )
        return keep, over

    def incidents(
        self, rows: Sequence[Sequence[Any]], source_id: int | None
    ) -> tuple[list[tuple[Any, ...]], list[Rejection]]:
        good: list[tuple[Any, ...]] = []
        bad: list[Rejection] = []
        for row in rows:
            key, client_key, severity, title, opened, resolved = row[:6]
            raw = dict(zip(INCIDENTS.columns, row, strict=False))
            ref = f"incident {key}"
            client_id = self.client_ids.get(client_key)
            opened_text = utc_text(opened)
            resolved_text = None if resolved is None else utc_text(resolved)
            if not isinstance(key, str) or not key:
                bad.append(
                    Rejection("incidents", ref, "wrong type", "incident_id must be text", raw)
                )
            elif type(client_key) is not str:
                detail = f"client_id {shown(client_key)} must be text"
                bad.append(Rejection("incidents", ref, "wrong type", detail, raw))
            elif client_id is None:
                bad.append(
                    Rejection("incidents", ref, "unknown client", f"client {client_key!r}", raw)
                )
            elif severity not in SEVERITIES:
                bad.append(
                    Rejection(
                        "incidents",
                        ref,
                        "wrong type",
                        f"severity {severity!r} is not minor or critical",
                        raw,
                    )
                )
            elif opened_text is None or (resolved is not None and resolved_text is None):
                bad.append(
                    Rejection(
                        "incidents",
                        ref,
                        "bad date",
                        "opened_at/resolved_at are not timestamps",
                        raw,
                    )
                )
            elif opened_text[:10] > self.today_iso or (resolved_text or "")[:10] > self.today_iso:
                detail = f"opened_at {opened_text} or resolved_at {resolved_text} is after today"
                bad.append(Rejection("incidents", ref, "future date", detail, raw))
            elif resolved_text is not None and resolved_text < opened_text:
                detail = f"resolved_at {resolved_text} is before opened_at {opened_text}"
                bad.append(Rejection("incidents", ref, "bad date", detail, raw))
            elif _text(title, limit=2000) is None:
                bad.append(Rejection("incidents", ref, "wrong type", "title must be text", raw))
            elif any(c in (title or "") for c in _LINE_BREAKS):
                detail = "title must be one line (it holds a line break)"
                bad.append(Rejection("incidents", ref, "wrong type", detail, raw))
            else:
                good.append(
                    (key, client_id, severity, title or "", opened_text, resolved_text, source_id)
                )
        return good, bad
