"""The cache's clients as the health rules see them: tier, targets, start, rates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from csconsole.errors import KnownError
from csconsole.rollup import month_index


@dataclass(frozen=True)
class ClientInfo:
    id: int
    key: str
    name: str
    tier: str
    package_value: float
    start_date: date
    csm: str
    technical_lead: str
    hourly_rate: float
    cost_per_error: float
    targets: Mapping[str, float]
    setup_fee: float = 0.0
    team_size: int = 0
    #: The contract: the next renewal as the warehouse gives it, and the term in months.
    renewal_date: date | None = None
    contract_months: int | None = None

    @property
    def start_month(self) -> int:
        return month_index(self.start_date)


def load_clients(engine: Engine) -> list[ClientInfo]:
    with engine.connect() as conn:
        targets: dict[int, dict[str, float]] = {}
        for client_id, metric, target in conn.exec_driver_sql(
            "SELECT client_id, metric, target FROM client_targets"
        ):
            targets.setdefault(client_id, {})[metric] = float(target)
        rows = conn.exec_driver_sql(
            "SELECT id, key, name, tier, package_value, start_date, csm, technical_lead, "
            "hourly_rate, cost_per_error, setup_fee, team_size, renewal_date, contract_months "
            "FROM clients ORDER BY key"
        ).fetchall()
    return [
        ClientInfo(
            id=r[0],
            key=r[1],
            name=r[2],
            tier=r[3],
            package_value=float(r[4]),
            start_date=date.fromisoformat(str(r[5])[:10]),
            csm=r[6],
            technical_lead=r[7],
            hourly_rate=float(r[8]),
            cost_per_error=float(r[9]),
            targets=targets.get(r[0], {}),
            setup_fee=float(r[10] or 0.0),
            team_size=int(r[11] or 0),
            renewal_date=date.fromisoformat(str(r[12])[:10]) if r[12] else None,
            contract_months=int(r[13]) if r[13] else None,
        )
        for r in rows
    ]


def find_client(clients: Sequence[ClientInfo], text: str) -> ClientInfo:
    """A client by key (CL-001) or by name, case-insensitively."""
    wanted = text.strip().casefold()
    for client in clients:
        if client.key.casefold() == wanted:
            return client
    matches = [c for c in clients if c.name.casefold() == wanted]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise KnownError(f"{len(matches)} clients are named {text!r}; give the key instead")
    raise KnownError(f"unknown client {text!r} (give a key such as CL-001 or the exact name)")
