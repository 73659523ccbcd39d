"""``csconsole demo`` and ``csconsole sync``: data from the sources into the cache, then
the health evaluation that raises alerts."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from csconsole.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    evaluate_after_sync,
    open_cache,
    print_json,
    source_password,
    today_of,
)
from csconsole.errors import KnownError


def cmd_demo(args: argparse.Namespace) -> int:
    from csconsole.catalog import default_catalog
    from csconsole.demo import generate_demo
    from csconsole.paths import demo_warehouse_path
    from csconsole.settings import Settings
    from csconsole.sources import ensure_demo_source
    from csconsole.sync import Syncer

    today = today_of(args)
    with open_cache(args) as cache:
        if args.if_empty:
            with cache.engine.connect() as conn:
                if conn.exec_driver_sql("SELECT count(*) FROM clients").scalar_one():
                    return EXIT_OK
        catalog = default_catalog()
        path = demo_warehouse_path()
        print(f"Creating the demo warehouse {path} …")
        count = generate_demo(path, catalog=catalog, today=today)
        print(f"{count} samples for 40 clients; syncing into {cache.path} …")
        source = ensure_demo_source(cache)
        settings = Settings.load()
        summary = Syncer(
            cache, catalog, today=today, retention_months=settings.retention_months
        ).sync(source)
        print(summary.text())
        if summary.status == "ok":
            evaluate_after_sync(cache, today=today)
            from csconsole.opportunities.demo import create_demo_opportunities

            create_demo_opportunities(cache, catalog, today=today)
        return EXIT_OK if summary.status == "ok" else EXIT_ERROR


def cmd_sync(args: argparse.Namespace) -> int:
    from csconsole.catalog import default_catalog
    from csconsole.settings import Settings
    from csconsole.sources import get_source, list_sources
    from csconsole.sync import Syncer

    today = today_of(args) if args.today else None
    with open_cache(args) as cache:
        sources = [get_source(cache, args.source)] if args.source else list_sources(cache)
        if not sources:
            raise KnownError(
                "no sources are configured: run 'csconsole demo' or 'csconsole source add'"
            )
        settings = Settings.load()
        syncer = Syncer(
            cache,
            default_catalog(),
            retention_months=settings.retention_months,
            batch_size=args.batch_size or settings.sync_batch_size,
        )
        failed = 0
        results = []
        for source in sources:
            summary = syncer.sync(source, password=source_password(source, args))
            results.append(summary)
            if summary.status != "ok":
                failed += 1
            if not args.json:
                stream = sys.stdout if summary.status == "ok" else sys.stderr
                print(summary.text(), file=stream)
        if failed < len(results):
            changed = set().union(*(s.changed_clients for s in results))
            evaluate_after_sync(cache, changed=changed, today=today, quiet=args.json)
        if args.json:
            print_json([s.as_json() for s in results])
        return EXIT_ERROR if failed else EXIT_OK


def add_sync_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``demo`` and ``sync`` on the main parser's subcommands."""
    p = sub.add_parser("demo", parents=[common], help="(re)create the demo warehouse and sync it")
    p.add_argument("--if-empty", action="store_true", help="do nothing when the cache has clients")
    p.add_argument("--today", metavar="YYYY-MM-DD", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("sync", parents=[common], help="sync every configured source (or one)")
    p.add_argument("--source", metavar="NAME", help="sync only this source")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.add_argument("--batch-size", type=int, metavar="N", help="rows per transaction")
    p.add_argument("--json", action="store_true", help="print the summaries as JSON")
    p.add_argument("--today", metavar="YYYY-MM-DD", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_sync)


__all__ = ["add_sync_commands"]
