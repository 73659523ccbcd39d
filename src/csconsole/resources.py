"""Reading the resource files that are data (the metric catalog, the opportunity
categories, the response protocols, the status bands, the branding): one TOML loader
and one error, :class:`~csconsole.errors.ResourceError`, that names the file and, for a
check of one entry, the entry."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csconsole.errors import ResourceError


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of a resource file (``tier #2``, ``metric 'uptime'``), for its errors."""

    path: Path
    name: str

    def error(self, problem: str) -> ResourceError:
        return ResourceError(self.path, problem, entry=self.name)


def load_toml(path: Path) -> dict[str, Any]:
    """The file's tables; a missing, unreadable or malformed file is a ResourceError."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ResourceError(path, f"cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ResourceError(path, f"not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ResourceError(path, "not valid TOML: the file is not UTF-8 text") from None


def entries(path: Path, data: Mapping[str, Any], name: str) -> list[tuple[Entry, dict[str, Any]]]:
    """The ``[[name]]`` tables of a loaded file, in order, each with its :class:`Entry`
    (``name #1``, ``name #2`` …); none is an empty list."""
    tables = data.get(name, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ResourceError(path, f"{name!r} must be a list of [[{name}]] tables")
    return [(Entry(path, f"{name} #{i}"), table) for i, table in enumerate(tables, start=1)]
