"""The checks every opportunity passes, shared by the console's form (as the user
types), the command line and the importer: a value refused in one is refused in all,
with the same words. Each ``parse_*`` returns ``(value, error)``; :func:`validate` checks
a whole opportunity and names each problem at its field."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from csconsole.opportunities.context import Context
from csconsole.opportunities.figures import annual_benefit, annual_roi, derive
from csconsole.opportunities.model import LABELS, PRIORITIES, STATUSES, Opportunity

#: Longest text accepted per field, in characters.
LIMITS = {"area": 200, "owner": 200, "current_state": 2000, "improvement": 2000, "benefit": 2000}
MAX_MONEY = 1e12
MAX_WEEKS = 520


# --- parsing one value: each returns (value, error) -----------------------------------

Raw = Any  # a cell: str, int, float, date, datetime or None


def is_blank(value: Raw) -> bool:
    """No value: None, or text of spaces only."""
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Raw) -> str:
    """A cell as text; a whole float (what a spreadsheet makes of 3) without its ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_text(
    value: Raw, *, name: str, required: bool = False, multiline: bool = True
) -> tuple[str, str | None]:
    """Text as typed (CR/LF made LF), refusing control characters and text over the limit."""
    label = LABELS.get(name, name)
    text = cell_text(value).replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = text.replace("\n", " ")
    text = text.strip()
    if required and not text:
        return "", f"{label} is required"
    limit = LIMITS.get(name)
    if limit is not None and len(text) > limit:
        return text, f"{label} is too long ({len(text):,} characters; at most {limit:,})"
    if _CONTROL.search(text):
        return text, f"{label} contains a control character"
    return text, None


_MONEY_CLEAN = re.compile(r"[\s,$]|usd", re.IGNORECASE)


def _number(value: Raw) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = _MONEY_CLEAN.sub("", str(value))
    try:
        number = float(text)
    except ValueError:
        return None
    return number


def parse_money(value: Raw, *, name: str) -> tuple[float | None, str | None]:
    """Dollars ≥ 0 (``$1,200`` and ``1200`` alike); blank is no amount."""
    label = LABELS.get(name, name)
    if is_blank(value):
        return None, None
    number = _number(value)
    if number is None or math.isnan(number) or math.isinf(number):
        return None, f"{label} must be a number of dollars, not {cell_text(value)[:40]!r}"
    if number < 0:
        return None, f"{label} must be 0 or more, not {number:g}"
    if number > MAX_MONEY:
        return None, f"{label} is implausibly large ({number:g})"
    return number, None


def parse_amount(value: Raw) -> tuple[float | None, str | None]:
    """The benefit's number (dollars per month or hours per week), ≥ 0."""
    if is_blank(value):
        return None, None
    number = _number(str(value).lower().replace("hours", "").replace("hrs", "").replace("h", ""))
    if number is None or math.isnan(number) or math.isinf(number) or number > MAX_MONEY:
        return None, f"Benefit amount must be a number, not {cell_text(value)[:40]!r}"
    if number < 0:
        return None, f"Benefit amount must be 0 or more, not {number:g}"
    return number, None


_UNIT_ALIASES = {
    "$/month": "$/month", "$/mo": "$/month", "$ per month": "$/month", "usd/month": "$/month",
    "dollars per month": "$/month", "per month": "$/month", "month": "$/month",
    "h/week": "h/week", "hours/week": "h/week", "hrs/week": "h/week", "hours per week": "h/week",
    "h per week": "h/week", "hours": "h/week", "week": "h/week", "per week": "h/week",
}  # fmt: skip


def parse_unit(value: Raw) -> tuple[str, str | None]:
    if is_blank(value):
        return "", None
    unit = _UNIT_ALIASES.get(" ".join(str(value).split()).casefold())
    if unit is None:
        return "", f"Benefit unit must be $/month or h/week, not {cell_text(value)[:40]!r}"
    return unit, None


def parse_weeks(value: Raw) -> tuple[int | None, str | None]:
    """A whole number of weeks, 1 to 520; ``3 weeks`` is accepted."""
    if is_blank(value):
        return None, None
    text = re.sub(r"\s*(weeks?|wks?|w)\s*$", "", cell_text(value).strip(), flags=re.IGNORECASE)
    number = _number(text)
    if number is None or math.isnan(number) or math.isinf(number):
        return None, f"Timeline must be a whole number of weeks, not {cell_text(value)[:40]!r}"
    if not number.is_integer():
        return None, f"Timeline must be a whole number of weeks, not {number:g}"
    if not 0 < number <= MAX_WEEKS:
        return None, f"Timeline must be between 1 and {MAX_WEEKS} weeks, not {number:g}"
    return int(number), None


def parse_percent(value: Raw) -> tuple[float | None, str | None]:
    if is_blank(value):
        return None, None
    number = _number(cell_text(value).replace("%", ""))
    if number is None or math.isnan(number) or math.isinf(number):
        return None, f"Annual ROI must be a percentage, not {cell_text(value)[:40]!r}"
    if number < -100 or number > 1e6:
        return None, f"Annual ROI must be between -100 % and 1,000,000 %, not {number:g}"
    return number, None


def parse_date(value: Raw) -> tuple[date | None, str | None]:
    """A real calendar date (YYYY-MM-DD); blank is none."""
    if is_blank(value):
        return None, None
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10] if len(text) > 10 and text[10] in " T" else text), None
    except ValueError:
        return None, f"Next review must be a real date (YYYY-MM-DD), not {text[:40]!r}"


def choice(value: Raw, options: Sequence[str], *, label: str) -> tuple[str, str | None]:
    """One of ``options``, whatever the case, spaces, ``_`` or ``-`` (``In_Progress``)."""
    text = " ".join(cell_text(value).replace("_", " ").replace("-", " ").split()).casefold()
    if not text:
        return "", f"{label} is required"
    if text in options:
        return text, None
    return "", f"{label} must be one of {', '.join(options)}; not {cell_text(value)[:40]!r}"


def parse_benefit_text(text: str) -> tuple[float, str] | None:
    """The number in a benefit typed as seed 002 does: ``$2,000/month``, ``+3 hours/week``."""
    money = re.search(r"\$\s*([\d,]+(?:\.\d+)?)\s*(?:/|per|a)\s*(?:month|mo)\b", text, re.I)
    if money:
        return float(money.group(1).replace(",", "")), "$/month"
    hours = re.search(
        r"([\d.]+)\s*(?:hours?|hrs?|h)\s*(?:/|per|a)\s*(?:week|wk)\b", text, re.IGNORECASE
    )
    if hours:
        try:
            return float(hours.group(1)), "h/week"
        except ValueError:
            return None
    return None


# --- validation of a whole opportunity ---------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """What :func:`validate` found: the opportunity when every field is good, else errors
    by field (the form shows each at its field; the importer prints them per line)."""

    opportunity: Opportunity | None
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.errors

    def message(self) -> str:
        return "; ".join(self.errors.values())


def validate(raw: Mapping[str, Raw], ctx: Context, *, opp_id: str = "") -> Checked:
    """Check every field of ``raw`` (keyed by field name) and build the opportunity.

    Shared by the form (as the user types), the command line and the importer.
    """
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}

    def keep(name: str, result: tuple[Any, str | None]) -> None:
        value, error = result
        values[name] = value
        if error:
            errors.setdefault(name, error)

    client_text = cell_text(raw.get("client_key")).strip()
    client = ctx.find_client(client_text) if client_text else None
    if not client_text:
        errors["client_key"] = "Client is required"
    elif client is None:
        errors["client_key"] = f"Unknown client {client_text[:60]!r}"
    values["client_key"] = client.key if client else client_text

    category = cell_text(raw.get("category")).strip()
    found = ctx.categories.get(category.upper())
    if found is None:
        for cat in ctx.categories.values():
            if cat.label.casefold() == category.casefold():
                found = cat
    if not category:
        errors["category"] = "Category is required"
    elif found is None:
        errors["category"] = (
            f"Unknown category {category[:40]!r} (one of {', '.join(ctx.categories)})"
        )
    values["category"] = found.prefix if found else category

    keep("area", parse_text(raw.get("area"), name="area", required=True, multiline=False))
    for name in ("current_state", "improvement", "benefit"):
        keep(name, parse_text(raw.get(name), name=name))
    keep("owner", parse_text(raw.get("owner"), name="owner", multiline=False))
    keep("investment", parse_money(raw.get("investment"), name="investment"))
    keep("benefit_amount", parse_amount(raw.get("benefit_amount")))
    keep("benefit_unit", parse_unit(raw.get("benefit_unit")))
    if values["benefit_amount"] is None and "benefit_amount" not in errors and values["benefit"]:
        parsed = parse_benefit_text(values["benefit"])
        if parsed and not values["benefit_unit"]:
            values["benefit_amount"], values["benefit_unit"] = parsed
    if values["benefit_amount"] is not None and not values["benefit_unit"]:
        errors.setdefault("benefit_unit", "Benefit unit is needed: $/month or h/week")
    if values["benefit_amount"] is None and "benefit_amount" not in errors:
        values["benefit_unit"] = "" if "benefit_unit" not in errors else values["benefit_unit"]
    keep("timeline_weeks", parse_weeks(raw.get("timeline_weeks")))
    keep("roi_typed", parse_percent(raw.get("roi_typed")))
    keep("priority", choice(raw.get("priority"), PRIORITIES, label="Priority"))
    keep("status", choice(raw.get("status"), STATUSES, label="Status"))
    tier_text = cell_text(raw.get("required_tier")).strip().casefold()
    tier = next(
        (t.key for t in ctx.tiers.values() if tier_text in (t.key.casefold(), t.label.casefold())),
        None,
    )
    if not tier_text:
        errors["required_tier"] = "Required package is required"
    elif tier is None:
        errors["required_tier"] = (
            f"Required package must be one of {', '.join(ctx.tiers)}; not {tier_text[:40]!r}"
        )
    values["required_tier"] = tier or tier_text
    keep("next_review", parse_date(raw.get("next_review")))

    if opp_id and found is not None and not opp_id.startswith(found.prefix + "-"):
        errors.setdefault("category", f"ID {opp_id} does not belong to category {found.prefix}")
    if errors:
        return Checked(None, errors)
    opp = Opportunity(id=opp_id, **values)
    if (
        opp.roi_typed is not None
        and annual_roi(
            annual_benefit(
                opp.benefit_amount,
                opp.benefit_unit,
                hourly_rate=client.hourly_rate if client else 0,
            ),
            opp.investment,
        )
        is not None
    ):
        opp = replace(opp, roi_typed=None)  # computed wins; a stale typed figure is not kept
    return Checked(derive(opp, ctx), {})


def raw_of(opp: Opportunity) -> dict[str, Raw]:
    """An opportunity's fields as :func:`validate` takes them (for edits and duplicates)."""
    return opp.stored()
