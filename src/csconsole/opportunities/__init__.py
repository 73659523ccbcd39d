"""The opportunity database (seed 002): what each client could improve or buy next.

Opportunities are local data: typed by CSMs on laptops, kept in the cache, never
touched by a sync. This module is the one place that validates, stores, lists,
imports and exports them; the console's form, the command line and the importer
all use the same checks (:func:`validate`), so a value refused in one is refused
in all, with the same words.

Figures:

- *expected annual benefit* = benefit amount × 12 when it is in $ per month, or
  hours per week × 52 × the client's hourly rate when it is in hours per week;
- *annual ROI* = (expected annual benefit − investment) / investment, in %, when
  both numbers exist and the investment is above 0; otherwise the ROI the user
  typed (if any) is shown as typed;
- an *open* opportunity is identified, proposed or in progress; a client's open
  *value* is the sum of the investments of its open opportunities (what the client
  would buy);
- an opportunity is an *upsell* when the client's package ranks below the package
  the opportunity requires.

IDs are the category prefix and a number (PO-001). Numbers come from a counter per
prefix, bumped inside the same ``BEGIN IMMEDIATE`` transaction as the insert, so two
console windows (two processes) never get the same ID and a deleted ID is never
given again.
"""

from __future__ import annotations

import csv
import getpass
import io
import json
import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, func, insert, select, update

from csconsole import clock, csvsafe
from csconsole.cache import Cache
from csconsole.catalog import Catalog, Tier
from csconsole.errors import ImportFileError, KnownError, ResourceError
from csconsole.models import OpportunityChange, OpportunityCounter, OpportunityRecord
from csconsole.paths import resources_dir
from csconsole.resources import entries, load_toml

STATUSES = ("identified", "proposed", "in progress", "completed", "declined")
OPEN_STATUSES = frozenset({"identified", "proposed", "in progress"})
PRIORITIES = ("high", "medium", "low")
BENEFIT_UNITS = ("$/month", "h/week")
#: Longest text accepted per field, in characters.
LIMITS = {"area": 200, "owner": 200, "current_state": 2000, "improvement": 2000, "benefit": 2000}
MAX_MONEY = 1e12
MAX_WEEKS = 520
ID_PATTERN = re.compile(r"^([A-Z]{2,6})-(\d{3,})$")

_T = cast(Table, OpportunityRecord.__table__)
_COUNTERS = cast(Table, OpportunityCounter.__table__)
_HISTORY = cast(Table, OpportunityChange.__table__)


# --- categories -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Category:
    prefix: str
    label: str
    area: str  # what the Area column holds: Process, Integration, Feature


def load_categories(path: Path | None = None) -> dict[str, Category]:
    """The categories in ``resources/opportunities/categories.toml``, by prefix."""
    path = path or resources_dir() / "opportunities" / "categories.toml"
    categories: dict[str, Category] = {}
    for where, entry in entries(path, load_toml(path), "category"):
        values = {}
        for name in ("prefix", "label", "area"):
            value = entry.get(name)
            if not isinstance(value, str) or not value.strip():
                raise where.error(f"field {name!r} must be a non-empty string")
            values[name] = value.strip()
        prefix = values["prefix"].upper()
        if not re.fullmatch(r"[A-Z]{2,6}", prefix):
            raise where.error(f"prefix {prefix!r} must be 2–6 letters")
        if prefix in categories:
            raise ResourceError(path, "defined twice", entry=f"category {prefix!r}")
        categories[prefix] = Category(prefix, values["label"], values["area"])
    if not categories:
        raise ResourceError(path, "no [[category]] entries")
    return categories


# --- the opportunity -----------------------------------------------------------------


@dataclass(frozen=True)
class Opportunity:
    """One opportunity as stored, plus figures derived from its client (see module doc)."""

    id: str
    client_key: str
    category: str
    area: str
    current_state: str = ""
    improvement: str = ""
    benefit: str = ""
    benefit_amount: float | None = None
    benefit_unit: str = ""
    investment: float | None = None
    timeline_weeks: int | None = None
    roi_typed: float | None = None
    priority: str = "medium"
    required_tier: str = "essential"
    status: str = "identified"
    owner: str = ""
    next_review: date | None = None
    created_at: datetime | None = None
    created_by: str = ""
    updated_at: datetime | None = None
    updated_by: str = ""
    # derived, filled by the loader and by validate()
    client_name: str = ""
    client_tier: str = ""
    annual_benefit: float | None = None
    roi: float | None = None  # annual ROI in % (computed, else typed)
    roi_computed: bool = False
    upsell: bool = False

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue(self, today: date) -> bool:
        """An open opportunity whose review date has passed."""
        return self.is_open and self.next_review is not None and self.next_review < today

    def search_text(self) -> str:
        """Everything a full-text search looks at, case-folded."""
        parts = (self.id, self.client_key, self.client_name, self.area, self.current_state,
                 self.improvement, self.benefit, self.owner, self.status, self.priority)  # fmt: skip
        return "\n".join(parts).casefold()

    def stored(self) -> dict[str, Any]:
        """The stored fields (what history compares)."""
        return {name: getattr(self, name) for name in STORED_FIELDS}


#: Fields a user sets, in the order of the form and the spreadsheet columns.
STORED_FIELDS = (
    "client_key", "category", "area", "current_state", "improvement", "benefit",
    "benefit_amount", "benefit_unit", "investment", "timeline_weeks", "roi_typed",
    "priority", "required_tier", "status", "owner", "next_review",
)  # fmt: skip

#: Spreadsheet columns (import and export): header → field ("id" for the ID).
COLUMNS: dict[str, str] = {
    "ID": "id",
    "Client": "client_key",
    "Category": "category",
    "Area": "area",
    "Current state": "current_state",
    "Improvement potential": "improvement",
    "Expected benefit": "benefit",
    "Benefit amount": "benefit_amount",
    "Benefit unit": "benefit_unit",
    "Investment ($)": "investment",
    "Timeline (weeks)": "timeline_weeks",
    "Annual ROI (%)": "roi_typed",
    "Priority": "priority",
    "Required package": "required_tier",
    "Status": "status",
    "Owner": "owner",
    "Next review": "next_review",
}
REQUIRED_COLUMNS = ("Client", "Category", "Area", "Priority", "Required package", "Status")
#: Exports show labels where the import columns hold codes ("Advanced feature", not
#: "AF"); the codes follow in these columns, which an import prefers when present.
CODE_COLUMNS: dict[str, str] = {
    "Client key": "client_key",
    "Category code": "category",
    "Priority code": "priority",
    "Required package code": "required_tier",
    "Status code": "status",
}
LABELS: dict[str, str] = {f: h for h, f in COLUMNS.items()}


# --- validation context ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClientRef:
    key: str
    name: str
    tier: str
    hourly_rate: float


@dataclass(frozen=True)
class Context:
    """What validation needs to know: clients, package tiers and categories."""

    clients: Mapping[str, ClientRef]
    tiers: Mapping[str, Tier]
    categories: Mapping[str, Category]
    _by_name: dict[str, list[ClientRef]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for client in self.clients.values():
            self._by_name.setdefault(client.name.casefold(), []).append(client)

    def find_client(self, text: str) -> ClientRef | None:
        wanted = text.strip()
        if wanted in self.clients:
            return self.clients[wanted]
        for key, client in self.clients.items():
            if key.casefold() == wanted.casefold():
                return client
        matches = self._by_name.get(wanted.casefold(), [])
        return matches[0] if len(matches) == 1 else None

    def tier_rank(self, key: str) -> int:
        tier = self.tiers.get(key)
        return tier.rank if tier else 0


def load_context(cache: Cache, catalog: Catalog) -> Context:
    with cache.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT key, name, tier, hourly_rate FROM clients ORDER BY key"
        ).fetchall()
    clients = {r[0]: ClientRef(r[0], r[1], r[2], float(r[3] or 0.0)) for r in rows}
    return Context(clients=clients, tiers=catalog.tiers, categories=load_categories())


# --- parsing one value: each returns (value, error) -----------------------------------

Raw = Any  # a cell: str, int, float, date, datetime or None


def _blank(value: Raw) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Raw) -> str:
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
    text = _text(value).replace("\r\n", "\n").replace("\r", "\n")
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
    if _blank(value):
        return None, None
    number = _number(value)
    if number is None or math.isnan(number) or math.isinf(number):
        return None, f"{label} must be a number of dollars, not {_text(value)[:40]!r}"
    if number < 0:
        return None, f"{label} must be 0 or more, not {number:g}"
    if number > MAX_MONEY:
        return None, f"{label} is implausibly large ({number:g})"
    return number, None


def parse_amount(value: Raw) -> tuple[float | None, str | None]:
    """The benefit's number (dollars per month or hours per week), ≥ 0."""
    if _blank(value):
        return None, None
    number = _number(str(value).lower().replace("hours", "").replace("hrs", "").replace("h", ""))
    if number is None or math.isnan(number) or math.isinf(number) or number > MAX_MONEY:
        return None, f"Benefit amount must be a number, not {_text(value)[:40]!r}"
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
    if _blank(value):
        return "", None
    unit = _UNIT_ALIASES.get(" ".join(str(value).split()).casefold())
    if unit is None:
        return "", f"Benefit unit must be $/month or h/week, not {_text(value)[:40]!r}"
    return unit, None


def parse_weeks(value: Raw) -> tuple[int | None, str | None]:
    """A whole number of weeks, 1 to 520; ``3 weeks`` is accepted."""
    if _blank(value):
        return None, None
    text = re.sub(r"\s*(weeks?|wks?|w)\s*$", "", _text(value).strip(), flags=re.IGNORECASE)
    number = _number(text)
    if number is None or math.isnan(number) or math.isinf(number):
        return None, f"Timeline must be a whole number of weeks, not {_text(value)[:40]!r}"
    if not number.is_integer():
        return None, f"Timeline must be a whole number of weeks, not {number:g}"
    if not 0 < number <= MAX_WEEKS:
        return None, f"Timeline must be between 1 and {MAX_WEEKS} weeks, not {number:g}"
    return int(number), None


def parse_percent(value: Raw) -> tuple[float | None, str | None]:
    if _blank(value):
        return None, None
    number = _number(_text(value).replace("%", ""))
    if number is None or math.isnan(number) or math.isinf(number):
        return None, f"Annual ROI must be a percentage, not {_text(value)[:40]!r}"
    if number < -100 or number > 1e6:
        return None, f"Annual ROI must be between -100 % and 1,000,000 %, not {number:g}"
    return number, None


def parse_date(value: Raw) -> tuple[date | None, str | None]:
    """A real calendar date (YYYY-MM-DD); blank is none."""
    if _blank(value):
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


def _choice(value: Raw, options: Sequence[str], *, label: str) -> tuple[str, str | None]:
    text = " ".join(_text(value).replace("_", " ").replace("-", " ").split()).casefold()
    if not text:
        return "", f"{label} is required"
    if text in options:
        return text, None
    return "", f"{label} must be one of {', '.join(options)}; not {_text(value)[:40]!r}"


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


# --- figures --------------------------------------------------------------------------


def annual_benefit(amount: float | None, unit: str, *, hourly_rate: float) -> float | None:
    """$ per month × 12, or hours per week × 52 × the client's hourly rate."""
    if amount is None:
        return None
    if unit == "$/month":
        return amount * 12
    if unit == "h/week" and hourly_rate > 0:
        return amount * 52 * hourly_rate
    return None


def annual_roi(benefit: float | None, investment: float | None) -> float | None:
    """(annual benefit − investment) / investment, in %; None when it cannot be computed."""
    if benefit is None or investment is None or investment <= 0:
        return None
    return (benefit - investment) / investment * 100


def derive(opp: Opportunity, ctx: Context) -> Opportunity:
    """``opp`` with its client's name and tier, annual benefit, ROI and upsell flag."""
    client = ctx.clients.get(opp.client_key)
    rate = client.hourly_rate if client else 0.0
    benefit = annual_benefit(opp.benefit_amount, opp.benefit_unit, hourly_rate=rate)
    computed = annual_roi(benefit, opp.investment)
    tier = client.tier if client else ""
    upsell = bool(client) and ctx.tier_rank(tier) < ctx.tier_rank(opp.required_tier)
    return replace(
        opp,
        client_name=client.name if client else opp.client_key,
        client_tier=tier,
        annual_benefit=benefit,
        roi=computed if computed is not None else opp.roi_typed,
        roi_computed=computed is not None,
        upsell=upsell,
    )


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

    client_text = _text(raw.get("client_key")).strip()
    client = ctx.find_client(client_text) if client_text else None
    if not client_text:
        errors["client_key"] = "Client is required"
    elif client is None:
        errors["client_key"] = f"Unknown client {client_text[:60]!r}"
    values["client_key"] = client.key if client else client_text

    category = _text(raw.get("category")).strip()
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
    keep("priority", _choice(raw.get("priority"), PRIORITIES, label="Priority"))
    keep("status", _choice(raw.get("status"), STATUSES, label="Status"))
    tier_text = _text(raw.get("required_tier")).strip().casefold()
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
    return {name: getattr(opp, name) for name in STORED_FIELDS}


# --- the store ------------------------------------------------------------------------


def current_user() -> str:
    """Who is making a change, for the history."""
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers, services)
        return "unknown"


def _record(opp: Opportunity) -> dict[str, Any]:
    return {name: getattr(opp, name) for name in STORED_FIELDS}


def _from_row(row: Any) -> Opportunity:
    data = dict(row._mapping)
    return Opportunity(**data)


def _json_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


def _log(
    conn: Connection, *, opp_id: str, action: str, who: str, changes: dict[str, list[Any]]
) -> None:
    conn.execute(
        insert(_HISTORY).values(
            opportunity_id=opp_id,
            action=action,
            changed_at=datetime.now(UTC),
            changed_by=who,
            changes_json=json.dumps(
                {k: [_json_value(a), _json_value(b)] for k, (a, b) in changes.items()},
                ensure_ascii=False,
            ),
        )
    )


def _next_number(conn: Connection, prefix: str, *, at_least: int = 0) -> int:
    """Bump and return the prefix's counter; the caller's transaction holds the write lock."""
    last = conn.execute(
        select(_COUNTERS.c.last_number).where(_COUNTERS.c.prefix == prefix)
    ).scalar_one_or_none()
    # Rows imported with their own IDs bump the counter too (see _insert), so it is
    # always at least the highest number in use.
    number = max((last or 0) + 1, at_least)
    if last is None:
        conn.execute(insert(_COUNTERS).values(prefix=prefix, last_number=number))
    else:
        conn.execute(
            update(_COUNTERS).where(_COUNTERS.c.prefix == prefix).values(last_number=number)
        )
    return number


def _id_number(opp_id: str) -> int:
    match = ID_PATTERN.match(opp_id)
    return int(match.group(2)) if match else 0


def format_id(prefix: str, number: int) -> str:
    return f"{prefix}-{number:03d}"


def _insert(conn: Connection, opp: Opportunity, *, who: str, now: datetime) -> str:
    if opp.id:
        prefix = opp.id.split("-")[0]
        taken = conn.execute(select(_T.c.id).where(_T.c.id == opp.id)).first()
        if taken:
            raise KnownError(f"opportunity {opp.id} exists already")
        last = conn.execute(
            select(_COUNTERS.c.last_number).where(_COUNTERS.c.prefix == prefix)
        ).scalar_one_or_none()
        if last is None:
            conn.execute(insert(_COUNTERS).values(prefix=prefix, last_number=_id_number(opp.id)))
        elif last < _id_number(opp.id):
            conn.execute(
                update(_COUNTERS)
                .where(_COUNTERS.c.prefix == prefix)
                .values(last_number=_id_number(opp.id))
            )
        opp_id = opp.id
    else:
        opp_id = format_id(opp.category, _next_number(conn, opp.category))
    conn.execute(
        insert(_T).values(
            id=opp_id,
            **_record(opp),
            created_at=now,
            created_by=who,
            updated_at=now,
            updated_by=who,
        )
    )
    _log(
        conn,
        opp_id=opp_id,
        action="create",
        who=who,
        changes={k: [None, v] for k, v in _record(opp).items() if v not in (None, "")},
    )
    return opp_id


def create(cache: Cache, opp: Opportunity, *, who: str | None = None) -> str:
    """Store a new (validated) opportunity and return its ID, given here unless it has one."""
    with cache.engine.begin() as conn:
        return _insert(conn, opp, who=who or current_user(), now=datetime.now(UTC))


def _update(conn: Connection, opp: Opportunity, *, who: str, now: datetime) -> bool:
    row = conn.execute(select(_T).where(_T.c.id == opp.id)).first()
    if row is None:
        raise KnownError(f"no opportunity {opp.id} (deleted in another window?)")
    old = _from_row(row)
    if old.category != opp.category:
        raise KnownError(f"{opp.id} is in category {old.category}; its category cannot change")
    changes = {k: [getattr(old, k), v] for k, v in _record(opp).items() if getattr(old, k) != v}
    if not changes:
        return False
    conn.execute(
        update(_T).where(_T.c.id == opp.id).values(**_record(opp), updated_at=now, updated_by=who)
    )
    _log(conn, opp_id=opp.id, action="update", who=who, changes=changes)
    return True


def save(cache: Cache, opp: Opportunity, *, who: str | None = None) -> bool:
    """Write an edited opportunity; returns False when nothing changed."""
    with cache.engine.begin() as conn:
        return _update(conn, opp, who=who or current_user(), now=datetime.now(UTC))


def remove(cache: Cache, opp_id: str, *, who: str | None = None) -> None:
    """Delete an opportunity; its ID is never given again and its history stays."""
    with cache.engine.begin() as conn:
        row = conn.execute(select(_T).where(_T.c.id == opp_id)).first()
        if row is None:
            raise KnownError(f"no opportunity {opp_id}")
        old = _from_row(row)
        conn.execute(delete(_T).where(_T.c.id == opp_id))
        _log(
            conn,
            opp_id=opp_id,
            action="delete",
            who=who or current_user(),
            changes={k: [v, None] for k, v in _record(old).items() if v not in (None, "")},
        )


def get(cache: Cache, opp_id: str, ctx: Context | None = None) -> Opportunity:
    with cache.engine.connect() as conn:
        row = conn.execute(select(_T).where(_T.c.id == opp_id.strip().upper())).first()
    if row is None:
        raise KnownError(f"no opportunity {opp_id.strip()!r}")
    opp = _from_row(row)
    return derive(opp, ctx) if ctx else opp


def list_opportunities(
    cache: Cache,
    ctx: Context,
    *,
    client: str | None = None,
    status: str | None = None,
    text: str = "",
) -> list[Opportunity]:
    """Every opportunity (or a client's, or one status's), ordered by ID, with figures."""
    query = select(_T).order_by(_T.c.category, _T.c.id)
    if client:
        found = ctx.find_client(client)
        if found is None:
            raise KnownError(f"unknown client {client!r} (give a key such as CL-001 or the name)")
        query = query.where(_T.c.client_key == found.key)
    if status:
        chosen, error = _choice(status, STATUSES, label="Status")
        if error:
            raise KnownError(error)
        query = query.where(_T.c.status == chosen)
    with cache.engine.connect() as conn:
        rows = [derive(_from_row(r), ctx) for r in conn.execute(query)]
    rows.sort(key=lambda o: (o.category, _id_number(o.id)))
    wanted = text.strip().casefold()
    return [o for o in rows if wanted in o.search_text()] if wanted else rows


@dataclass(frozen=True)
class Change:
    opportunity_id: str
    action: str
    at: datetime
    who: str
    changes: dict[str, list[Any]]

    def lines(self) -> list[str]:
        """Each field's change in words: ``Status: proposed → in progress``."""
        out = []
        for name, (old, new) in self.changes.items():
            label = LABELS.get(name, name)
            if self.action == "create":
                out.append(f"{label}: {new}")
            elif self.action == "delete":
                out.append(f"{label} was {old}")
            else:
                out.append(f"{label}: {'—' if old in (None, '') else old} → "
                           f"{'—' if new in (None, '') else new}")  # fmt: skip
        return out


def history(cache: Cache, opp_id: str) -> list[Change]:
    """The opportunity's changes, oldest first."""
    with cache.engine.connect() as conn:
        rows = conn.execute(
            select(_HISTORY)
            .where(_HISTORY.c.opportunity_id == opp_id)
            .order_by(_HISTORY.c.changed_at, _HISTORY.c.id)
        ).all()
    return [
        Change(r.opportunity_id, r.action, r.changed_at, r.changed_by, json.loads(r.changes_json))
        for r in rows
    ]


# --- pipeline and portfolio figures -----------------------------------------------------


@dataclass(frozen=True)
class Pipeline:
    """A client's optimisation pipeline for its dashboard."""

    counts: dict[str, int]  # by status
    next_review: date | None  # the earliest review date of an open opportunity
    overdue: int
    upsell: int
    open_value: float

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> tuple[tuple[str, str], ...]:
        review = self.next_review.isoformat() if self.next_review else "—"
        if self.overdue:
            review += f" ({self.overdue} overdue)"
        return (
            ("Identified", str(self.counts["identified"])),
            ("Proposed", str(self.counts["proposed"])),
            ("In progress", str(self.counts["in progress"])),
            ("Completed", str(self.counts["completed"])),
            ("Next review", review),
        )


def pipeline(
    cache: Cache, catalog: Catalog, client_key: str, *, today: date | None = None
) -> Pipeline:
    """Counts by status, next review, overdue and upsells of one client's opportunities."""
    today = today or clock.today()
    counts = dict.fromkeys(STATUSES, 0)
    reviews: list[date] = []
    overdue = upsell = 0
    value = 0.0
    with cache.engine.connect() as conn:
        tier = conn.exec_driver_sql(
            "SELECT tier FROM clients WHERE key = ?", (client_key,)
        ).scalar_one_or_none()
        rows = conn.execute(
            select(_T.c.status, _T.c.next_review, _T.c.required_tier, _T.c.investment).where(
                _T.c.client_key == client_key
            )
        ).all()
    ranks = {k: t.rank for k, t in catalog.tiers.items()}
    for status, review, required, investment in rows:
        counts[status] = counts.get(status, 0) + 1
        if status in OPEN_STATUSES:
            value += investment or 0.0
            if review is not None:
                reviews.append(review)
                overdue += review < today
            if tier and ranks.get(tier, 0) < ranks.get(required, 0):
                upsell += 1
    return Pipeline(counts, min(reviews) if reviews else None, overdue, upsell, value)


def open_by_client(cache: Cache) -> dict[str, tuple[int, float]]:
    """Per client key: how many opportunities are open and their investment in $."""
    with cache.engine.connect() as conn:
        rows = conn.execute(
            select(_T.c.client_key, func.count(), func.coalesce(func.sum(_T.c.investment), 0.0))
            .where(_T.c.status.in_(sorted(OPEN_STATUSES)))
            .group_by(_T.c.client_key)
        ).all()
    return {key: (int(n), float(v)) for key, n, v in rows}


# --- export ---------------------------------------------------------------------------


def _cell(opp: Opportunity, name: str) -> Any:
    if name == "roi_typed":
        return None if opp.roi is None else round(opp.roi, 1)
    value = getattr(opp, name)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _labels() -> tuple[dict[str, str], dict[str, str]]:
    """(category prefix → label, tier key → label) for the export's label columns."""
    from csconsole.catalog import default_catalog

    categories = {c.prefix: c.label for c in load_categories().values()}
    tiers = {t.key: t.label for t in default_catalog().tiers.values()}
    return categories, tiers


def _export_header() -> list[str]:
    header: list[str] = []
    for title, name in COLUMNS.items():
        header.append(title)
        header += [code for code, field in CODE_COLUMNS.items() if field == name]
    return header


def _export_line(
    opp: Opportunity, categories: Mapping[str, str], tiers: Mapping[str, str]
) -> list[Any]:
    """One row: labels as a person reads them, each code in the column after its label."""
    label = {
        "client_key": opp.client_name or opp.client_key,
        "category": categories.get(opp.category, opp.category),
        "priority": opp.priority.capitalize(),
        "required_tier": tiers.get(opp.required_tier, opp.required_tier.capitalize()),
        "status": opp.status.capitalize(),
    }
    line: list[Any] = []
    for name in COLUMNS.values():
        line.append(label[name] if name in label else _cell(opp, name))
        line += [getattr(opp, f) for code, f in CODE_COLUMNS.items() if f == name]
    return line


def export_rows(rows: Iterable[Opportunity], path: Path) -> int:
    """Write ``rows`` to ``path`` as .csv or .xlsx (by extension), with the import's columns."""
    rows = list(rows)
    suffix = path.suffix.lower()
    categories, tiers = _labels()
    header = _export_header()
    table = [_export_line(o, categories, tiers) for o in rows]
    try:
        if suffix == ".csv":
            with path.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csvsafe.SafeWriter(fh)
                writer.writerow(header)
                writer.writerows(["" if v is None else v for v in line] for line in table)
        elif suffix == ".xlsx":
            import openpyxl

            book = openpyxl.Workbook()
            sheet = book.active
            sheet.title = "Opportunities"
            sheet.append(header)
            for line in table:
                sheet.append(line)
            for row in sheet.iter_rows(min_row=2):
                for cell in row:
                    # Text that looks like a formula stays text (no formula injection).
                    if csvsafe.looks_like_formula(cell.value):
                        cell.data_type = "s"
            sheet.freeze_panes = "A2"
            book.save(path)
        else:
            raise KnownError(
                f"{path.name}: export to .csv or .xlsx, not {suffix or 'no extension'}"
            )
    except OSError as exc:
        raise KnownError(f"cannot write {path}: {exc.strerror or exc}") from None
    return len(rows)


# --- import ---------------------------------------------------------------------------


def _read_sheet(path: Path) -> list[list[Raw]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
        rows = csv.reader(io.StringIO(text, newline=""))
        return [[csvsafe.restore(cell) for cell in r] for r in rows]
    if suffix == ".xlsx":
        import openpyxl

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            except Exception as exc:
                raise ImportFileError(
                    f"{path.name} is not a readable .xlsx workbook ({type(exc).__name__})"
                ) from None
            try:
                sheet = book.active
                return [list(r) for r in sheet.iter_rows(values_only=True)]
            finally:
                book.close()
    raise ImportFileError(
        f"{path.name}: import a .csv or .xlsx file, not {suffix or 'no extension'}"
    )


def _header_map(header: Sequence[Raw], name: str) -> dict[int, str]:
    by_name = {h.casefold(): f for h, f in COLUMNS.items()}
    by_name.update({f.casefold(): f for f in COLUMNS.values()})
    codes = {h.casefold(): f for h, f in CODE_COLUMNS.items()}
    # A code column (an export's "Category code") wins over its label column.
    titles = [_text(c).strip() for c in header]
    coded = {codes[t.casefold()] for t in titles if t.casefold() in codes}
    found: dict[int, str] = {}
    unknown = []
    for i, text in enumerate(titles):
        if text.casefold() in codes:
            found[i] = codes[text.casefold()]
            continue
        if by_name.get(text.casefold()) in coded:
            continue  # the label beside its code column: read for people, not imported
        if not text:
            continue
        key = by_name.get(text.casefold())
        if key is None:
            unknown.append(text)
        elif key in found.values():
            raise ImportFileError(f"{name}: column {text!r} appears twice")
        else:
            found[i] = key
    problems = []
    missing = [c for c in REQUIRED_COLUMNS if COLUMNS[c] not in found.values()]
    if missing:
        problems.append(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    if unknown:
        problems.append(
            f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(repr(u) for u in unknown)}"
            f" (the columns are {', '.join(COLUMNS)})"
        )
    if problems:
        raise ImportFileError(f"{name}: {'; '.join(problems)}")
    return found


@dataclass(frozen=True)
class ImportReport:
    file: str
    created: list[str]
    updated: list[str]
    unchanged: int
    dry_run: bool

    def text(self) -> str:
        verb = "would create" if self.dry_run else "created"
        verb2 = "would update" if self.dry_run else "updated"
        return (
            f"{self.file}: {verb} {len(self.created)}, {verb2} {len(self.updated)}, "
            f"{self.unchanged} unchanged" + (" (dry run: nothing written)" if self.dry_run else "")
        )


def import_file(
    cache: Cache, ctx: Context, path: Path, *, dry_run: bool = False, who: str | None = None
) -> ImportReport:
    """Import opportunities from .csv or .xlsx: every row is checked first, and nothing is
    written unless the whole file is valid. A row with an ID that exists updates it; a row
    with a new ID keeps it; a row with no ID gets the next ID of its category."""
    path = Path(path)
    table = _read_sheet(path)
    while table and all(_blank(c) for c in table[0]):
        table.pop(0)
    if not table:
        raise ImportFileError(f"{path.name}: the file is empty")
    columns = _header_map(table[0], path.name)
    problems: list[str] = []
    checked: list[Opportunity] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(table[1:], start=2):
        if all(_blank(c) for c in row):
            continue
        if len(row) > len(table[0]) and any(not _blank(c) for c in row[len(table[0]) :]):
            problems.append(f"line {line}: more cells than columns")
            continue
        raw = {name: row[i] if i < len(row) else None for i, name in columns.items()}
        opp_id = _text(raw.pop("id", None)).strip().upper()
        if opp_id:
            if not ID_PATTERN.match(opp_id):
                problems.append(f"line {line}: ID {opp_id[:40]!r} is not like PO-001")
                continue
            if opp_id in seen:
                problems.append(
                    f"line {line}: ID {opp_id} appears twice (also on line {seen[opp_id]})"
                )
                continue
            seen[opp_id] = line
        result = validate(raw, ctx, opp_id=opp_id)
        if not result.ok:
            problems.append(f"line {line}: {result.message()}")
            continue
        assert result.opportunity is not None
        checked.append(result.opportunity)
    if problems:
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise ImportFileError(f"{path.name}: " + "; ".join(problems[:20]) + more)
    created: list[str] = []
    updated: list[str] = []
    unchanged = 0
    who = who or current_user()
    now = datetime.now(UTC)
    with cache.engine.begin() as conn:
        existing = {r[0] for r in conn.execute(select(_T.c.id))}
        for opp in checked:
            if opp.id and opp.id in existing:
                if dry_run:
                    old = _from_row(conn.execute(select(_T).where(_T.c.id == opp.id)).one())
                    changed = old.stored() != opp.stored()
                else:
                    changed = _update(conn, opp, who=who, now=now)
                if changed:
                    updated.append(opp.id)
                else:
                    unchanged += 1
            elif dry_run:
                created.append(opp.id or f"new {opp.category}")
            else:
                created.append(_insert(conn, opp, who=who, now=now))
        if dry_run:
            conn.rollback()
    return ImportReport(path.name, created, updated, unchanged, dry_run)


# --- demo data ---------------------------------------------------------------------------

#: Per category: (area, current state, improvement, benefit, investment, weeks, required
#: tier). Each client draws its own areas from these, so reviews read differently; the
#: investments make a year's benefit worth about 1.5–7 times the cost, not 30 times.
_DEMO_TEMPLATES: dict[str, tuple[tuple[str, str, str, str, float, int, str], ...]] = {
    "PO": (
        ("Lead Management", "80% automated", "Add email sequence automation",
         "+3 hours/week savings", 2300, 2, "essential"),
        ("Client Onboarding", "Checklist in a shared spreadsheet",
         "Guided onboarding workflow with reminders", "+5 hours/week savings", 4800, 3, "essential"),
        ("Invoice Approvals", "Email chains & manual sign-off",
         "Approval routing with <2-day SLA", "+2.5 hours/week savings", 2800, 2, "essential"),
        ("Month-end Close", "Reconciliation takes 4 days",
         "Automated bank reconciliation", "+6 hours/week savings", 5200, 4, "professional"),
        ("Appointment Reminders", "Receptionist phones every patient",
         "SMS and e-mail reminders with one-tap rescheduling", "$1,200/month fewer no-shows",
         4100, 2, "essential"),
        ("Quote Follow-up", "Quotes chased when someone remembers",
         "Automatic follow-up at day 3 and day 10", "$1,600/month more accepted quotes", 6800, 2,
         "essential"),
        ("Timesheet Collection", "Friday e-mails asking for hours",
         "Reminders and approval in the team chat", "+4 hours/week savings", 4300, 2, "essential"),
        ("Purchase Orders", "Paper forms scanned to the buyer",
         "Web form with budget checks and routing", "+3.5 hours/week savings", 2900, 3,
         "professional"),
        ("Staff Rota", "Rota rebuilt by hand each week",
         "Rota drafted from availability and demand", "+5.5 hours/week savings", 6900, 4,
         "professional"),
        ("Customer Feedback", "Survey results read once a quarter",
         "Low scores routed to the account owner the same day", "Fewer lost clients", 900, 2,
         "essential"),
    ),
    "IE": (
        ("CRM to Accounting", "Manual data transfer", "Automated invoice generation",
         "$2,000/month savings", 5400, 3, "professional"),
        ("Helpdesk to CRM", "Tickets copied by hand each Friday",
         "Two-way ticket sync", "$850/month savings", 2900, 4, "professional"),
        ("E-commerce Orders → ERP", "CSV upload twice a day",
         "Real-time order sync", "$3,400/month savings", 13200, 6, "enterprise"),
        ("Booking System → Calendar", "Double bookings about twice a week",
         "Live availability sync", "+2 hours/week savings", 1700, 2, "essential"),
        ("Payroll ← HR System", "Starters and leavers keyed twice",
         "One record feeds both systems", "$700/month savings", 2900, 3, "professional"),
        ("Bank Feeds → Ledger", "Statements downloaded and imported weekly",
         "Daily bank feed with auto-matching", "+3 hours/week savings", 3600, 2, "professional"),
        ("Web Forms → CRM", "Form e-mails retyped into the CRM",
         "Forms create leads with source tracking", "$1,500/month more closed revenue", 5600, 2,
         "essential"),
        ("Inventory ↔ Shop", "Stock counts updated each evening",
         "Stock levels synced every 5 minutes", "$1,100/month fewer oversold orders", 3100, 4,
         "professional"),
        ("Contracts → E-signature", "Contracts printed, signed, scanned",
         "E-signature with the CRM deal attached", "+2.5 hours/week savings", 3100, 3,
         "professional"),
        ("Support Chat → Knowledge Base", "Answers live in people's heads",
         "Resolved chats suggest articles", "Shorter first-response time", 2000, 5,
         "enterprise"),
    ),
    "AF": (
        ("Predictive Analytics", "Basic reporting", "Forecasting capabilities",
         "15% better decision-making", 2000, 4, "enterprise"),
        ("Custom Dashboards", "Standard reports only",
         "Department dashboards for leadership", "Weekly exec reporting in minutes", 3000, 6,
         "enterprise"),
        ("AI Lead Scoring", "Leads ranked by gut feel",
         "Scoring model on CRM history", "$1,100/month more closed revenue", 4300, 5,
         "professional"),
        ("Document Extraction", "Supplier invoices typed in by hand",
         "Read invoices and receipts automatically", "+7 hours/week savings", 6100, 4,
         "professional"),
        ("Churn Early Warning", "Cancellations noticed after the fact",
         "Risk score on usage and support signals", "$2,500/month revenue kept", 10200, 6,
         "enterprise"),
        ("Smart Routing", "Requests assigned round-robin",
         "Route by skill, load and customer value", "+4 hours/week savings", 4900, 3,
         "professional"),
        ("Demand Forecasting", "Orders placed from last year's numbers",
         "Weekly forecast per product line", "$3,000/month less dead stock", 11200, 8,
         "enterprise"),
        ("Self-service Portal", "Clients e-mail for every status update",
         "Portal with live job status and documents", "+6 hours/week savings", 4900, 6,
         "professional"),
        ("Anomaly Alerts", "Errors found at month end",
         "Alerts on unusual payments and volumes", "$900/month fewer write-offs", 4000, 4,
         "enterprise"),
        ("Meeting Notes to Tasks", "Actions lost after client calls",
         "Transcribed calls create CRM tasks", "+3 hours/week savings", 2900, 3,
         "professional"),
    ),
}  # fmt: skip
_DEMO_CATEGORIES = ("PO", "IE", "AF")

_DEMO_OWNERS = ("Maya Okafor", "Daniel Brooks", "Priya Raman", "Lucas Meyer", "Sofia García")


def create_demo_opportunities(cache: Cache, catalog: Catalog, *, today: date | None = None) -> int:
    """A believable, deterministic set of opportunities for the demo clients, created
    only when the store is empty (a user's own rows are never replaced)."""
    import random

    today = today or clock.today()
    with cache.engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(_T)).scalar_one():
            return 0
    ctx = load_context(cache, catalog)
    clients = sorted(ctx.clients.values(), key=lambda c: c.key)
    if not clients:
        return 0
    rng = random.Random(2026)
    now = datetime.now(UTC)
    created = 0
    with cache.engine.begin() as conn:
        for i in range(max(60, len(clients) * 3 // 2)):
            position = (i * 7) % len(clients) if i >= len(clients) else i
            client = clients[position]
            # Each client its own areas: the category cycles, the entry depends on the client.
            category = _DEMO_CATEGORIES[i % len(_DEMO_CATEGORIES)]
            choices = _DEMO_TEMPLATES[category]
            template = choices[(position * 3 + i // len(clients) * 5) % len(choices)]
            area, current, improvement, benefit, investment, weeks, tier = template
            # Shifted every ten, so every category meets every status.
            status = STATUSES[(i + i // 10) % len(STATUSES)]
            priority = PRIORITIES[(i + i // len(STATUSES)) % len(PRIORITIES)]
            # Open ones are reviewed within two months; every fourth has slipped past it.
            offset = rng.randint(3, 60) if i % 4 else -rng.randint(1, 30)
            if status in ("completed", "declined"):
                offset = -rng.randint(5, 90)
            raw = {
                "client_key": client.key,
                "category": category,
                "area": area,
                "current_state": current,
                "improvement": improvement,
                "benefit": benefit,
                "investment": round(investment * rng.choice((0.8, 1.0, 1.25)), -1),
                "timeline_weeks": weeks,
                "roi_typed": None if parse_benefit_text(benefit) else rng.choice((120, 180, 250)),
                "priority": priority,
                "required_tier": tier,
                "status": status,
                "owner": _DEMO_OWNERS[i % len(_DEMO_OWNERS)],
                "next_review": date.fromordinal(today.toordinal() + offset),
            }
            result = validate(raw, ctx)
            assert result.opportunity is not None, result.errors
            _insert(conn, result.opportunity, who="demo", now=now)
            created += 1
    return created
