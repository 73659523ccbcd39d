"""The command line: the same engine as the console, without a window.

Every command prints one clear line on failure and exits non-zero; a user
error never shows a traceback (bugs still do, and go to the log).

This package builds the parser from one module per command group (``sync``,
``sources``, ``imports``, ``health``, ``emails``, ``opportunities``, ``reports``,
``cache``), each importing only ``common``. Building the parser loads no SQLAlchemy,
Qt, pandas or reportlab: each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from csconsole import __version__
from csconsole.cli.cache import add_cache_commands
from csconsole.cli.common import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, cache_path
from csconsole.cli.emails import add_email_command
from csconsole.cli.health import add_health_commands
from csconsole.cli.imports import add_import_command
from csconsole.cli.opportunities import add_opportunity_commands
from csconsole.cli.reports import add_report_command
from csconsole.cli.sources import add_source_commands
from csconsole.cli.sync import add_sync_commands
from csconsole.errors import KnownError

if TYPE_CHECKING:
    from collections.abc import Sequence


def _setup_logging() -> None:
    import logging

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


def cmd_gui(args: argparse.Namespace) -> int:
    from csconsole.views.app import run_gui

    return run_gui(cache_path(args))


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

    add_sync_commands(sub, common)
    add_source_commands(sub, common)
    add_import_command(sub, common)
    add_health_commands(sub, common)
    add_email_command(sub, common)
    add_opportunity_commands(sub, common)
    add_report_command(sub, common)
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
    import logging  # not at the top: --version and --help need no log

    log = logging.getLogger("csconsole")
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

    return describe_db_error(orig, path=cache_path(args))


__all__ = ["build_parser", "main"]
