"""``csconsole opportunities``: list, add, update, delete, export and import opportunities.

The same checks as the console's form (:func:`csconsole.opportunities.validate`):
a bad value is one line naming the field, and nothing is written.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from csconsole.cli.common import EXIT_OK, open_cache, print_json
from csconsole.errors import KnownError

if TYPE_CHECKING:  # the engine (and SQLAlchemy) loads when a command runs
    from csconsole.cache import Cache
    from csconsole.opportunities import Context, Opportunity

#: Command-line flag → field, for add and update.
FLAGS: dict[str, str] = {
    "client": "client_key",
    "category": "category",
    "area": "area",
    "current_state": "current_state",
    "improvement": "improvement",
    "benefit": "benefit",
    "benefit_amount": "benefit_amount",
    "benefit_unit": "benefit_unit",
    "investment": "investment",
    "timeline": "timeline_weeks",
    "roi": "roi_typed",
    "priority": "priority",
    "package": "required_tier",
    "status": "status",
    "owner": "owner",
    "next_review": "next_review",
}


def _context(cache: Cache) -> Context:
    from csconsole import opportunities as opp_engine
    from csconsole.catalog import default_catalog

    return opp_engine.load_context(cache, default_catalog())


def as_json(opp: Opportunity) -> dict[str, Any]:
    from csconsole import clock

    return {
        "id": opp.id,
        "client": opp.client_key,
        "client_name": opp.client_name,
        "client_tier": opp.client_tier,
        "category": opp.category,
        "area": opp.area,
        "current_state": opp.current_state,
        "improvement_potential": opp.improvement,
        "expected_benefit": opp.benefit,
        "benefit_amount": opp.benefit_amount,
        "benefit_unit": opp.benefit_unit or None,
        "expected_annual_benefit": opp.annual_benefit,
        "investment": opp.investment,
        "timeline_weeks": opp.timeline_weeks,
        "annual_roi_percent": opp.roi,
        "annual_roi_computed": opp.roi_computed,
        "priority": opp.priority,
        "required_package": opp.required_tier,
        "upsell": opp.upsell,
        "status": opp.status,
        "owner": opp.owner,
        "next_review": opp.next_review.isoformat() if opp.next_review else None,
        "overdue": opp.overdue(clock.today()),
        "updated_at": opp.updated_at.isoformat() if opp.updated_at else None,
        "updated_by": opp.updated_by,
    }


def cmd_list(args: argparse.Namespace) -> int:
    from csconsole import opportunities as opp_engine

    with open_cache(args) as cache:
        ctx = _context(cache)
        rows = opp_engine.list_opportunities(
            cache, ctx, client=args.client, status=args.status, text=args.search or ""
        )
    if args.json:
        print_json([as_json(o) for o in rows])
        return EXIT_OK
    if not rows:
        print("No opportunities. Add one with 'csconsole opportunities add'.")
        return EXIT_OK
    from csconsole import clock
    from csconsole.formatting import money, one_line

    today = clock.today()
    print(
        f"{'ID':<8} {'CLIENT':<8} {'AREA':<26} {'STATUS':<11} {'PRIO':<6} {'PACKAGE':<12} "
        f"{'INVEST':>9} {'ROI':>7}  NEXT REVIEW"
    )
    for o in rows:
        roi = "—" if o.roi is None else f"{o.roi:.0f}%"
        flags = (" ⚠ overdue" if o.overdue(today) else "") + (" ↑ upsell" if o.upsell else "")
        review = o.next_review.isoformat() if o.next_review else "—"
        print(
            f"{o.id:<8} {o.client_key:<8} {one_line(o.area, 26):<26} {o.status:<11} "
            f"{o.priority:<6} {o.required_tier:<12} {money(o.investment, cents=False):>9} {roi:>7}  "
            f"{review}{flags}"
        )
    print(
        f"{len(rows)} opportunities · investment {money(sum(o.investment or 0 for o in rows), cents=False)}"
    )
    return EXIT_OK


def _raw_from_flags(args: argparse.Namespace, base: dict[str, Any]) -> dict[str, Any]:
    raw = dict(base)
    for flag, name in FLAGS.items():
        value = getattr(args, flag, None)
        if value is not None:
            raw[name] = value
    return raw


def _checked(raw: dict[str, Any], ctx: Context, *, opp_id: str = "") -> Opportunity:
    from csconsole import opportunities as opp_engine

    result = opp_engine.validate(raw, ctx, opp_id=opp_id)
    if not result.ok:
        raise KnownError(result.message())
    assert result.opportunity is not None
    return result.opportunity


def cmd_add(args: argparse.Namespace) -> int:
    import json

    from csconsole import opportunities as opp_engine

    with open_cache(args) as cache:
        ctx = _context(cache)
        base = {"priority": "medium", "status": "identified", "required_tier": "essential"}
        opp = _checked(_raw_from_flags(args, base), ctx)
        opp_id = opp_engine.create(cache, opp)
        if args.json:
            print(json.dumps(as_json(opp_engine.get(cache, opp_id, ctx)), ensure_ascii=False))
        else:
            print(f"Added {opp_id} for {opp.client_name}.")
    return EXIT_OK


def cmd_update(args: argparse.Namespace) -> int:
    from csconsole import opportunities as opp_engine

    with open_cache(args) as cache:
        ctx = _context(cache)
        old = opp_engine.get(cache, args.id, ctx)
        opp = _checked(_raw_from_flags(args, opp_engine.raw_of(old)), ctx, opp_id=old.id)
        changed = opp_engine.save(cache, opp)
    print(f"Updated {old.id}." if changed else f"{old.id} is unchanged.")
    return EXIT_OK


def cmd_delete(args: argparse.Namespace) -> int:
    from csconsole import opportunities as opp_engine

    with open_cache(args) as cache:
        opp = opp_engine.get(cache, args.id)
        opp_engine.remove(cache, opp.id)
    print(f"Deleted {opp.id}; its history is kept and the ID is not given again.")
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    from csconsole import opportunities as opp_engine

    with open_cache(args) as cache:
        changes = opp_engine.history(cache, args.id.strip().upper())
    if not changes:
        raise KnownError(f"no opportunity {args.id!r} has any history")
    from csconsole.formatting import local_time, one_line

    for change in changes:
        print(f"{local_time(change.at)}  {change.who}  {change.action}")
        for line in change.lines():
            print(f"    {one_line(line, 110)}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from csconsole import opportunities as opp_engine

    with open_cache(args) as cache:
        ctx = _context(cache)
        rows = opp_engine.list_opportunities(cache, ctx, client=args.client, status=args.status)
    count = opp_engine.export_rows(rows, Path(args.file))
    print(f"Exported {count} opportunities to {args.file}.")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from csconsole import opportunities as opp_engine

    with open_cache(args) as cache:
        report = opp_engine.import_file(
            cache, _context(cache), Path(args.file), dry_run=args.dry_run
        )
    print(report.text())
    return EXIT_OK


def _field_flags(p: argparse.ArgumentParser, *, required_client: bool) -> None:
    p.add_argument("--client", required=required_client, help="client key or exact name")
    p.add_argument("--category", required=required_client, help="PO, IE or AF")
    p.add_argument("--area", required=required_client, help="the process, integration or feature")
    p.add_argument("--current-state", dest="current_state", metavar="TEXT")
    p.add_argument("--improvement", metavar="TEXT", help="the improvement potential")
    p.add_argument("--benefit", metavar="TEXT", help="expected benefit, e.g. '$2,000/month'")
    p.add_argument("--benefit-amount", dest="benefit_amount", metavar="N")
    p.add_argument("--benefit-unit", dest="benefit_unit", metavar="UNIT", help="$/month or h/week")
    p.add_argument("--investment", metavar="DOLLARS")
    p.add_argument("--timeline", metavar="WEEKS")
    p.add_argument("--roi", metavar="PERCENT", help="annual ROI when it cannot be computed")
    p.add_argument("--priority", help="high, medium or low")
    p.add_argument("--package", help="the package it requires: essential, professional, ...")
    p.add_argument("--status", help="identified, proposed, 'in progress', completed, declined")
    p.add_argument("--owner")
    p.add_argument("--next-review", dest="next_review", metavar="YYYY-MM-DD")


def add_opportunity_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``opportunities`` and its actions on the main parser's subcommands."""
    top = sub.add_parser("opportunities", parents=[common], help="the opportunity database")
    actions = top.add_subparsers(dest="opportunities_command", metavar="ACTION", required=True)

    p = actions.add_parser("list", parents=[common], help="list opportunities")
    p.add_argument("--client", metavar="CLIENT", help="one client, by key or name")
    p.add_argument("--status", help="identified, proposed, 'in progress', completed, declined")
    p.add_argument("--search", metavar="TEXT", help="only those mentioning TEXT")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_list)

    p = actions.add_parser("add", parents=[common], help="add an opportunity (its ID is given)")
    _field_flags(p, required_client=True)
    p.add_argument("--json", action="store_true", help="print the new opportunity as JSON")
    p.set_defaults(func=cmd_add)

    p = actions.add_parser("update", parents=[common], help="change fields of an opportunity")
    p.add_argument("id", help="e.g. PO-001")
    _field_flags(p, required_client=False)
    p.set_defaults(func=cmd_update)

    p = actions.add_parser("delete", parents=[common], help="delete an opportunity")
    p.add_argument("id")
    p.set_defaults(func=cmd_delete)

    p = actions.add_parser("history", parents=[common], help="who changed what, and when")
    p.add_argument("id")
    p.set_defaults(func=cmd_history)

    p = actions.add_parser("export", parents=[common], help="write opportunities to .csv/.xlsx")
    p.add_argument("file")
    p.add_argument("--client", metavar="CLIENT")
    p.add_argument("--status")
    p.set_defaults(func=cmd_export)

    p = actions.add_parser(
        "import", parents=[common], help="import opportunities from .csv/.xlsx (all or nothing)"
    )
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    p.set_defaults(func=cmd_import)
