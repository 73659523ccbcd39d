"""The reports' look as data: ``resources/branding/branding.toml`` (company name, tagline,
logo, colours). Errors name the file and the entry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from csconsole.errors import ResourceError
from csconsole.paths import resources_dir
from csconsole.resources import load_toml

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
    data = load_toml(path)
    known = {"company_name", "tagline", "logo", "colours"}
    for key in data:
        if key not in known:
            raise ResourceError(path, f"unknown entry {key!r} (known: {', '.join(sorted(known))})")
    name = data.get("company_name", "csconsole")
    if not isinstance(name, str) or not name.strip():
        raise ResourceError(path, "company_name must be a non-empty text")
    tagline = data.get("tagline", "")
    if not isinstance(tagline, str):
        raise ResourceError(path, "tagline must be a text")
    logo: Path | None = None
    logo_text = data.get("logo", "")
    if not isinstance(logo_text, str):
        raise ResourceError(path, "logo must be a file name (PNG or JPEG)")
    if logo_text:
        logo = (path.parent / logo_text).resolve()
        if not logo.is_file():
            raise ResourceError(path, f"no file {logo}", entry="logo")
        if logo.suffix.lower() not in (".png", ".jpg", ".jpeg"):
            raise ResourceError(path, f"{logo.name} is not a PNG or JPEG file", entry="logo")
    colours = dict(_DEFAULT_COLOURS)
    table = data.get("colours", {})
    if not isinstance(table, dict):
        raise ResourceError(path, "[colours] must be a table")
    for key, value in table.items():
        if key not in COLOUR_KEYS:
            raise ResourceError(
                path, f"colours.{key} is not a known colour (known: {', '.join(COLOUR_KEYS)})"
            )
        if not isinstance(value, str) or not _HEX.match(value):
            raise ResourceError(path, f"colours.{key} = {value!r} is not a colour like #1F3A5F")
        colours[key] = value
    return Branding(company_name=name.strip(), tagline=tagline, logo=logo, colours=colours)


__all__ = ["Branding", "default_branding_path", "load_branding"]
