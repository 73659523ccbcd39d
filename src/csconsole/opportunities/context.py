"""What validation needs to know: the clients, the package tiers and the categories.

Loaded once per screen or command (:func:`load_context`) and handed to every check, so
the form, the command line and the importer judge a value against the same lists.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from csconsole.cache import Cache
from csconsole.catalog import Catalog, Tier
from csconsole.errors import ResourceError
from csconsole.paths import resources_dir
from csconsole.resources import entries, load_toml

# --- categories -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Category:
    prefix: str
    label: str
    area: str  # what the Area column holds: Process, Integration, Feature


def load_categories(path: Path | None = None) -> dict[str, Category]:
    """The categories in ``resources/opportunities/categories.toml``, by prefix."""
    path = path or resources_dir() / "opportunities" / "categories.toml"
    categories: dict[str, Category] = {}
    for where, entry in entries(path, load_toml(path), "category"):
        values = {}
        for name in ("prefix", "label", "area"):
            value = entry.get(name)
            if not isinstance(value, str) or not value.strip():
                raise where.error(f"field {name!r} must be a non-empty string")
            values[name] = value.strip()
        prefix = values["prefix"].upper()
        if not re.fullmatch(r"[A-Z]{2,6}", prefix):
            raise where.error(f"prefix {prefix!r} must be 2–6 letters")
        if prefix in categories:
            raise ResourceError(path, "defined twice", entry=f"category {prefix!r}")
        categories[prefix] = Category(prefix, values["label"], values["area"])
    if not categories:
        raise ResourceError(path, "no [[category]] entries")
    return categories


# --- validation context ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClientRef:
    key: str
    name: str
    tier: str
    hourly_rate: float


@dataclass(frozen=True)
class Context:
    """What validation needs to know: clients, package tiers and categories."""

    clients: Mapping[str, ClientRef]
    tiers: Mapping[str, Tier]
    categories: Mapping[str, Category]
    _by_name: dict[str, list[ClientRef]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for client in self.clients.values():
            self._by_name.setdefault(client.name.casefold(), []).append(client)

    def find_client(self, text: str) -> ClientRef | None:
        wanted = text.strip()
        if wanted in self.clients:
            return self.clients[wanted]
        for key, client in self.clients.items():
            if key.casefold() == wanted.casefold():
                return client
        matches = self._by_name.get(wanted.casefold(), [])
        return matches[0] if len(matches) == 1 else None

    def tier_rank(self, key: str) -> int:
        tier = self.tiers.get(key)
        return tier.rank if tier else 0


def load_context(cache: Cache, catalog: Catalog) -> Context:
    """The cached clients, the catalog's tiers and the shipped categories."""
    with cache.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT key, name, tier, hourly_rate FROM clients ORDER BY key"
        ).fetchall()
    clients = {r[0]: ClientRef(r[0], r[1], r[2], float(r[3] or 0.0)) for r in rows}
    return Context(clients=clients, tiers=catalog.tiers, categories=load_categories())
