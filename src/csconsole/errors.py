"""The two kinds of failure: problems the user can fix, and bugs.

A :class:`KnownError` is an environment or input problem (a bad file, an
unreachable server, a full disk). It carries one line for the user and is
shown without a traceback. Anything else is a bug and surfaces with one.
"""

from __future__ import annotations


class KnownError(Exception):
    """A problem the user can act on; ``str(err)`` is the one-line message."""


class CatalogError(KnownError):
    """A resource file of the metric catalog is invalid."""


class CacheError(KnownError):
    """The local cache cannot be opened or written."""


class SourceError(KnownError):
    """A data source is unreachable, misconfigured or does not follow the contract."""


class ImportFileError(KnownError):
    """A spreadsheet cannot be imported; the message lists rows and reasons."""


class NoKeyringError(KnownError):
    """No usable keyring backend: secrets can only be used for this run."""


class Cancelled(Exception):
    """Raised inside long jobs when the user cancelled them."""


def scrub(text: str, secrets: list[str]) -> str:
    """Return ``text`` with every secret replaced, for messages that leave the process."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
