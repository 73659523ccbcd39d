"""What every command of the command line shares: exit codes, the cache, today, JSON,
passwords. A command gets its health engine from
:func:`csconsole.health.engine.open_engine`, as the console does.

Command modules import this and never the package's ``__init__`` (which builds the
parser from them) nor each other. Importing it, like importing a command module, loads
almost nothing: the cache, the engine and their SQLAlchemy, even ``json`` and
``pathlib``, load inside the functions when a command runs, so ``csconsole --version``
and ``--help`` stay fast.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from csconsole.errors import KnownError, NoKeyringError

if TYPE_CHECKING:
    import argparse
    from datetime import date
    from pathlib import Path

    from csconsole.cache import Cache
    from csconsole.models import Source

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def cache_path(args: argparse.Namespace) -> Path:
    from pathlib import Path

    from csconsole.paths import default_cache_path

    return Path(args.cache) if args.cache else default_cache_path()


def open_cache(args: argparse.Namespace) -> Cache:
    from csconsole.cache import Cache

    return Cache.open(cache_path(args))


def today_of(args: argparse.Namespace) -> date:
    """The command's today: ``--today`` if given, else ``CSCONSOLE_TODAY``, else the date."""
    from datetime import date

    from csconsole import clock

    text = getattr(args, "today", None)
    if not text:
        return clock.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise KnownError(f"--today {text!r} is not a date (YYYY-MM-DD)") from None


def print_json(data: Any) -> None:
    import json

    print(json.dumps(data, indent=2, ensure_ascii=False))


def read_stdin_secret() -> str:
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def source_password(source: Source, args: argparse.Namespace) -> str | None:
    """The password for a source: stdin if asked, else keyring, else a prompt for this run."""
    from csconsole import credentials

    if getattr(args, "password_stdin", False):
        return read_stdin_secret()
    if not source.needs_password:
        return None
    try:
        password = credentials.get_password(source.name)
    except NoKeyringError as exc:
        print(f"csconsole: {exc}", file=sys.stderr)
        password = None
    if password is None:
        import getpass

        if not sys.stdin.isatty():
            raise KnownError(
                f"source {source.name!r} needs a password and none is stored; "
                "pass it with --password-stdin"
            )
        password = getpass.getpass(f"Password for source {source.name}: ")
    return password
