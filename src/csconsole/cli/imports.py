"""``csconsole import``: a weekly tracking sheet (.csv or .xlsx) into the cache."""

from __future__ import annotations

import argparse
from typing import Any

from csconsole.cli.common import EXIT_OK, open_cache


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from csconsole.catalog import default_catalog
    from csconsole.usecases.imports import import_sheet

    with open_cache(args) as cache:
        imported = import_sheet(
            cache,
            default_catalog(),
            Path(args.file),
            client=args.client,
            month=args.month,
            dry_run=args.dry_run,
        )
    print(imported.report.text())
    return EXIT_OK


def add_import_command(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``import`` on the main parser's subcommands."""
    p = sub.add_parser(
        "import", parents=[common], help="import a weekly tracking sheet (.csv or .xlsx)"
    )
    p.add_argument("file")
    p.add_argument("--client", required=True, help="client key or name")
    p.add_argument("--month", metavar="YYYY-MM", help="month of week numbers 1–5 in the sheet")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    p.set_defaults(func=cmd_import)


__all__ = ["add_import_command"]
