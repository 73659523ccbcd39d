"""``csconsole source`` and ``csconsole warehouse``: the SQL warehouses the cache syncs
from, with their passwords in the keyring."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from csconsole.cli.common import (
    EXIT_OK,
    open_cache,
    print_json,
    read_stdin_secret,
    source_password,
)
from csconsole.errors import NoKeyringError


def cmd_source_add(args: argparse.Namespace) -> int:
    from csconsole.ingest.sources import add_source
    from csconsole.ingest.warehouse import parse_url

    parsed = parse_url(args.url)
    password: str | None = None
    if args.password_stdin:
        password = read_stdin_secret()
    elif parsed.password is not None:
        print(
            "csconsole: note: the password was given in the URL; it is moved to the keyring, "
            "but your shell history may still hold it",
            file=sys.stderr,
        )
    elif parsed.username and sys.stdin.isatty():
        import getpass

        password = getpass.getpass(f"Password for {parsed.username} (empty for none): ") or None
    with open_cache(args) as cache:
        try:
            source = add_source(cache, name=args.name, url=args.url, password=password)
        except NoKeyringError as exc:
            print(
                f"csconsole: {exc}; 'csconsole sync' will ask for it "
                "(or read it with --password-stdin)",
                file=sys.stderr,
            )
            return EXIT_OK
        print(f"Added source {source.name!r}: {source.url}")
    return EXIT_OK


def cmd_source_list(args: argparse.Namespace) -> int:
    from csconsole.ingest.sources import list_sources

    with open_cache(args) as cache:
        sources = list_sources(cache)
    if args.json:
        rows = [
            {
                "name": s.name,
                "url": s.url,
                "needs_password": s.needs_password,
                "last_success_at": s.last_success_at.isoformat() if s.last_success_at else None,
            }
            for s in sources
        ]
        print_json(rows)
        return EXIT_OK
    if not sources:
        print(
            "No sources. Add one with 'csconsole source add NAME --url URL' or run 'csconsole demo'."
        )
    for s in sources:
        when = (
            s.last_success_at.astimezone().strftime("%Y-%m-%d %H:%M")
            if s.last_success_at
            else "never"
        )
        print(f"{s.name}\t{s.url}\tlast synced: {when}")
    return EXIT_OK


def cmd_source_remove(args: argparse.Namespace) -> int:
    from csconsole.ingest.sources import remove_source

    with open_cache(args) as cache:
        remove_source(cache, args.name)
    print(f"Removed source {args.name!r}.")
    return EXIT_OK


def cmd_source_test(args: argparse.Namespace) -> int:
    from csconsole.ingest.sources import get_source, test_source

    with open_cache(args) as cache:
        source = get_source(cache, args.name)
    print(test_source(source, password=source_password(source, args)))
    return EXIT_OK


def cmd_warehouse_init(args: argparse.Namespace) -> int:
    from csconsole.ingest.warehouse import init_warehouse

    password = read_stdin_secret() if args.password_stdin else None
    dialect = init_warehouse(args.url, password=password)
    print(f"Created the csconsole warehouse tables ({dialect}).")
    return EXIT_OK


def add_source_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``source add | list | remove | test`` and ``warehouse init``."""
    source = sub.add_parser("source", parents=[common], help="manage data sources")
    source_sub = source.add_subparsers(dest="source_command", metavar="ACTION", required=True)
    p = source_sub.add_parser("add", parents=[common], help="add a SQL warehouse")
    p.add_argument("name")
    p.add_argument("--url", required=True, help="SQLAlchemy URL, e.g. postgresql://user@host/db")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=cmd_source_add)
    p = source_sub.add_parser("list", parents=[common], help="list sources")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_source_list)
    p = source_sub.add_parser("remove", parents=[common], help="remove a source and its password")
    p.add_argument("name")
    p.set_defaults(func=cmd_source_remove)
    p = source_sub.add_parser("test", parents=[common], help="check that a source can be reached")
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=cmd_source_test)

    warehouse = sub.add_parser("warehouse", parents=[common], help="warehouse contract tools")
    wh_sub = warehouse.add_subparsers(dest="warehouse_command", metavar="ACTION", required=True)
    p = wh_sub.add_parser("init", parents=[common], help="create the contract's tables at URL")
    p.add_argument("url")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=cmd_warehouse_init)


__all__ = ["add_source_commands"]
