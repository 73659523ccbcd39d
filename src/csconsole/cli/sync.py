"""``csconsole demo`` and ``csconsole sync``: data from the sources into the cache, then
the health evaluation that raises alerts (:mod:`csconsole.usecases.demo` and
:mod:`csconsole.usecases.sync`; here only what is printed)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from csconsole.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    open_cache,
    print_json,
    source_password,
    today_of,
)
from csconsole.errors import KnownError


def _alerts_line(raised: list[int]) -> None:
    if raised:
        print(f"{len(raised)} new alert{'s' if len(raised) != 1 else ''}: see 'csconsole alerts'")


def cmd_demo(args: argparse.Namespace) -> int:
    from csconsole.catalog import default_catalog
    from csconsole.usecases.demo import load_demo

    def progress(step: object) -> None:
        if isinstance(step, str):
            print(step)

    with open_cache(args) as cache:
        loaded = load_demo(
            cache, default_catalog(), today=today_of(args), if_empty=args.if_empty,
            progress=progress,
        )  # fmt: skip
    if loaded is None:
        return EXIT_OK
    print(loaded.summary.text())
    _alerts_line(loaded.raised)
    return EXIT_OK if loaded.summary.status == "ok" else EXIT_ERROR


def cmd_sync(args: argparse.Namespace) -> int:
    from csconsole.catalog import default_catalog
    from csconsole.ingest.runs import SyncSummary
    from csconsole.ingest.sources import get_source, list_sources
    from csconsole.usecases.sync import sync_sources

    def progress(step: object) -> None:
        if isinstance(step, SyncSummary) and not args.json:
            print(step.text(), file=sys.stdout if step.status == "ok" else sys.stderr)

    today = today_of(args) if args.today else None
    with open_cache(args) as cache:
        sources = [get_source(cache, args.source)] if args.source else list_sources(cache)
        if not sources:
            raise KnownError(
                "no sources are configured: run 'csconsole demo' or 'csconsole source add'"
            )
        result = sync_sources(
            cache,
            default_catalog(),
            sources=sources,
            password=lambda source: source_password(source, args),
            batch_size=args.batch_size,
            today=today,
            progress=progress,
        )
    if not args.json:
        _alerts_line(result.raised)
    else:
        print_json([s.as_json() for s in result.summaries])
    return EXIT_ERROR if any(s.status != "ok" for s in result.summaries) else EXIT_OK


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
