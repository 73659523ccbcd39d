"""Opportunities for tests: two clients in a cache, a form's raw values, one opportunity made
through the checks the form, CLI and import share. `store` and `ctx` are fixtures, imported by
the conftest of the folders whose tests use them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.opportunities.checks import validate
from csconsole.opportunities.context import Context, load_context
from csconsole.opportunities.store import create

HOSTILE = 'Café <b>&amp;</b> "quoted", =SUM(A1) 🚀\r\nsecond line'


def add_client(
    cache: Cache, key: str = "CL-001", *, tier: str = "essential", rate: float = 50.0
) -> None:
    with cache.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO clients (key, name, tier, package_value, start_date, csm, "
                "technical_lead, contact_name, contact_email, team_size, hourly_rate, "
                "cost_per_error, synced_at) VALUES (:key, :name, :tier, 2500, '2025-01-01', "
                "'Maya', 'Tom', '', '', 5, :rate, 50, '2025-01-01 00:00:00.000000')"
            ),
            {"key": key, "name": f"Client {key} <&>", "tier": tier, "rate": rate},
        )


@pytest.fixture
def store(cache: Cache) -> Cache:
    add_client(cache, "CL-001", tier="essential")
    add_client(cache, "CL-002", tier="enterprise", rate=80.0)
    return cache


@pytest.fixture
def ctx(store: Cache, catalog: Catalog) -> Context:
    return load_context(store, catalog)


def raw(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "client_key": "CL-001",
        "category": "PO",
        "area": "Lead Management",
        "current_state": "80% automated",
        "improvement": "Add email sequence automation",
        "benefit": "+3 hours/week savings",
        "investment": "$500",
        "timeline_weeks": "2",
        "priority": "High",
        "required_tier": "essential",
        "status": "identified",
        "owner": "Maya",
        "next_review": "2026-12-01",
    }
    base.update(overrides)
    return base


def new(store: Cache, ctx: Context, **overrides: Any) -> str:
    result = validate(raw(**overrides), ctx)
    assert result.opportunity is not None, result.errors
    return create(store, result.opportunity, who="tester")


def count_rows(cache: Cache) -> int:
    with cache.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM opportunities").scalar_one())
