"""Alerts and the health command line on the demo portfolio."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from csconsole.alerts import evaluate_alerts, list_alerts, raise_alerts, respond
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.errors import KnownError
from csconsole.health.engine import HealthEngine
from csconsole.health.evaluation import Evaluation
from csconsole.ingest.sync import Syncer
from csconsole.models import Source
from tests.helpers import TODAY

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def demo_cache(synced_cache: Cache) -> Cache:
    """The demo synced once per session (conftest), copied for this test."""
    return synced_cache


def test_demo_portfolio_has_every_status_and_alert_colour(
    demo_cache: Cache, catalog: Catalog
) -> None:
    engine = HealthEngine(demo_cache, catalog, today=TODAY, now=NOW)
    statuses = {e.status for e in engine.evaluate(engine.current_month)}
    assert statuses == {"green", "yellow", "red"}
    raised = evaluate_alerts(engine)
    alerts = list_alerts(demo_cache, now=NOW)
    assert {a.status for a in alerts} == {"green", "yellow", "red"}
    assert len(raised) == len(alerts)
    # the same statuses again raise nothing new
    assert evaluate_alerts(HealthEngine(demo_cache, catalog, today=TODAY, now=NOW)) == []


def test_sync_leaves_local_tables_alone(demo_cache: Cache, catalog: Catalog) -> None:
    evaluate_alerts(HealthEngine(demo_cache, catalog, today=TODAY, now=NOW))
    first = list_alerts(demo_cache, now=NOW)[0]
    respond(demo_cache, first.id, note="called the client", now=NOW)

    def counts() -> tuple[int, ...]:
        with demo_cache.engine.connect() as conn:
            return tuple(
                conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one()
                for t in ("status_history", "alerts", "alert_checklist_items")
            )

    before = counts()
    with demo_cache.session() as session:
        source = session.query(Source).one()
    Syncer(demo_cache, catalog, today=TODAY).sync(source)
    assert counts() == before
    closed = [a for a in list_alerts(demo_cache, include_closed=True, now=NOW) if a.id == first.id]
    assert closed[0].response_note == "called the client"


def _evaluation(status: str, month: str = "2026-11") -> Evaluation:
    return Evaluation(
        "CL-001",
        "Northwind Traders",
        "essential",
        month,
        False,
        status,  # type: ignore[arg-type]
        (),
        (),
        9.1,
        None,
        None,
        (),
    )


@pytest.mark.parametrize(("status", "hours"), [("green", 24), ("yellow", 48), ("red", 4)])
def test_status_change_raises_alert_with_due_time(
    demo_cache: Cache, status: str, hours: int
) -> None:
    reference = "yellow" if status != "yellow" else "green"
    (alert_id,) = raise_alerts(
        demo_cache, [_evaluation(status)], now=NOW, previous={"CL-001": reference}
    )
    (alert,) = [a for a in list_alerts(demo_cache, now=NOW) if a.id == alert_id]
    assert alert.due_at - alert.raised_at == timedelta(hours=hours)
    assert alert.previous_status == reference and alert.checklist
    assert (
        raise_alerts(demo_cache, [_evaluation(status)], now=NOW, previous={"CL-001": reference})
        == []
    )


def test_response_closes_and_overdue_first(demo_cache: Cache) -> None:
    raise_alerts(
        demo_cache,
        [_evaluation("yellow", "2026-10")],
        now=NOW - timedelta(days=3),
        previous={"CL-001": "green"},
    )
    raise_alerts(demo_cache, [_evaluation("red", "2026-11")], now=NOW, previous={})
    alerts = list_alerts(demo_cache, now=NOW)
    assert alerts[0].overdue(NOW) and alerts[0].status == "yellow"
    assert not alerts[1].overdue(NOW)
    respond(demo_cache, alerts[0].id, note="optimisation call held", kind="call", now=NOW)
    assert [a.id for a in list_alerts(demo_cache, now=NOW)] == [alerts[1].id]
    with pytest.raises(KnownError, match="already answered"):
        respond(demo_cache, alerts[0].id, note="again", now=NOW)
    with pytest.raises(KnownError, match="no alert"):
        respond(demo_cache, 9999, note="x", now=NOW)


def test_explain_why_it_turned_red(demo_cache: Cache, catalog: Catalog) -> None:
    engine = HealthEngine(demo_cache, catalog, today=TODAY, now=NOW)
    result = engine.explain(engine.current_month, client=engine.find_client("Willow Creek Clinics"))
    assert (result.current.status, result.previous and result.previous.status) == ("red", "yellow")
    assert any(r.status == "red" for r in result.new_reasons + result.kept_reasons)
    assert any(m.metric == "user_adoption" and m.band_after == "red" for m in result.moves)


# --- command line ---------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from csconsole.cli import main

    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_status_json_shape(demo_cache: Cache, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "status", "--json", "--cache", str(demo_cache.path), "--today", TODAY.isoformat()
    )
    assert code == 0
    data = json.loads(out)
    assert data["month"] == "2026-11"
    first = data["clients"][0]
    assert set(first) == {
        "client", "month", "complete", "status", "rating", "previous_rating", "trend",
        "reasons", "kpis", "incidents", "bands", "evaluated_at", "rules_version", "renewal",
    }  # fmt: skip
    assert set(first["renewal"]) == {"arr", "renewal_date", "computed", "days_to_renewal"}
    assert first["status"] == "red"  # worst first
    assert set(first["reasons"][0]) == {
        "rule",
        "status",
        "metric",
        "label",
        "actual",
        "target",
        "shortfall",
        "text",
        "rules",
        "ref",
    }
    assert set(first["kpis"][0]) == {
        "metric", "label", "unit", "direction", "value", "target", "variance", "shortfall",
        "band", "previous", "carried_from", "mark",
    }  # fmt: skip
    code, out, _ = run(
        capsys, "alerts", "--json", "--cache", str(demo_cache.path), "--today", TODAY.isoformat()
    )
    alerts = json.loads(out)
    assert {a["status"] for a in alerts} == {"green", "yellow", "red"}
    assert {"id", "due_at", "overdue", "seconds_left", "checklist", "reasons"} <= set(alerts[0])
    code, out, _ = run(
        capsys,
        "alerts",
        "respond",
        str(alerts[0]["id"]),
        "--note",
        "done",
        "--cache",
        str(demo_cache.path),
    )
    assert code == 0
    for command in (["kpis", "--client", "CL-001"], ["roi", "--client", "northwind traders"]):
        code, out, _ = run(
            capsys,
            *command,
            "--json",
            "--cache",
            str(demo_cache.path),
            "--today",
            TODAY.isoformat(),
        )
        assert code == 0 and json.loads(out)["month"] == "2026-11"
    code, out, _ = run(
        capsys,
        "status",
        "--client",
        "CL-032",
        "--explain",
        "--cache",
        str(demo_cache.path),
        "--today",
        TODAY.isoformat(),
    )
    assert code == 0 and "RED in 2026-11" in out


def test_cli_status_carries_arr_and_the_renewal(
    demo_cache: Cache, capsys: pytest.CaptureFixture[str]
) -> None:
    where = ("--cache", str(demo_cache.path), "--today", TODAY.isoformat())
    code, out, _ = run(capsys, "status", "--json", *where)
    renewals = {c["client"]["key"]: c["renewal"] for c in json.loads(out)["clients"]}
    assert renewals["CL-004"] == {
        "arr": 60000.0, "renewal_date": "2026-12-04", "computed": False, "days_to_renewal": 12,
    }  # fmt: skip
    computed = renewals["CL-011"]  # the warehouse gives the term only
    assert computed["computed"] is True and computed["days_to_renewal"] >= 0

    code, out, _ = run(capsys, "status", "--client", "CL-004", "--explain", "--json", *where)
    assert code == 0 and json.loads(out)["renewal"]["renewal_date"] == "2026-12-04"
    code, out, _ = run(capsys, "status", "--client", "CL-004", "--explain", *where)
    assert out.rstrip().endswith("ARR $60,000; renews Dec 4, 2026, in 12 days.")
    code, out, _ = run(capsys, "status", "--client", "CL-011", "--explain", *where)
    assert "(computed from the start date and the term)" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["status", "--client", "nobody"], "unknown client"),
        (["status", "--month", "2026/10"], "YYYY-MM"),
        (["status", "--month", "2020-01"], "no data"),
        (["kpis", "--client", "CL-001", "--month", "2027-01"], "future"),
    ],
)
def test_cli_errors(
    demo_cache: Cache, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, *argv, "--cache", str(demo_cache.path), "--today", TODAY.isoformat())
    assert code == 1
    assert message in err and len(err.strip().splitlines()) == 1
