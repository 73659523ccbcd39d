"""A status check: rate the clients for a month, raising alerts for status changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from csconsole.alerts import evaluate_alerts
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.clock import today as clock_today
from csconsole.contracts import Renewal, renewal_of
from csconsole.health import ClientInfo, Evaluation, HealthEngine, open_engine
from csconsole.health.clients import load_clients
from csconsole.health.explain import Explanation


@dataclass(frozen=True)
class StatusReport:
    """Every client's (or one client's) evaluation for a month, and the alerts raised."""

    month: int
    current_month: int
    client: ClientInfo | None
    evaluations: list[Evaluation]
    raised: list[int]

    @property
    def to_date(self) -> bool:
        """Whether the month is the current one (its figures are to date)."""
        return self.month == self.current_month


def _checked(
    cache: Cache, catalog: Catalog, *, client: str | None, today: date | None
) -> tuple[HealthEngine, ClientInfo | None, list[int]]:
    """The engine, the client asked for, and the alerts its check raised: every client's,
    or that client's only."""
    engine = open_engine(cache, catalog, today=today)
    info = engine.find_client(client) if client else None
    raised = evaluate_alerts(engine, clients=None if info is None else [info])
    return engine, info, raised


def evaluate_status(
    cache: Cache,
    catalog: Catalog,
    *,
    client: str | None = None,
    month: int | None = None,
    today: date | None = None,
) -> StatusReport:
    """Rate every client (or ``client``, by key or name) for ``month`` (default: this
    month when it has data, else the latest complete one), after raising alerts for the
    status changes of the latest complete month and the month to date."""
    engine, info, raised = _checked(cache, catalog, client=client, today=today)
    month = month if month is not None else engine.default_month()
    return StatusReport(
        month=month,
        current_month=engine.current_month,
        client=info,
        evaluations=engine.evaluate(month, client=info),
        raised=raised,
    )


def explain_status(
    cache: Cache,
    catalog: Catalog,
    *,
    client: str,
    month: int | None = None,
    today: date | None = None,
) -> Explanation:
    """Why ``client`` has its status in ``month`` and what changed since the month before,
    after raising its alerts as :func:`evaluate_status` does."""
    engine, info, _raised = _checked(cache, catalog, client=client, today=today)
    assert info is not None
    month = month if month is not None else engine.default_month()
    return engine.explain(month, client=info)


def client_renewals(cache: Cache, *, today: date | None = None) -> dict[str, Renewal]:
    """Each client's ARR and next renewal as of ``today``, by client key."""
    day = today or clock_today()
    return {c.key: renewal_of(c, today=day) for c in load_clients(cache.engine)}


def renewal_json(renewal: Renewal | None) -> dict[str, object]:
    """A client's ``renewal`` object in ``status --json`` (docs/json.md)."""
    if renewal is None:
        return {"arr": None, "renewal_date": None, "computed": False, "days_to_renewal": None}
    return {
        "arr": renewal.arr,
        "renewal_date": renewal.renewal_date.isoformat() if renewal.renewal_date else None,
        "computed": renewal.computed,
        "days_to_renewal": renewal.days_to_renewal,
    }


__all__ = [
    "StatusReport",
    "client_renewals",
    "evaluate_status",
    "explain_status",
    "renewal_json",
]
