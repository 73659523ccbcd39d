"""The reports' look as data: ``resources/branding/branding.toml`` (company name, tagline,
logo, colours). Errors name the file and the entry."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from csconsole.errors import KnownError
from csconsole.paths import resources_dir

COLOUR_KEYS = ("primary", "accent", "text", "muted", "rule", "stripe", "green", "yellow", "red")
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
_DEFAULT_COLOURS = {
    "primary": "#1F3A5F",
    "accent": "#3C7DC4",
    "text": "#1B1B1B",
    "muted": "#6B7280",
    "rule": "#D0D5DD",
    "stripe": "#F3F5F8",
    "green": "#1E8E3E",
    "yellow": "#B7791F",
    "red": "#C62828",
}


@dataclass(frozen=True)
class Branding:
    company_name: str = "csconsole"
    tagline: str = ""
    logo: Path | None = None
    colours: dict[str, str] = field(default_factory=lambda: dict(_DEFAULT_COLOURS))

    def colour(self, name: str) -> str:
        return self.colours[name]


def default_branding_path() -> Path:
    return resources_dir() / "branding" / "branding.toml"


def load_branding(path: Path | None = None) -> Branding:
    """The branding file's settings; a missing or wrong entry is a one-line error."""
    path = path or default_branding_path()
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
    except OSError as exc:
        raise KnownError(f"{path}: cannot read the branding file: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise KnownError(f"{path}: not valid TOML: {exc}") from None
    known = {"company_name", "tagline", "logo", "colours"}
    for key in data:
        if key not in known:
            raise KnownError(f"{path}: unknown entry {key!r} (known: {', '.join(sorted(known))})")
    name = data.get("company_name", "csconsole")
    if not isinstance(name, str) or not name.strip():
        raise KnownError(f"{path}: company_name must be a non-empty text")
    tagline = data.get("tagline", "")
    if not isinstance(tagline, str):
        raise KnownError(f"{path}: tagline must be a text")
    logo: Path | None = None
    logo_text = data.get("logo", "")
    if not isinstance(logo_text, str):
        raise KnownError(f"{path}: logo must be a file name (PNG or JPEG)")
    if logo_text:
        logo = (path.parent / logo_text).resolve()
        if not logo.is_file():
            raise KnownError(f"{path}: logo: no file {logo}")
        if logo.suffix.lower() not in (".png", ".jpg", ".jpeg"):
            raise KnownError(f"{path}: logo: {logo.name} is not a PNG or JPEG file")
    colours = dict(_DEFAULT_COLOURS)
    table = data.get("colours", {})
    if not isinstance(table, dict):
        raise KnownError(f"{path}: [colours] must be a table")
    for key, value in table.items():
        if key not in COLOUR_KEYS:
            raise KnownError(
                f"{path}: colours.{key} is not a known colour (known: {', '.join(COLOUR_KEYS)})"
            )
        if not isinstance(value, str) or not _HEX.match(value):
            raise KnownError(f"{path}: colours.{key} = {value!r} is not a colour like #1F3A5F")
        colours[key] = value
    return Branding(company_name=name.strip(), tagline=tagline, logo=logo, colours=colours)


__all__ = ["Branding", "default_branding_path", "load_branding"]
