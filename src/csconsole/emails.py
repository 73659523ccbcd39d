"""Email drafts for alert responses: the fields a template is filled with, drafts, .eml and mailto
(the templates themselves: :mod:`csconsole.email_templates`).

Templates are Jinja2 files, one per status (``green.txt.j2``, ``yellow.txt.j2``,
``red.txt.j2``). The built-in ones live in ``resources/emails/``; on first use they are
copied to ``templates/`` in the user data folder, and the user's copies are what drafts
use. The first line of a rendered template is ``Subject: …``; the rest is the body.
Rendering is sandboxed and strict: a field that does not exist is an error naming the
field, the file and the line, never a blank in a letter. When a user's template has
such an error the built-in one is used for that draft and the problem is reported with it.

The console never sends mail: a draft is copied, handed to the mail program as a
``mailto:`` link, or saved as an ``.eml`` file marked unsent (``X-Unsent: 1``), which
Outlook opens as a draft and Thunderbird and Apple Mail open as a message to forward.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from email.errors import HeaderParseError
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from csconsole import formatting as fmt
from csconsole import wording
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.email_templates import Templates, template_name
from csconsole.errors import KnownError
from csconsole.health.clients import ClientInfo
from csconsole.health.engine import open_engine
from csconsole.health.evaluation import Evaluation
from csconsole.health.rules import fmt_value
from csconsole.rollup import month_label, parse_month
from csconsole.settings import Settings

if TYPE_CHECKING:  # Jinja2 is imported when the first draft is made, not at start-up
    pass

#: Longest ``mailto:`` URL handed to the mail program. Windows passes URLs to the mail
#: handler through a 2,048-character command line and Outlook cuts longer ones; 1,800
#: leaves room for the handler's own arguments. Longer drafts go out as ``.eml`` files.
MAILTO_LIMIT = 1800


#: What each status's letter is called in a file name.
LETTER_NAMES = {"green": "Thank-you letter", "yellow": "Optimisation call", "red": "Urgent update"}


class MailtoTooLong(KnownError):
    """The draft does not fit in a ``mailto:`` link; it must be saved as ``.eml``."""


@dataclass(frozen=True)
class Draft:
    """A letter ready for the user to edit: recipient, subject and body."""

    to_name: str
    to_address: str
    subject: str
    body: str
    status: str = ""
    client_key: str = ""
    #: Template problems met while rendering it (the built-in template was used instead).
    problems: tuple[str, ...] = ()
    client_name: str = ""

    @property
    def to(self) -> str:
        """The recipient as a mail program shows it: ``Name <address>``."""
        name, address = fmt.one_line(self.to_name), fmt.one_line(self.to_address)
        if name and address:
            return f"{name} <{address}>"
        return address or name

    def edited(self, *, subject: str, body: str) -> Draft:
        return replace(self, subject=subject, body=body)

    def file_name(self) -> str:
        """ "Saffron Hospitality – Urgent update.eml": named for the client, safe anywhere."""
        from csconsole.reports.export import safe_file_name

        what = LETTER_NAMES.get(self.status, "Letter")
        return safe_file_name(f"{self.client_name or self.client_key} – {what}", suffix=".eml")

    def text(self) -> str:
        """The draft as plain text for the clipboard or the terminal."""
        return f"To: {self.to}\nSubject: {fmt.one_line(self.subject)}\n\n{self.body}"


# --- the fields a template is filled with -------------------------------------------


def month_name(month: int) -> str:
    return fmt.month(month)


def _pct(value: float | None) -> str | None:
    return None if value is None else fmt.percent(value, 0)


def _contact(cache: Cache, client: ClientInfo) -> tuple[str, str]:
    with cache.engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT contact_name, contact_email FROM clients WHERE id = ?", (client.id,)
        ).first()
    return (str(row[0] or ""), str(row[1] or "")) if row else ("", "")


def _reason_fields(evaluation: Evaluation) -> list[dict[str, Any]]:
    out = []
    for r in evaluation.reasons:
        kpi = evaluation.kpi(r.metric) if r.metric else None
        unit = kpi.unit if kpi else ""
        incident = r.rule == "incident"
        out.append(
            {
                "text": wording.reason_sentence(r, evaluation),
                "rule": r.rule,
                "status": r.status,
                # an incident is named by its title, never by its internal ID
                "label": wording.said(r.metric, r.label) if not incident else "incident",
                "actual": fmt_value(r.actual, unit, r.metric)
                if r.actual is not None
                else "no data",
                "target": fmt_value(r.target, unit, r.metric) if r.target is not None else "",
            }
        )
    return out


def _highlights(evaluation: Evaluation, limit: int = 3) -> list[str]:
    """Metrics on or above target, best first: what a green letter can celebrate."""
    good = [k for k in evaluation.kpis if k.mark == "met" and k.value is not None]
    good.sort(key=lambda k: -(k.variance or 0.0))
    return [
        f"{wording.title(k.metric, k.label)}: {wording.value_text(k.value, k.unit, k.metric)} (target "
        f"{wording.value_text(k.target, k.unit, k.metric)})"
        for k in good[:limit]
    ]


def key_figures(
    cache: Cache, evaluation: Evaluation, *, client: ClientInfo, month: int, settings: Settings
) -> dict[str, str | None]:
    """Uptime, hours saved and ROI to date, as text (None when not measured)."""
    from csconsole.roi import client_roi

    uptime = evaluation.kpi("uptime")
    figures: dict[str, str | None] = {
        "uptime": fmt_value(uptime.value, uptime.unit, uptime.metric)
        if uptime and uptime.value is not None
        else None,
        "time_saved": None,
        "roi_to_date": None,
        "roi_month": None,
    }
    try:
        roi = client_roi(cache, client=client, month=month, weights=settings.roi_weights or None)
    except KnownError:
        return figures
    if roi.current.hours_saved:
        figures["time_saved"] = f"{fmt.number(roi.current.hours_saved)} hours"
    figures["roi_to_date"] = _pct(roi.current.cumulative_roi)
    figures["roi_month"] = _pct(roi.current.roi)
    return figures


FIGURE_LABELS = {
    "uptime": "System uptime",
    "time_saved": "Time saved this month",
    "roi_to_date": "Return on investment to date",
}


def build_context(
    cache: Cache,
    evaluation: Evaluation,
    *,
    client: ClientInfo,
    month: int,
    status: str,
    settings: Settings,
    due_at: datetime | None = None,
) -> dict[str, Any]:
    """Every field a template may use (resources/emails/README.txt lists them)."""
    contact_name, contact_email = _contact(cache, client)
    figures = key_figures(cache, evaluation, client=client, month=month, settings=settings)
    lines = [f"{label}: {figures[key]}" for key, label in FIGURE_LABELS.items() if figures[key]]
    me_name = settings.csm_name.strip() or client.csm
    return {
        "status": status,
        "month": month_label(month),
        "month_name": month_name(month),
        "month_complete": evaluation.complete,
        "client": {"key": client.key, "name": client.name, "tier": client.tier.capitalize()},
        "contact": {
            "name": contact_name or client.name,
            "first_name": (contact_name.split() or [client.name])[0],
            "email": contact_email,
        },
        "csm": {
            "name": me_name,
            "phone": settings.csm_phone.strip(),
            "calendar_link": settings.csm_calendar_link.strip(),
        },
        "technical_lead": {"name": client.technical_lead},
        "fix_timeline": settings.fix_timeline.strip(),
        "reasons": _reason_fields(evaluation),
        "highlights": _highlights(evaluation),
        "figures": figures,
        "figure_lines": lines,
        "rating": None if evaluation.rating is None else fmt.rating(evaluation.rating),
        "due_at": fmt.moment(due_at.astimezone()) if due_at else "",
    }


# --- drafts -----------------------------------------------------------------------


def draft_for_client(
    cache: Cache,
    catalog: Catalog,
    client: str,
    *,
    status: str | None = None,
    month: str | int | None = None,
    today: date | None = None,
    settings: Settings | None = None,
    templates: Templates | None = None,
    due_at: datetime | None = None,
) -> Draft:
    """The draft for a client (key or name) and month: for its status then, or ``status``."""
    settings = settings or Settings.load()
    engine = open_engine(cache, catalog, today=today)
    info = engine.find_client(client)
    if isinstance(month, str):
        month = parse_month(month)
    month = engine.default_month() if month is None else month
    (evaluation,) = engine.evaluate(month, client=info, record=False)
    status = status or evaluation.status
    template_name(status)  # a clear error for an unknown status
    context = build_context(
        cache,
        evaluation,
        client=info,
        month=month,
        status=status,
        settings=settings,
        due_at=due_at,
    )
    subject, body, problems = (templates or Templates()).render(status, context)
    return Draft(
        to_name=context["contact"]["name"],
        to_address=context["contact"]["email"],
        subject=subject,
        body=body,
        status=status,
        client_key=info.key,
        problems=problems,
        client_name=info.name,
    )


def draft_for_alert(
    cache: Cache,
    catalog: Catalog,
    alert: Any,
    *,
    today: date | None = None,
    settings: Settings | None = None,
    templates: Templates | None = None,
) -> Draft:
    """The draft answering an alert (an :class:`csconsole.alerts.AlertView`)."""
    return draft_for_client(
        cache,
        catalog,
        alert.client_key,
        status=alert.status,
        month=alert.month,
        today=today,
        settings=settings,
        templates=templates,
        due_at=alert.due_at,
    )


# --- leaving the console: .eml and mailto ---------------------------------------


def _address(text: str) -> str:
    """The first word of an address field: nothing after a line break or space survives."""
    words = fmt.one_line(text).split(" ")
    return words[0] if words and "@" in words[0] else ""


class _DraftPolicy(EmailPolicy):
    """The SMTP policy, except that a subject with characters beyond ASCII is written as
    RFC 2047 encoded words by :class:`email.header.Header`, which keeps the spaces inside
    the encoded text. The default folder puts a space between two encoded words, where
    mail programs drop it ("month🎉" for "month 🎉")."""

    def fold(self, name: str, value: Any) -> str:
        if name.lower() == "subject" and not str(value).isascii():
            encoded = Header(str(value), "utf-8", header_name=name).encode(
                linesep=self.linesep, maxlinelen=self.max_line_length or 78
            )
            return f"{name}: {encoded}{self.linesep}"
        return str(super().fold(name, value))

    def fold_binary(self, name: str, value: Any) -> bytes:
        if name.lower() == "subject" and not str(value).isascii():
            return self.fold(name, value).encode("ascii")
        return bytes(super().fold_binary(name, value))


_SMTP = _DraftPolicy(linesep="\r\n")
#: For recipients whose mailbox name is not ASCII (léa@…): headers in UTF-8 (RFC 6532).
_SMTPUTF8 = _SMTP.clone(utf8=True)


def _recipient(name: str, written: str) -> Address:
    local, _at, domain = written.rpartition("@")
    if not local or not domain or any(c in written for c in ' <>,;:"()[]\\'):
        raise ValueError(written)
    if local.isascii():
        return Address(display_name=name, addr_spec=written)
    # Address() refuses a mailbox name beyond ASCII given as addr_spec; as parts it is
    # accepted, and written in UTF-8 under the SMTPUTF8 policy.
    return Address(display_name=name, username=local, domain=domain)


def mail_address(address: str) -> tuple[str, bool]:
    """(address as written, whether it needs UTF-8 headers): the domain goes through
    IDNA (münchen.example → xn--mnchen-3ya.example); a mailbox name beyond ASCII
    (léa@…) cannot be encoded and needs SMTPUTF8."""
    local, _at, domain = address.rpartition("@")
    try:
        ascii_domain = domain.encode("idna").decode("ascii") if domain else ""
    except UnicodeError:
        return address, True
    if local.isascii():
        return f"{local}@{ascii_domain}", False
    return f"{local}@{ascii_domain}", True


def recipient_problem(draft: Draft) -> str | None:
    """Why the draft's .eml would have no recipient (None when it has one, or when the
    draft has no address at all): the console and the command line say it out loud."""
    typed = fmt.one_line(draft.to_address)
    if not typed:
        return None
    address = _address(typed)
    if address:
        written, utf8 = mail_address(address)
        try:
            msg = EmailMessage(policy=_SMTPUTF8 if utf8 else _SMTP)
            msg["To"] = _recipient(fmt.one_line(draft.to_name), written)
            msg.as_bytes()
        except (ValueError, IndexError, UnicodeError, HeaderParseError):
            pass
        else:
            return None
    return (
        f"the address {typed!r} cannot be written as a recipient; the .eml has no To "
        "line: fill it in in your mail program"
    )


def to_message(draft: Draft, *, now: datetime | None = None) -> EmailMessage:
    """The draft as a MIME message marked unsent. Header values are single lines: a
    line break in a name or subject becomes a space and cannot start a new header. An
    address beyond ASCII keeps its To line: its domain in IDNA, or the whole message with
    UTF-8 headers when the mailbox name needs it."""
    name, address = fmt.one_line(draft.to_name), _address(draft.to_address)
    written, utf8 = mail_address(address) if address else ("", False)
    msg = EmailMessage(policy=_SMTPUTF8 if utf8 else _SMTP)
    if address and recipient_problem(draft) is None:
        msg["To"] = _recipient(name, written)
    msg["Subject"] = fmt.one_line(draft.subject)
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain="csconsole.invalid")
    msg["X-Unsent"] = "1"
    body = draft.body.replace("\r\n", "\n").replace("\r", "\n")
    msg.set_content(body, charset="utf-8", cte="quoted-printable")
    return msg


def eml_bytes(draft: Draft, *, now: datetime | None = None) -> bytes:
    return to_message(draft, now=now).as_bytes()


def write_eml(draft: Draft, path: Path, *, now: datetime | None = None) -> Path:
    """Save the draft as an ``.eml`` file that mail programs open."""
    try:
        path.write_bytes(eml_bytes(draft, now=now))
    except OSError as exc:
        raise KnownError(f"cannot save the draft to {path}: {exc.strerror}") from None
    return path


def mailto_url(draft: Draft, *, limit: int = MAILTO_LIMIT) -> str:
    """A percent-encoded ``mailto:`` link with subject and body; :class:`MailtoTooLong`
    when it would exceed ``limit`` characters (save an ``.eml`` instead)."""
    address = _address(draft.to_address)
    body = draft.body.replace("\r\n", "\n").replace("\n", "\r\n")
    url = (
        "mailto:"
        + quote(address, safe="@")
        + "?subject="
        + quote(fmt.one_line(draft.subject), safe="")
        + "&body="
        + quote(body, safe="")
    )
    if len(url) > limit:
        raise MailtoTooLong(
            f"this draft is too long for the mail program's link ({len(url):,} characters; "
            f"at most {limit:,} pass safely); save it as an .eml file and open that instead"
        )
    return url


__all__ = [
    "MAILTO_LIMIT",
    "Draft",
    "MailtoTooLong",
    "build_context",
    "draft_for_alert",
    "draft_for_client",
    "mailto_url",
    "recipient_problem",
    "to_message",
    "write_eml",
]
