"""Figures, months and dates as a client reads them — one place for letters, PDFs,
exports and the console.

Babel does the locale work (digit grouping, decimal sign, where the currency sign and
the percent sign go, month names); this module only decides *how precise* each figure
is: a metric keeps the decimals its catalog entry declares (``decimals``, else its
unit's default), money has no cents at or above $1,000, ratings have one decimal. The
locale comes from Settings (``locale``, English by default). Numbers round half up, as
people round, not half to even.
"""

from __future__ import annotations

import copy
import decimal
import re
from datetime import date, datetime, timedelta
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_timedelta
from babel.numbers import NumberPattern

DEFAULT_LOCALE = "en"
CURRENCY = "USD"
#: Decimals of a metric's figures when its catalog entry does not say.
UNIT_DECIMALS: dict[str, int] = {
    "%": 1,
    "h/week": 1,
    "/10": 1,
    "rating": 1,
    "$": 0,
    "count": 0,
    "s": 0,
}
#: What follows the number for each unit ("%" and "$" are placed by the locale).
UNIT_SUFFIX: dict[str, str] = {"h/week": " h/week", "/10": "/10", "s": " s", "h": " h"}
NONE = "—"
#: What cannot stand inside one line of text (a header, a cell): control characters and
#: the Unicode line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")

_locale_code: str | None = None


def set_locale(code: str | None) -> None:
    """Use ``code`` (e.g. "en", "en_GB", "de") from now on; None: back to Settings."""
    global _locale_code
    _locale_code = code
    _locale.cache_clear()


def locale_code() -> str:
    """The locale in force: set_locale's, else Settings' ``locale``, else English."""
    if _locale_code:
        return _locale_code
    from csconsole.errors import KnownError
    from csconsole.settings import Settings

    try:
        return Settings.load().locale or DEFAULT_LOCALE
    except KnownError:
        return DEFAULT_LOCALE


@cache
def _parse(code: str) -> Locale:
    try:
        return Locale.parse(code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return Locale.parse(DEFAULT_LOCALE)


@cache
def _locale() -> Locale:
    return _parse(locale_code())


def is_known_locale(code: str) -> bool:
    try:
        Locale.parse(code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return False
    return True


def _decimal(value: float) -> decimal.Decimal:
    # repr() is the shortest text that reads back as the float: 2.675 stays 2.675.
    return decimal.Decimal(repr(float(value)))


def _apply(pattern: NumberPattern, value: float, decimals: int, **kw: object) -> str:
    p = copy.copy(pattern)
    p.frac_prec = (decimals, decimals)
    with decimal.localcontext() as ctx:
        ctx.rounding = decimal.ROUND_HALF_UP
        number = _decimal(value)
        # Round first (a percent pattern scales by 100) so -0.04 prints as 0.0, not -0.0.
        shift = int(getattr(p, "scale", 0) or 0)
        number = number.quantize(decimal.Decimal(1).scaleb(-decimals - shift)) + 0
        text = p.apply(number, _locale(), **kw)  # type: ignore[arg-type]
    return str(text)


def number(value: float | None, decimals: int = 0) -> str:
    """A plain number with the locale's grouping: 12,345 or 6.6."""
    if value is None:
        return NONE
    return _apply(_locale().decimal_formats[None], value, decimals)


def percent(value: float | None, decimals: int = 0, *, points: bool = False) -> str:
    """A share as a percentage: 0.9976 → 99.8 % (``points``: the value is already 99.76)."""
    if value is None:
        return NONE
    fraction = value / 100 if points else value
    return _apply(_locale().percent_formats[None], fraction, decimals)


def signed_percent(value: float | None, decimals: int = 1) -> str:
    """A change as a percentage with its sign: +3.2 %, −1.5 %, ±0.0 %."""
    if value is None:
        return ""
    text = percent(abs(value), decimals)
    zero = percent(0.0, decimals)
    if text == zero:
        return "±" + zero
    return ("+" if value > 0 else "−") + text


def money(value: float | None, *, cents: bool | None = None) -> str:
    """Dollars: $12,346 at or above $1,000; $12.50 or $120 below (cents when there are
    any); ``cents`` forces them on or off."""
    if value is None:
        return NONE
    if cents is None:
        cents = abs(value) < 1000 and round(abs(value) * 100) % 100 != 0
    with_cents = cents
    pattern = _locale().currency_formats["standard"]
    return _apply(pattern, value, 2 if with_cents else 0, currency=CURRENCY, currency_digits=False)


def hours(value: float | None, decimals: int = 1) -> str:
    """Hours: 6.6 h."""
    return NONE if value is None else number(value, decimals) + UNIT_SUFFIX["h"]


def rating(value: float | None) -> str:
    """A rating out of 10, always one decimal: 9.0/10."""
    return NONE if value is None else number(value, 1) + "/10"


def decimals_for(unit: str, metric: str | None = None) -> int:
    """The decimals a metric's figures keep: its catalog entry's, else its unit's."""
    if metric:
        from csconsole.catalog import default_catalog

        entry = default_catalog().metrics.get(metric)
        if entry is not None and entry.decimals is not None:
            return entry.decimals
    return UNIT_DECIMALS.get(unit, 1)


def figure(value: float | None, unit: str, *, metric: str | None = None) -> str:
    """A metric's value with its unit at the metric's precision: 99.76 %, 8.5/10, $1,250."""
    if value is None:
        return NONE
    places = decimals_for(unit, metric)
    if unit == "%":
        return percent(value, places, points=True)
    if unit == "$":
        return money(value)
    return number(value, places) + UNIT_SUFFIX.get(unit, "")


def month(index_or_date: int | date) -> str:
    """A month as people write it: November 2026."""
    day = _month_date(index_or_date)
    return str(format_skeleton("yMMMM", day, locale=_locale()))


def month_only(index_or_date: int | date) -> str:
    """The month's name alone: November."""
    day = _month_date(index_or_date)
    return str(format_date(day, "LLLL", locale=_locale()))


def quarter(index_or_date: int | date) -> str:
    """A quarter: Q4 2026."""
    day = _month_date(index_or_date)
    return str(format_skeleton("yQQQ", day, locale=_locale()))


def _month_date(value: int | date) -> date:
    if isinstance(value, date):
        return value
    return date(value // 12, value % 12 + 1, 1)


def day(value: date | datetime | None) -> str:
    """A date in the locale's style: Nov 14, 2026 (en), 14 Nov 2026 (en_GB)."""
    if value is None:
        return NONE
    if isinstance(value, datetime):
        value = value.date()
    return str(format_date(value, "medium", locale=_locale()))


def month_short(index_or_date: int | date) -> str:
    """A month in a narrow column or a chart's axis: Nov 2026."""
    return str(format_skeleton("yMMM", _month_date(index_or_date), locale=_locale()))


def moment(value: datetime | None) -> str:
    """A date and time in the locale's style: Nov 20, 2026, 09:00."""
    if value is None:
        return NONE
    locale = _locale()
    return str(
        locale.datetime_formats["medium"]
        .replace("{1}", format_date(value.date(), "medium", locale=locale))
        .replace("{0}", str(format_skeleton("Hm", value, locale=locale)))
    )


def local_time(moment: datetime) -> str:
    """A moment in this computer's time zone to the minute, as the console and the command
    line list times: 2026-11-14 09:05 (one style in every locale: it sorts and greps)."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def one_line(text: str, limit: int | None = None) -> str:
    """``text`` on one line: line breaks, control characters and runs of spaces become one
    space; past ``limit`` characters it is cut with "…"."""
    text = " ".join(_CONTROL.sub(" ", text).split())
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def day_in_text(value: date | datetime) -> str:
    """A date inside a sentence of the month: November 14 (en), 14 November (en_GB)."""
    if isinstance(value, datetime):
        value = value.date()
    return str(format_skeleton("MMMMd", value, locale=_locale()))


def duration(value: timedelta | float | None) -> str:
    """A length of time in words: 3 hours, 2 days (``value`` in hours when a number)."""
    if value is None:
        return NONE
    delta = value if isinstance(value, timedelta) else timedelta(hours=float(value))
    return str(format_timedelta(delta, threshold=1.5, locale=_locale()))


__all__ = [
    "DEFAULT_LOCALE",
    "day",
    "day_in_text",
    "decimals_for",
    "duration",
    "figure",
    "hours",
    "is_known_locale",
    "local_time",
    "moment",
    "money",
    "month",
    "month_only",
    "month_short",
    "number",
    "one_line",
    "percent",
    "quarter",
    "rating",
    "set_locale",
    "signed_percent",
]
