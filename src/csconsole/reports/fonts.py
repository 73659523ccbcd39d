"""Fonts for the PDF reports, and user text turned into safe paragraph markup.

reportlab's paragraphs read a small XML markup, so ``<``, ``>`` and ``&`` typed by a
user must be escaped, and the standard PDF fonts have no accents beyond Latin-1, no
CJK and no emoji. The reports therefore embed TrueType fonts shipped in
``resources/fonts/``: DejaVu Sans for text, then fallbacks (CJK, then symbols and
emoji). :func:`markup` splits text into runs and gives each run the first font that
has its characters, so one line may mix several fonts and still print as typed.
Fallback fonts are read only when a text needs them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from csconsole.errors import KnownError
from csconsole.paths import resources_dir

REGULAR = "CSSans"
BOLD = "CSSans-Bold"
#: (registered name, file) of each fallback, tried in order.
FALLBACKS: tuple[tuple[str, str], ...] = (
    ("CSFallbackCJK", "DroidSansFallback.ttf"),
    ("CSFallbackSymbols", "Symbola_hint.ttf"),
)
_MAIN_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
_LOCK = threading.Lock()
#: Characters dropped rather than drawn: controls other than newline and tab.
_CONTROL = {c for c in range(32) if c not in (9, 10)} | {0x7F}


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


@dataclass
class _Face:
    name: str
    path: Path
    chars: frozenset[int] | None = None  # None until the font is registered


def _register(name: str, path: Path) -> frozenset[int]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    try:
        font = TTFont(name, str(path))
    except (OSError, TTFError) as exc:
        raise KnownError(f"{path}: cannot read the report font: {exc}") from None
    pdfmetrics.registerFont(font)
    return frozenset(font.face.charToGlyph)


@cache
def _faces() -> tuple[_Face, ...]:
    folder = fonts_dir()
    return tuple(_Face(name, folder / file) for name, file in FALLBACKS)


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode CMap, but with characters beyond U+FFFF (emoji) written as
    UTF-16 surrogate pairs as the PDF reference requires; reportlab writes only their low
    four hex digits, so copied or extracted emoji came out as other characters."""
    pairs = [
        f"<{i:02X}> <{chr(v).encode('utf-16-be').hex().upper()}>" for i, v in enumerate(subset)
    ]
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo",
            f"<< /Registry ({fontname})",
            f"/Ordering ({fontname})",
            "/Supplement 0",
            ">> def",
            f"/CMapName /{fontname} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            f"{len(subset)} beginbfchar",
            *pairs,
            "endbfchar",
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


@cache
def register_fonts() -> frozenset[int]:
    """Register the text fonts (once per process); returns the text font's characters."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import ttfonts

    ttfonts.makeToUnicodeCMap = _to_unicode_cmap  # see _to_unicode_cmap
    with _LOCK:
        chars: frozenset[int] = frozenset()
        for name, file in _MAIN_FILES.items():
            covered = _register(name, fonts_dir() / file)
            if name == REGULAR:
                chars = covered
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(REGULAR, bold, italic, BOLD if bold else REGULAR)
    return chars


def _fallback_for(code: int) -> str | None:
    for face in _faces():
        if face.chars is None:
            with _LOCK:
                if face.chars is None:
                    face.chars = _register(face.name, face.path)
        if code in face.chars:
            return face.name
    return None


@cache
def font_for(char: str) -> str | None:
    """None when the text font has ``char``, else the fallback that has it (or None)."""
    code = ord(char)
    if code < 0x250 or code in register_fonts():
        return None
    return _fallback_for(code)


#: Parts of emoji sequences no embedded font can join into one picture: skin-tone
#: modifiers (Symbola draws them as boxes), the zero-width joiner, variation selectors,
#: the keycap frame (it cannot enclose a digit set in another font) and tag characters
#: (subdivision flags). Dropped, the base of each part prints: 👍🏽 → 👍, 👩‍💻 → 👩💻,
#: 1️⃣ → 1, 🏴 + tags → 🏴.
_SEQUENCE_PARTS = (
    {0x200D, 0x20E3, 0xFE0E, 0xFE0F} | set(range(0x1F3FB, 0x1F400)) | set(range(0xE0000, 0xE0080))
)
_REGIONAL_A = 0x1F1E6


def _flags(text: str) -> str:
    """A flag (two regional-indicator letters) as its region code in capitals: 🇫🇷 → FR.
    No embedded font draws flags, and the letters say which flag it was."""
    out = []
    for char in text:
        code = ord(char)
        if _REGIONAL_A <= code <= _REGIONAL_A + 25:
            out.append(chr(ord("A") + code - _REGIONAL_A))
        else:
            out.append(char)
    return "".join(out)


def clean(text: str) -> str:
    """Text as it prints: newlines normalised, control characters dropped, emoji
    sequences reduced to what the fonts draw (see ``_SEQUENCE_PARTS`` and ``_flags``),
    and any character no font has dropped rather than drawn as an empty box."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    text = _flags(text)
    return "".join(
        c for c in text if ord(c) not in _CONTROL and ord(c) not in _SEQUENCE_PARTS and printable(c)
    )


def printable(char: str) -> bool:
    """Whether some embedded font draws ``char`` (newline and tab count as printable)."""
    if char in "\n\t":
        return True
    return font_for(char) is not None or ord(char) < 0x250 or ord(char) in register_fonts()


def markup(text: str) -> str:
    """``text`` as reportlab paragraph markup that prints exactly those characters:
    escaped, newlines as line breaks, and runs of characters the text font lacks set in a
    fallback font."""
    register_fonts()
    out: list[str] = []
    run: list[str] = []
    run_font: str | None = None

    def flush() -> None:
        if run:
            chunk = escape("".join(run))
            out.append(f'<font face="{run_font}">{chunk}</font>' if run_font else chunk)
            run.clear()

    for char in clean(text):
        if char == "\n":
            flush()
            out.append("<br/>")
            continue
        face = font_for(char)
        if face != run_font:
            flush()
            run_font = face
        run.append(char)
    flush()
    return "".join(out)


def plain_font_for(text: str) -> str:
    """For a drawing's one-font string: the text font, or the first fallback ``text`` needs."""
    for char in clean(text):
        face = font_for(char)
        if face:
            return face
    return REGULAR


__all__ = ["BOLD", "REGULAR", "clean", "markup", "plain_font_for", "register_fonts"]
