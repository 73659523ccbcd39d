"""``csconsole report``: the monthly review or ROI report as PDF, for one client or all."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from csconsole.cli.common import EXIT_OK, open_cache, today_of
from csconsole.reports import KINDS  # the package's __init__ loads no reportlab


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from csconsole.catalog import default_catalog
    from csconsole.errors import KnownError
    from csconsole.health.engine import open_engine
    from csconsole.reports.export import file_name
    from csconsole.rollup import parse_month
    from csconsole.usecases.reviews import ExportProgress, export_report, export_reports

    if bool(args.all) == bool(args.client):
        raise KnownError("give either --client C or --all")
    if args.all and args.output:
        raise KnownError("-o names one file; with --all give --out-dir DIR")
    if args.client and args.out_dir and args.output:
        raise KnownError("give -o FILE or --out-dir DIR, not both")
    with open_cache(args) as cache:
        engine = open_engine(cache, today=today_of(args))
        month = parse_month(args.month) if args.month else engine.latest_complete
        catalog = default_catalog()
        kinds = KINDS if args.kind == "both" else (args.kind,)
        if args.client:
            if args.output and len(kinds) > 1:
                raise KnownError("-o names one file; with --kind both give --out-dir DIR")
            client = engine.find_client(args.client)
            for kind in kinds:
                if args.output:
                    path = Path(args.output)
                else:
                    folder = Path(args.out_dir) if args.out_dir else Path.cwd()
                    path = folder / file_name(client.name, month, kind)
                written = export_report(
                    cache,
                    catalog,
                    client=client.key,
                    month=month,
                    kind=kind,
                    path=path,
                    engine=engine,
                )
                print(f"Wrote {written}")
            return EXIT_OK
        folder = Path(args.out_dir) if args.out_dir else Path.cwd()

        def progress(step: object) -> None:
            if isinstance(step, ExportProgress) and not args.quiet and sys.stderr.isatty():
                line = f"\r{step.done}/{step.total} {step.text[:60]:<60}"
                print(line, end="", file=sys.stderr, flush=True)

        result = export_reports(
            cache,
            catalog,
            month=month,
            folder=folder,
            kinds=kinds,
            progress=progress,
            engine=engine,
        )
        if not args.quiet and sys.stderr.isatty():
            print(file=sys.stderr)
        for line in result.skipped:
            print(f"csconsole: skipped {line}", file=sys.stderr)
        print(
            f"Wrote {len(result.written)} PDF{'s' if len(result.written) != 1 else ''} to {folder}"
        )
    return EXIT_OK


def add_report_command(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``report`` on the main parser's subcommands."""
    p = sub.add_parser(
        "report",
        parents=[common],
        help="export the monthly review or ROI report as PDF (one client or all)",
        description="Export the monthly review (seed 002's template: the figures from the "
        "cache and the narrative written in the Reviews tab, or pre-filled from the data) or "
        "the monthly ROI report as PDF. Files are written under a temporary name and renamed "
        "when complete.",
    )
    who = p.add_mutually_exclusive_group()
    who.add_argument("--client", metavar="CLIENT", help="client key or name")
    who.add_argument("--all", action="store_true", help="every client that had started by then")
    p.add_argument(
        "--month", metavar="YYYY-MM", help="the month (default: the latest complete month)"
    )
    p.add_argument(
        "--kind",
        choices=(*KINDS, "both"),
        default="review",
        help="review (default), roi, or both",
    )
    p.add_argument("-o", "--output", metavar="FILE.pdf", help="the file to write (one client)")
    p.add_argument(
        "--out-dir", metavar="DIR", help="folder for the PDFs (default: the current folder)"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    p.add_argument("--today", metavar="YYYY-MM-DD", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_report)


__all__ = ["add_report_command"]
