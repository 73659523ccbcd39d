"""The command line: the same engine as the console, without a window.

Every command prints one clear line on failure and exits non-zero; a user
error never shows a traceback (bugs still do, and go to the log).
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from csconsole import __version__
from csconsole.errors import KnownError, NoKeyringError

if TYPE_CHECKING:
    from csconsole.cache import Cache
    from csconsole.models import Source

log = logging.getLogger("csconsole")

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _setup_logging() -> None:
    from csconsole.paths import log_path

    try:
        handler: logging.Handler = logging.FileHandler(log_path(), encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("csconsole")
    for old in root.handlers:  # a second main() in one process (tests) reopens the log
        old.close()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False


def _cache_path(args: argparse.Namespace) -> Path:
    from csconsole.paths import default_cache_path

    return Path(args.cache) if args.cache else default_cache_path()


def _open_cache(args: argparse.Namespace) -> Cache:
    from csconsole.cache import Cache

    return Cache.open(_cache_path(args))


def _read_stdin_secret() -> str:
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def _source_password(source: Source, args: argparse.Namespace) -> str | None:
    """The password for a source: stdin if asked, else keyring, else a prompt for this run."""
    from csconsole import credentials

    if getattr(args, "password_stdin", False):
        return _read_stdin_secret()
    if not source.needs_password:
        return None
    try:
        password = credentials.get_password(source.name)
    except NoKeyringError as exc:
        print(f"csconsole: {exc}", file=sys.stderr)
        password = None
    if password is None:
        if not sys.stdin.isatty():
            raise KnownError(
                f"source {source.name!r} needs a password and none is stored; "
                "pass it with --password-stdin"
            )
        password = getpass.getpass(f"Password for source {source.name}: ")
    return password


# --- commands -------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from csconsole.catalog import default_catalog
    from csconsole.cli_health import _today
    from csconsole.demo import generate_demo
    from csconsole.paths import demo_warehouse_path
    from csconsole.settings import Settings
    from csconsole.sources import ensure_demo_source
    from csconsole.sync import Syncer

    today = _today(args)
    with _open_cache(args) as cache:
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
            from csconsole.cli_health import evaluate_after_sync

            evaluate_after_sync(cache, today=today)
            from csconsole.opportunities.demo import create_demo_opportunities

            create_demo_opportunities(cache, catalog, today=today)
        return EXIT_OK if summary.status == "ok" else EXIT_ERROR


def cmd_sync(args: argparse.Namespace) -> int:
    from csconsole.catalog import default_catalog
    from csconsole.cli_health import _today, evaluate_after_sync
    from csconsole.settings import Settings
    from csconsole.sources import get_source, list_sources
    from csconsole.sync import Syncer

    today = _today(args) if args.today else None
    with _open_cache(args) as cache:
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
            summary = syncer.sync(source, password=_source_password(source, args))
            results.append(summary)
            if summary.status != "ok":
                failed += 1
            if not args.json:
                stream = sys.stdout if summary.status == "ok" else sys.stderr
                print(summary.text(), file=stream)
        if failed < len(results):
            evaluate_after_sync(cache, today=today, quiet=args.json)
        if args.json:
            print(json.dumps([s.as_json() for s in results], indent=2, ensure_ascii=False))
        return EXIT_ERROR if failed else EXIT_OK


def cmd_source_add(args: argparse.Namespace) -> int:
    from csconsole.sources import add_source
    from csconsole.warehouse import parse_url

    parsed = parse_url(args.url)
    password: str | None = None
    if args.password_stdin:
        password = _read_stdin_secret()
    elif parsed.password is not None:
        print(
            "csconsole: note: the password was given in the URL; it is moved to the keyring, "
            "but your shell history may still hold it",
            file=sys.stderr,
        )
    elif parsed.username and sys.stdin.isatty():
        password = getpass.getpass(f"Password for {parsed.username} (empty for none): ") or None
    with _open_cache(args) as cache:
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
    from csconsole.sources import list_sources

    with _open_cache(args) as cache:
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
        print(json.dumps(rows, indent=2, ensure_ascii=False))
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
    from csconsole.sources import remove_source

    with _open_cache(args) as cache:
        remove_source(cache, args.name)
    print(f"Removed source {args.name!r}.")
    return EXIT_OK


def cmd_source_test(args: argparse.Namespace) -> int:
    from csconsole.sources import get_source, test_source

    with _open_cache(args) as cache:
        source = get_source(cache, args.name)
    print(test_source(source, password=_source_password(source, args)))
    return EXIT_OK


def cmd_warehouse_init(args: argparse.Namespace) -> int:
    from csconsole.warehouse import init_warehouse

    password = _read_stdin_secret() if args.password_stdin else None
    dialect = init_warehouse(args.url, password=password)
    print(f"Created the csconsole warehouse tables ({dialect}).")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from csconsole.catalog import default_catalog
    from csconsole.imports import import_file

    with _open_cache(args) as cache:
        report = import_file(
            cache,
            default_catalog(),
            Path(args.file),
            client=args.client,
            month=args.month,
            dry_run=args.dry_run,
        )
    print(report.text())
    return EXIT_OK


def cmd_gui(args: argparse.Namespace) -> int:
    from csconsole.views.app import run_gui

    return run_gui(_cache_path(args))


# --- parser ---------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    cache_help = "the cache file to use (default: $CSCONSOLE_CACHE or the user data folder)"
    # Subcommands take --cache too, with no default of their own: a default there would
    # overwrite the value given before the command ('csconsole --cache X status').
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--cache", metavar="PATH", default=argparse.SUPPRESS, help=cache_help)
    parser = argparse.ArgumentParser(
        prog="csconsole",
        description="Client-success console. Without a command, opens the console window.",
    )
    parser.add_argument("--cache", metavar="PATH", help=cache_help)
    parser.add_argument("--version", action="version", version=f"csconsole {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation end to end in a temporary folder, then exit",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("gui", parents=[common], help="open the console window (the default)")
    p.set_defaults(func=cmd_gui)

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

    p = sub.add_parser(
        "import", parents=[common], help="import a weekly tracking sheet (.csv or .xlsx)"
    )
    p.add_argument("file")
    p.add_argument("--client", required=True, help="client key or name")
    p.add_argument("--month", metavar="YYYY-MM", help="month of week numbers 1–5 in the sheet")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    p.set_defaults(func=cmd_import)

    from csconsole.cli_health import add_health_commands

    add_health_commands(sub, common)
    from csconsole.cli_email import add_email_command

    add_email_command(sub, common)
    from csconsole.cli_opportunities import add_opportunity_commands

    add_opportunity_commands(sub, common)
    from csconsole.cli_report import add_report_command

    add_report_command(sub, common)
    from csconsole.cli_cache import add_cache_commands

    add_cache_commands(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        from csconsole.selftest import run

        return run(sys.stdout)
    if not getattr(args, "func", None):
        args.func = cmd_gui
    try:
        _setup_logging()
        return int(args.func(args))
    except KnownError as exc:
        log.info("user error in %s: %s", args.command, exc)
        print(f"csconsole: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("csconsole: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        message = _cache_failure(exc, args)
        if message is None:
            raise  # a bug: the traceback is wanted
        log.warning("cache failure in %s", args.command, exc_info=True)
        print(f"csconsole: error: {message}", file=sys.stderr)
        return EXIT_ERROR


def _cache_failure(exc: Exception, args: argparse.Namespace) -> str | None:
    """One line for a SQLite failure of the cache met in the middle of a command (a page
    found damaged, the disk full), or None when ``exc`` is something else."""
    import sqlite3

    orig = getattr(exc, "orig", exc)
    if not isinstance(orig, sqlite3.DatabaseError) or isinstance(
        orig, sqlite3.ProgrammingError | sqlite3.InterfaceError
    ):
        return None
    text = str(orig).lower()
    known = ("malformed", "not a database", "disk", "full", "locked", "busy", "readonly")
    if not any(word in text for word in known):
        return None
    from csconsole.cache import describe_db_error

    return describe_db_error(orig, path=_cache_path(args))


if __name__ == "__main__":
    sys.exit(main())
