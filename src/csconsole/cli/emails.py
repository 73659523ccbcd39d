"""``csconsole email``: the response letter for a client, printed or saved as ``.eml``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from csconsole.cli.common import EXIT_OK, open_cache, today_of
from csconsole.errors import KnownError

#: What ``email --status`` takes: :data:`csconsole.health.rules.STATUSES`, spelled out so that
#: building the parser loads no engine (a test holds the two equal).
STATUSES = ("green", "yellow", "red")


def cmd_email(args: argparse.Namespace) -> int:
    from pathlib import Path

    from csconsole.catalog import default_catalog
    from csconsole.emails import draft_for_client, recipient_problem, write_eml

    with open_cache(args) as cache:
        draft = draft_for_client(
            cache,
            default_catalog(),
            args.client,
            status=args.status,
            month=args.month,
            today=today_of(args),
        )
    for problem in draft.problems:
        print(f"csconsole: warning: {problem}", file=sys.stderr)
    if args.out:
        unwritable = recipient_problem(draft)
        if unwritable:
            print(f"csconsole: warning: {unwritable}", file=sys.stderr)
        out = Path(args.out)
        try:  # as `report -o` does: a missing folder is made
            out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise KnownError(f"cannot make the folder {out.parent}: {exc.strerror}") from None
        path = write_eml(draft, out)
        print(f"Draft to {draft.to} saved to {path}; open it in your mail program to send it.")
    else:
        print(draft.text(), end="")
    return EXIT_OK


def add_email_command(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``email`` on the main parser's subcommands."""
    p = sub.add_parser(
        "email",
        parents=[common],
        help="draft the response letter for a client's status (printed or saved as .eml)",
        description="Draft the letter for a client's current status from the templates in "
        "the user data folder's templates/ (copied from the built-ins on first use). "
        "The console never sends it.",
    )
    p.add_argument("--client", required=True, metavar="CLIENT", help="client key or name")
    p.add_argument(
        "--status", choices=STATUSES, help="use this status's letter (default: the current one)"
    )
    p.add_argument("--month", metavar="YYYY-MM", help="the month (default: this month to date)")
    p.add_argument("--out", metavar="FILE.eml", help="save as an .eml file instead of printing")
    p.add_argument("--today", metavar="YYYY-MM-DD", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_email)


__all__ = ["add_email_command"]
