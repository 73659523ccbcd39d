"""What a client reads about their figures: the engine's reasons, wins and incidents put
into sentences a careful CSM would write.

The engine's own texts (``Reason.text``) are for the console and the logs; they name
incidents by ID and read like checks. Letters and reports take their sentences from
here instead: metrics are named as a person says them (the catalog's ``spoken`` form),
incidents by their title and date, never by an internal ID, and every figure goes
through :mod:`csconsole.formatting` at its metric's precision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from csconsole import formatting as fmt
from csconsole.catalog import lowercase_first
from csconsole.health.evaluation import Evaluation
from csconsole.health.rules import IncidentInput, Kpi, Reason

#: Characters that open or close a quotation, stripped from typed quotes before the
#: report adds its own (so a quote typed with quotes prints with one pair, not two).
QUOTES = "\"'“”„‟‘’‚‛«»‹›「」『』"


def said(metric: str | None, label: str) -> str:
    """A metric's name inside a sentence: the catalog's spoken form, else the label."""
    if metric:
        from csconsole.catalog import default_catalog

        entry = default_catalog().metrics.get(metric)
        if entry is not None:
            return entry.said
    return lowercase_first(label)


def title(metric: str | None, label: str) -> str:
    """A metric's spoken name at the start of a line: "Median lead response time"."""
    name = said(metric, label)
    return name[:1].upper() + name[1:]


def sentence(text: str) -> str:
    """``text`` with a capital first letter and a full stop."""
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def unquote(text: str) -> str:
    """Typed text without the quotation marks around it: '"Orders stopped"' → Orders stopped."""
    text = text.strip()
    while len(text) >= 2 and text[0] in QUOTES and text[-1] in QUOTES:
        text = text[1:-1].strip()
    return text


@dataclass(frozen=True)
class IncidentFact:
    """An incident as a client may read it: no internal ID."""

    title: str
    severity: str
    opened_at: datetime
    resolved_at: datetime | None = None


def incident_fact(incident: IncidentInput) -> IncidentFact:
    opened = datetime.fromisoformat(incident.opened_at.replace("Z", "+00:00"))
    return IncidentFact(incident.title, incident.severity, opened)


def incident_title(title: str) -> str:
    return title.strip() or "A service problem"


def incident_phrase(incident: IncidentFact) -> str:
    """ "Order intake automation stopped (since November 20; not yet resolved)"."""
    when = fmt.day_in_text(incident.opened_at)
    if incident.resolved_at is None:
        return f"{incident_title(incident.title)} (since {when}; not yet resolved)"
    return f"{incident_title(incident.title)} ({when}; resolved {fmt.day_in_text(incident.resolved_at)})"


def _incident_of(reason: Reason, evaluation: Evaluation) -> IncidentFact | None:
    for incident in evaluation.incidents:
        ref = getattr(reason, "ref", None)
        if incident.key in (ref, reason.label, reason.metric) or (
            ref is None and reason.label == incident.title
        ):
            return incident_fact(incident)
    return None


def _unit(evaluation: Evaluation, metric: str | None) -> str:
    kpi = evaluation.kpi(metric) if metric else None
    return kpi.unit if kpi else ""


def value_text(value: float | None, unit: str, metric: str | None = None) -> str:
    """A figure inside a sentence: as :func:`csconsole.formatting.figure`, but hours per
    week read as words ("6.8 hours a week")."""
    return _value(value, unit, metric)


def _value(value: float | None, unit: str, metric: str | None) -> str:
    if unit == "h/week" and value is not None:  # "6.8 hours a week" reads; "h/week" is a column
        return f"{fmt.number(value, fmt.decimals_for(unit, metric))} hours a week"
    return fmt.figure(value, unit, metric=metric)


def _clause(rule: str, reason: Reason, evaluation: Evaluation, unit: str) -> str:
    """One broken rule of a metric as a clause: "12.4% below the target of 99.5%",
    "below the 7.0/10 minimum", "not above the 99.00% we aim for"."""
    metric = reason.metric
    kpi = evaluation.kpi(metric) if metric else None
    if rule == "shortfall":
        target = reason.target if reason.rule == "shortfall" else (kpi.target if kpi else None)
        short = reason.shortfall if reason.shortfall is not None else (kpi and kpi.shortfall)
        if target is None:
            return ""
        worse = "above" if kpi is not None and kpi.direction == "lower" else "below"
        by = f"{fmt.percent(abs(short), 1)} " if short else ""
        return f"{by}{worse} the target of {_value(target, unit, metric)}"
    if rule in ("satisfaction", "uptime") and reason.actual is not None:
        red = evaluation.bands.get(f"{rule}_red")
        yellow = evaluation.bands.get(f"{rule}_yellow")
        if red is not None and reason.actual < float(red):
            return f"below the {_value(float(red), unit, metric)} minimum"
        if yellow is not None:
            return f"not above the {_value(float(yellow), unit, metric)} we aim for"
        if reason.target is not None:
            return f"below {_value(reason.target, unit, metric)}"
    return ""


def reason_sentence(reason: Reason, evaluation: Evaluation) -> str:
    """Why the status is not green, in one sentence a client can read: every rule the
    metric broke (one reason per metric), an incident by its title and date."""
    metric = reason.metric
    unit = _unit(evaluation, metric)
    name = said(metric, reason.label)
    actual = _value(reason.actual, unit, metric)
    if reason.rule == "incident":
        incident = _incident_of(reason, evaluation)
        if incident is None:
            return sentence("A service problem is open and not yet resolved")
        return sentence(incident_phrase(incident))
    if reason.rule == "no_data":
        return sentence(
            f"No {name} figures have reached us for {fmt.month_only(_month(evaluation))} yet"
        )
    rules = [reason.rule] + [r for r in (getattr(reason, "rules", ()) or ()) if r != reason.rule]
    clauses = [c for c in (_clause(r, reason, evaluation, unit) for r in rules) if c]
    if not clauses:
        target = _value(reason.target, unit, metric)
        return sentence(f"{name} was {actual} against a target of {target}")
    return sentence(f"{name} was {actual}, " + join_names(clauses))


def reason_sentences(evaluation: Evaluation) -> list[str]:
    return [reason_sentence(r, evaluation) for r in evaluation.reasons]


def no_reason_sentence(evaluation: Evaluation) -> str:
    """Why a client with no reason is green, without flattering: a figure below its target
    inside the green band is said to be within tolerance, not on target."""
    close = sum(1 for k in evaluation.kpis if k.mark == "tolerance")
    if not close:
        return "Every targeted figure is on target and no incident is open."
    which = "one is" if close == 1 else f"{close} are"
    return (
        "Every targeted figure is on target or within tolerance of it "
        f"({which} slightly below target), and no incident is open."
    )


def _month(evaluation: Evaluation) -> int:
    year, month = evaluation.month.split("-")
    return int(year) * 12 + int(month) - 1


def focus_sentence(reason: Reason, evaluation: Evaluation) -> str:
    """Next month's primary focus, written from the first reason for the status."""
    metric = reason.metric
    unit = _unit(evaluation, metric)
    name = said(metric, reason.label)
    month_word = fmt.month_only(_month(evaluation))
    actual = _value(reason.actual, unit, metric)
    if reason.rule == "incident":
        incident = _incident_of(reason, evaluation)
        title = incident_title(incident.title) if incident else "the open service problem"
        return sentence(
            f"Resolve “{title}” for good and put safeguards in place so it cannot recur"
        )
    if reason.rule == "no_data":
        return sentence(f"Restore the {name} figures so that next month's review can report them")
    if reason.rule in ("satisfaction", "uptime"):
        edge = evaluation.bands.get(f"{reason.rule}_yellow", reason.target)
        return sentence(
            f"Lift {name} above {_value(edge, unit, metric)} (it was {actual} in {month_word})"
        )
    target = _value(reason.target, unit, metric)
    return sentence(
        f"Bring {name} back to its target of {target} (it was {actual} in {month_word})"
    )


def win_line(kpi: Kpi) -> str:
    """A metric above target, as one line of the wins: value, target and by how much."""
    by = fmt.percent(abs(kpi.variance or 0.0), 1)
    return (
        f"{title(kpi.metric, kpi.label)}: {_value(kpi.value, kpi.unit, kpi.metric)} against a target of "
        f"{_value(kpi.target, kpi.unit, kpi.metric)} ({by} better)"
    )


def achievement_sentence(kpi: Kpi, evaluation: Evaluation) -> str:
    """The month's key achievement as a sentence."""
    by = fmt.percent(abs(kpi.variance or 0.0), 1)
    month_word = fmt.month_only(_month(evaluation))
    return sentence(
        f"{said(kpi.metric, kpi.label)} was {_value(kpi.value, kpi.unit, kpi.metric)} in "
        f"{month_word}, {by} better than its target of {_value(kpi.target, kpi.unit, kpi.metric)}"
    )


def join_names(names: Iterable[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    items = [n for n in names if n]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


__all__ = [
    "IncidentFact",
    "achievement_sentence",
    "focus_sentence",
    "incident_fact",
    "incident_phrase",
    "join_names",
    "reason_sentence",
    "reason_sentences",
    "said",
    "sentence",
    "title",
    "unquote",
    "value_text",
    "win_line",
]
