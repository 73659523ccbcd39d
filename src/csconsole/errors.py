"""The two kinds of failure: problems the user can fix, and bugs.

A :class:`KnownError` is an environment or input problem (a bad file, an
unreachable server, a full disk). It carries one line for the user and is
shown without a traceback. Anything else is a bug and surfaces with one.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any


class KnownError(Exception):
    """A problem the user can act on; ``str(err)`` is the one-line message."""


class CatalogError(KnownError):
    """A metric or package tier the catalog does not have."""


class ResourceError(KnownError):
    """A resource file (metric catalog, opportunity categories, response protocols,
    branding) cannot be read or has a wrong entry. The message names the file and, for a
    check of one entry, the entry: ``…/tiers.toml: tier #2: missing field 'rank'``."""

    def __init__(self, path: Path | str, problem: str, *, entry: str = "") -> None:
        self.path = Path(path)
        self.entry = entry
        self.problem = problem
        super().__init__(f"{path}: {entry}: {problem}" if entry else f"{path}: {problem}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its parts (the default would call it with the message alone).
        return (partial(type(self), entry=self.entry), (self.path, self.problem))


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
