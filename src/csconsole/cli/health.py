"""The health commands of the command line: status, kpis, roi and alerts.

Tables are for people (local times, arrows); ``--json`` output is for scripts and its
shape is documented in docs/json.md.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from csconsole.cli.common import EXIT_OK, open_cache, print_json, today_of
from csconsole.errors import KnownError

if TYPE_CHECKING:
    from csconsole.contracts import Renewal
    from csconsole.health.engine import HealthEngine

#: What ``alerts respond --kind`` takes: :data:`csconsole.alerts.RESPONSE_KINDS`, spelled out
#: so that building the parser loads no engine (a test holds the two equal).
RESPONSE_KINDS = ("note", "email", "call", "meeting")


def _month(engine: HealthEngine, args: argparse.Namespace) -> int:
    from csconsole.rollup import parse_month

    return parse_month(args.month) if getattr(args, "month", None) else engine.default_month()


# --- status -------------------------------------------------------------------------


def cmd_status(args: argparse.Namespace) -> int:
    from csconsole.catalog import default_catalog
    from csconsole.health.rules import TREND_ARROWS
    from csconsole.rollup import month_label, parse_month
    from csconsole.usecases.health import (
        client_renewals,
        evaluate_status,
        explain_status,
        renewal_json,
    )

    today = today_of(args)
    with open_cache(args) as cache:
        month = parse_month(args.month) if args.month else None
        if args.explain:
            if not args.client:
                raise KnownError("--explain needs --client: it explains one client's status")
            explanation = explain_status(
                cache, default_catalog(), client=args.client, month=month, today=today
            )
            renewal = client_renewals(cache, today=today).get(explanation.current.client_key)
            if args.json:
                print_json({**explanation.as_json(), "renewal": renewal_json(renewal)})
            else:
                print("\n".join(explanation.lines()))
                if renewal is not None:
                    print(_renewal_line(renewal))
            return EXIT_OK
        status = evaluate_status(
            cache, default_catalog(), client=args.client, month=month, today=today
        )
        renewals = client_renewals(cache, today=today)
    month, evaluations = status.month, status.evaluations
    if args.json:
        clients = [
            {**e.as_json(), "renewal": renewal_json(renewals.get(e.client_key))}
            for e in evaluations
        ]
        print_json({"month": month_label(month), "clients": clients})
        return EXIT_OK
    print(f"Status for {month_label(month)}{' (month to date)' if status.to_date else ''}")
    print(f"{'CLIENT':<8} {'NAME':<28} {'TIER':<12} {'STATUS':<7} {'RATING':>6}   REASONS")
    for e in evaluations:
        rating = "—" if e.rating is None else f"{e.rating:.1f}"
        reasons = e.reasons or ()
        first = e.summary()
        print(
            f"{e.client_key:<8} {e.client_name[:28]:<28} {e.tier:<12} {e.status:<7} "
            f"{rating:>6} {TREND_ARROWS[e.trend]} {first}"
        )
        for r in reasons[1:]:
            print(f"{'':<70}{r.text}")
    return EXIT_OK


def _renewal_line(renewal: Renewal) -> str:
    """ARR and the renewal, as ``status --explain`` ends."""
    from csconsole.formatting import day, money

    arr = money(renewal.arr)
    days = renewal.days_to_renewal
    if renewal.renewal_date is None or days is None:
        return f"ARR {arr}; no renewal date (the warehouse gives neither the date nor the term)."
    when = (
        "today"
        if days == 0
        else f"in {days} day{'s' * (days != 1)}"
        if days > 0
        else f"{-days} day{'s' * (days != -1)} ago"
    )
    how = " (computed from the start date and the term)" if renewal.computed else ""
    return f"ARR {arr}; renews {day(renewal.renewal_date)}, {when}{how}."


# --- kpis ---------------------------------------------------------------------------


def cmd_kpis(args: argparse.Namespace) -> int:
    from csconsole.formatting import signed_percent
    from csconsole.health.engine import open_engine
    from csconsole.health.rules import fmt_value

    with open_cache(args) as cache:
        engine = open_engine(cache, today=today_of(args))
        client = engine.find_client(args.client)
        month = _month(engine, args)
        (evaluation,) = engine.evaluate(month, client=client)
    if args.json:
        print_json(
            {
                "client": {"key": client.key, "name": client.name, "tier": client.tier},
                "month": evaluation.month,
                "complete": evaluation.complete,
                "kpis": evaluation.as_json()["kpis"],
            }
        )
        return EXIT_OK
    print(f"{client.name} ({client.key}), {client.tier}, {evaluation.month}")
    print(
        f"{'METRIC':<34} {'VALUE':>14} {'TARGET':>14} {'VARIANCE':>9} {'BAND':<8} {'PREVIOUS':>14}"
    )
    for k in evaluation.kpis:
        variance = signed_percent(k.variance, 1)
        note = f"  (from {k.carried_from})" if k.carried_from else ""
        value, target, previous = (fmt_value(v, k.unit, k.metric) for v in (k.value, k.target, k.previous))  # fmt: skip
        print(
            f"{k.label[:34]:<34} {value:>14} {target:>14} "
            f"{variance:>9} {k.band:<8} {previous:>14}{note}"
        )
    return EXIT_OK


# --- roi ----------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:,.0f} %"


def cmd_roi(args: argparse.Namespace) -> int:
    from csconsole.health.engine import open_engine
    from csconsole.health.rules import fmt_value
    from csconsole.roi import client_roi
    from csconsole.settings import Settings

    weights = getattr(Settings.load(), "roi_weights", None) or None
    with open_cache(args) as cache:
        engine = open_engine(cache, today=today_of(args))
        client = engine.find_client(args.client)
        month = _month(engine, args)
        engine.check_month(month)
        report = client_roi(cache, client=client, month=month, weights=weights, today=engine.today)
    if args.json:
        print_json(report.as_json())
        return EXIT_OK
    cur = report.current
    money = lambda v: fmt_value(round(v, 2), "$")  # noqa: E731
    print(f"ROI of {client.name} ({client.key}) for {report.month}")
    print(
        f"  Time savings value     {money(cur.time_savings_value):>14}  ({cur.hours_saved:,.1f} h × ${client.hourly_rate:g})"
    )
    print(
        f"  Error prevention value {money(cur.error_prevention_value):>14}  ({cur.errors_prevented:g} × ${client.cost_per_error:g})"
    )
    weights_text = ", ".join(
        f"{k.removeprefix('revenue_')} {money(v)} × {report.weights[k]:g}"
        for k, v in cur.revenue.items()
    )
    print(f"  Revenue attribution    {money(cur.revenue_attribution):>14}  ({weights_text})")
    print(f"  Value                  {money(cur.value):>14}")
    setup = f" + setup {money(cur.setup_fee)}" if cur.setup_fee else ""
    print(
        f"  Investment             {money(cur.investment):>14}  (fee {money(cur.fee)}{setup} + system costs {money(cur.system_costs)})"
    )
    print(f"  Monthly ROI            {_pct(cur.roi):>14}")
    print(f"  Year-to-date ROI       {_pct(report.ytd_roi):>14}")
    print(
        f"  Cumulative ROI         {_pct(cur.cumulative_roi):>14}  (since {report.trend[0].month})"
    )
    payback = (
        "not yet"
        if report.payback_month is None
        else f"month {report.payback_months} after start ({report.payback_month})"
    )
    print(f"  Payback                {payback:>14}  (target: month {report.payback_target_months})")
    projected = report.projected_annual_return
    print(f"  Projected annual return{'—' if projected is None else money(projected):>15}")
    print("  Trend: " + ", ".join(f"{m.month} {_pct(m.roi)}" for m in report.trend))
    return EXIT_OK


# --- alerts -------------------------------------------------------------------------


def _left(seconds: float) -> str:
    hours = abs(seconds) / 3600
    text = f"{hours:.0f} h" if hours >= 1 else f"{abs(seconds) / 60:.0f} min"
    return f"OVERDUE by {text}" if seconds < 0 else f"{text} left"


def cmd_alerts(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from csconsole.alerts import list_alerts
    from csconsole.formatting import local_time

    now = datetime.now(UTC)
    if getattr(args, "today", None):
        now = datetime.combine(today_of(args), now.time(), tzinfo=UTC)
    with open_cache(args) as cache:
        alerts = list_alerts(cache, include_closed=args.all, now=now)
    if args.json:
        print_json([a.as_json(now) for a in alerts])
        return EXIT_OK
    if not alerts:
        print("No open alerts." if not args.all else "No alerts.")
    for a in alerts:
        state = (
            f"answered {local_time(a.closed_at)} ({a.response_kind}: {a.response_note})"
            if a.closed_at
            else _left(a.time_left(now).total_seconds())
        )
        print(
            f"#{a.id} {a.status.upper():<6} {a.client_key} {a.client_name} — {a.month}, "
            f"was {a.previous_status or 'new'}; raised {local_time(a.raised_at)}, due {local_time(a.due_at)}: {state}"
        )
        print(f"    assigned to: {a.assigned_to}")
        for reason in a.reasons:
            print(f"    • {reason}")
        for item in a.checklist:
            print(f"    [{'x' if item.done else ' '}] {item.position}. {item.text}")
    return EXIT_OK


def cmd_alerts_respond(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from csconsole.usecases.alerts import record_response

    with open_cache(args) as cache:
        record_response(cache, args.id, kind=args.kind, note=args.note, now=datetime.now(UTC))
    print(f"Alert {args.id} answered and closed.")
    return EXIT_OK


def cmd_alerts_tick(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from csconsole.usecases.alerts import tick_action

    with open_cache(args) as cache:
        tick_action(cache, args.id, position=args.item, done=not args.undo, now=datetime.now(UTC))
    print(f"Alert {args.id}: action {args.item} {'unticked' if args.undo else 'done'}.")
    return EXIT_OK


def add_health_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register status, kpis, roi and alerts on the main parser's subcommands."""

    def today_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--today", metavar="YYYY-MM-DD", help=argparse.SUPPRESS)

    p = sub.add_parser("status", parents=[common], help="every client's status, worst first")
    p.add_argument("--month", metavar="YYYY-MM", help="the month (default: this month to date)")
    p.add_argument("--client", metavar="CLIENT", help="one client, by key or name")
    p.add_argument("--json", action="store_true", help="print JSON (see docs/json.md)")
    p.add_argument("--explain", action="store_true", help="why the client's status is what it is")
    today_option(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("kpis", parents=[common], help="a client's metrics against target")
    p.add_argument("--client", required=True, metavar="CLIENT", help="client key or name")
    p.add_argument("--month", metavar="YYYY-MM")
    p.add_argument("--json", action="store_true")
    today_option(p)
    p.set_defaults(func=cmd_kpis)

    p = sub.add_parser("roi", parents=[common], help="a client's ROI figures and trend")
    p.add_argument("--client", required=True, metavar="CLIENT", help="client key or name")
    p.add_argument("--month", metavar="YYYY-MM")
    p.add_argument("--json", action="store_true")
    today_option(p)
    p.set_defaults(func=cmd_roi)

    alerts = sub.add_parser("alerts", parents=[common], help="open alerts, overdue first")
    alerts.add_argument("--all", action="store_true", help="include answered alerts")
    alerts.add_argument("--json", action="store_true")
    today_option(alerts)
    alerts.set_defaults(func=cmd_alerts)
    alerts_sub = alerts.add_subparsers(dest="alerts_command", metavar="ACTION")
    p = alerts_sub.add_parser(
        "respond", parents=[common], help="record a response and close the alert"
    )
    p.add_argument("id", type=int)
    p.add_argument("--note", required=True, help="what was done")
    p.add_argument("--kind", choices=RESPONSE_KINDS, default="note")
    p.set_defaults(func=cmd_alerts_respond)
    p = alerts_sub.add_parser(
        "tick", parents=[common], help="tick one checklist action of an alert"
    )
    p.add_argument("id", type=int)
    p.add_argument("item", type=int, help="the action's number")
    p.add_argument("--undo", action="store_true", help="untick it")
    p.set_defaults(func=cmd_alerts_tick)


__all__ = ["add_health_commands"]
