"""What reaches a client: figures, wording, letters, .eml files, PDFs and file names.

Golden-text checks run on three demo clients (one green, one yellow, one red) for the
month to date, with the letters rendered from the built-in templates and the PDFs read
back with pdftotext.
"""

from __future__ import annotations

import email
import random
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from email import policy
from pathlib import Path

import pytest

from csconsole import formatting as fmt
from csconsole import wording
from csconsole.cache import Cache
from csconsole.catalog import Catalog, load_catalog
from csconsole.email_templates import Templates, builtin_templates_dir
from csconsole.emails import (
    MAILTO_LIMIT,
    Draft,
    draft_for_client,
    eml_bytes,
    mailto_url,
    recipient_problem,
)
from csconsole.health.engine import HealthEngine
from csconsole.health.evaluation import Evaluation
from csconsole.reports.charts import MIN_LABEL_SIZE, fit_text, trend_panels
from csconsole.reports.export import (
    export_all,
    export_one,
    file_name,
    safe_file_name,
    unique_name,
)
from csconsole.reports.fonts import REGULAR, clean, printable, register_fonts
from csconsole.reports.review import ReviewReport
from csconsole.review_facts import TrendSeries, gather_facts
from csconsole.reviews import ActionItem, Review, left_out, load_review, prefill, save_review
from csconsole.rollup import parse_month
from csconsole.settings import Settings
from tests.helpers import TODAY

MONTH = parse_month("2026-11")
#: Internal identifiers that must never reach a client: incident keys and client keys.
INTERNAL_ID = re.compile(r"\bCL-\d{3}\b|\bINC-|\b(?:PO|IE|AF)-\d{3}\b")
#: A month written as a machine writes it.
ISO_MONTH = re.compile(r"\b20\d\d-\d\d\b")
#: What an empty section used to print.
PLACEHOLDER = re.compile(r"\bNo [a-z ]+ recorded\b|\bNot set\b|No risk identified")
ME = Settings(
    csm_name="Zoë Lefèvre",
    csm_phone="+44 20 7946 0000",
    csm_calendar_link="https://cal.example/zoe",
)
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed"
)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    fmt.set_locale("en")
    yield
    fmt.set_locale(None)


def one_per_status(cache: Cache, catalog: Catalog) -> dict[str, Evaluation]:
    engine = HealthEngine(cache, catalog, today=TODAY)
    found: dict[str, Evaluation] = {}
    for ev in engine.evaluate(MONTH, record=False):
        found.setdefault(ev.status, ev)
        if ev.status == "red" and any(r.rule == "incident" for r in ev.reasons):
            found["red"] = ev  # the red client with an open critical incident
    assert set(found) == {"green", "yellow", "red"}
    return found


def pdf_text(path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def builtin() -> Templates:
    return Templates(user_folder=builtin_templates_dir())


# --- the formatting module ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: fmt.percent(0.99756, 2), "99.76%"),
        (lambda: fmt.percent(99.75, 1, points=True), "99.8%"),  # half up, not half even
        (lambda: fmt.percent(-0.0004, 1), "0.0%"),  # never "-0.0%"
        (lambda: fmt.signed_percent(0.032), "+3.2%"),
        (lambda: fmt.signed_percent(-0.015), "−1.5%"),
        (lambda: fmt.signed_percent(0.0), "±0.0%"),
        (lambda: fmt.hours(6.6), "6.6 h"),
        (lambda: fmt.hours(6.83), "6.8 h"),
        (lambda: fmt.money(12345.5), "$12,346"),  # no cents at or above $1,000
        (lambda: fmt.money(999.5), "$999.50"),
        (lambda: fmt.money(120.0), "$120"),
        (lambda: fmt.money(1_000_000), "$1,000,000"),
        (lambda: fmt.rating(9), "9.0/10"),
        (lambda: fmt.rating(9.07), "9.1/10"),
        (lambda: fmt.month(MONTH), "November 2026"),
        (lambda: fmt.month_short(MONTH), "Nov 2026"),
        (lambda: fmt.quarter(MONTH), "Q4 2026"),
        (lambda: fmt.day(date(2026, 11, 14)), "Nov 14, 2026"),
        (lambda: fmt.day_in_text(date(2026, 11, 14)), "November 14"),
        (lambda: fmt.duration(timedelta(hours=3)), "3 hours"),
        (lambda: fmt.duration(50), "2 days"),
        (lambda: fmt.number(12345.678, 1), "12,345.7"),
    ],
)
def test_formatting_table(call: Callable[[], str], expected: str) -> None:
    assert call() == expected


@pytest.mark.parametrize(
    ("metric", "unit", "values", "expected"),
    [
        ("uptime", "%", (99.7, 99.756), ("99.70%", "99.76%")),  # one precision per metric
        ("user_adoption", "%", (93.0, 93.56), ("93.0%", "93.6%")),
        ("time_saved", "h/week", (6.6, 6.83), ("6.6 h/week", "6.8 h/week")),
        ("satisfaction", "/10", (9, 9.07), ("9.0/10", "9.1/10")),
        ("response_time_median", "s", (34.86, 35), ("35 s", "35 s")),
        ("revenue_direct", "$", (3232.4, 12.5), ("$3,232", "$12.50")),
    ],
)
def test_each_metric_keeps_its_catalog_precision(
    metric: str, unit: str, values: tuple[float, float], expected: tuple[str, str]
) -> None:
    assert tuple(fmt.figure(v, unit, metric=metric) for v in values) == expected


def test_the_locale_from_settings_is_babels(isolated_home: Path) -> None:
    Settings(locale="de").save()
    fmt.set_locale(None)  # back to Settings
    assert fmt.figure(99.756, "%", metric="uptime") == "99,76\xa0%"  # Babel's spacing
    assert fmt.money(12345.4) == "12.345\xa0$"
    assert fmt.day(date(2026, 11, 14)) == "14.11.2026"
    fmt.set_locale("en_GB")
    assert fmt.day_in_text(date(2026, 11, 14)) == "14 November"


def test_catalog_decimals_are_checked(tmp_path: Path) -> None:
    from csconsole.errors import ResourceError

    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "kpi.toml").write_text(
        '[[metric]]\nkey = "k"\nlabel = "K"\nunit = "%"\ndirection = "higher"\n'
        'aggregate = "mean"\ntier = "essential"\ngroup = "g"\ndecimals = 9\n',
        encoding="utf-8",
    )
    with pytest.raises(ResourceError, match=r"kpi\.toml: metric 'k': decimals must be 0 to 4"):
        load_catalog([extra])


# --- wording -----------------------------------------------------------------------------


def test_reasons_name_incidents_by_title_and_date(synced_cache: Cache, catalog: Catalog) -> None:
    red = one_per_status(synced_cache, catalog)["red"]
    incident = next(r for r in red.reasons if r.rule == "incident")
    text = wording.reason_sentence(incident, red)
    (opened,) = [i for i in red.incidents if i.key == incident.ref]
    assert opened.title in text
    assert fmt.day_in_text(datetime.fromisoformat(opened.opened_at)) in text
    assert not INTERNAL_ID.search(text)
    focus = wording.focus_sentence(incident, red)
    assert opened.title in focus and not INTERNAL_ID.search(focus) and focus.endswith(".")


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ('"Orders stopped for a day."', "Orders stopped for a day."),
        ("“Orders stopped.”", "Orders stopped."),
        ("'Great work'", "Great work"),
        ("  «Très bien»  ", "Très bien"),
        ('He said "wow" twice', 'He said "wow" twice'),
        ("", ""),
    ],
)
def test_typed_quotes_are_printed_once(typed: str, printed: str) -> None:
    assert wording.unquote(typed) == printed


@pytest.mark.parametrize(
    ("status", "satisfaction", "referral"),
    [
        ("red", 9.5, "Not now"),
        ("red", None, "Not now"),
        ("yellow", 9.5, "Medium"),
        ("yellow", 7.5, "Low"),
        ("green", 9.0, "High"),
        ("green", 8.0, "Medium"),
        ("green", None, ""),
    ],
)
def test_referral_potential_follows_the_status(
    status: str, satisfaction: float | None, referral: str
) -> None:
    from csconsole.reviews import referral_potential

    assert referral_potential(status, satisfaction) == referral


# --- letters -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["green", "yellow", "red"])
def test_letter_golden_text(synced_cache: Cache, catalog: Catalog, status: str) -> None:
    ev = one_per_status(synced_cache, catalog)[status]
    draft = draft_for_client(
        synced_cache, catalog, ev.client_key, today=TODAY, settings=ME, templates=builtin()
    )
    text = draft.text()
    assert not INTERNAL_ID.search(text), text
    assert not ISO_MONTH.search(text), text
    assert "November 2026" in text or status == "red"
    for reason in ev.reasons:
        assert wording.reason_sentence(reason, ev) in draft.body
    assert "h/week" not in "\n".join(wording.reason_sentences(ev))
    # figures as the formatting module writes them: no "99.7 %" beside "99.76 %"
    assert not re.search(r"\d %", text)
    assert len(mailto_url(draft)) <= MAILTO_LIMIT


@pytest.mark.slow
def test_every_builtin_letter_from_every_demo_client_fits_a_mail_link(
    synced_cache: Cache, catalog: Catalog
) -> None:
    engine = HealthEngine(synced_cache, catalog, today=TODAY)
    longest = 0
    for client in engine.clients():
        for status in ("green", "yellow", "red"):
            draft = draft_for_client(
                synced_cache,
                catalog,
                client.key,
                status=status,
                today=TODAY,
                settings=ME,
                templates=builtin(),
            )
            longest = max(longest, len(mailto_url(draft)))  # MailtoTooLong would fail here
    assert longest <= MAILTO_LIMIT


# --- .eml ----------------------------------------------------------------------------------


def parse_eml(data: bytes) -> email.message.EmailMessage:
    # UTF-8 headers (SMTPUTF8) are read as text, as mail programs read them
    return email.message_from_string(data.decode("utf-8"), policy=policy.default)


def test_every_demo_contact_keeps_its_recipient(synced_cache: Cache, catalog: Catalog) -> None:
    with synced_cache.engine.connect() as conn:
        contacts = conn.exec_driver_sql("SELECT contact_name, contact_email FROM clients").all()
    non_ascii = [c for c in contacts if not c[1].isascii()]
    assert len(non_ascii) >= 5  # léa@…, renée@…
    for name, address in contacts:
        draft = Draft(name, address, "Subject", "Body\n")
        assert recipient_problem(draft) is None
        msg = parse_eml(eml_bytes(draft))
        (written,) = msg["To"].addresses
        assert written.addr_spec == address and written.display_name == name


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("léa@atlasfreight.example", "léa@atlasfreight.example"),
        ("a@münchen.example", "a@xn--mnchen-3ya.example"),
        ("renée@müller.example", "renée@xn--mller-kva.example"),
        ("plain@example.com", "plain@example.com"),
    ],
)
def test_international_addresses_round_trip(typed: str, expected: str) -> None:
    msg = parse_eml(eml_bytes(Draft("Zoë O'Brien", typed, "Hello", "Body\n")))
    (address,) = msg["To"].addresses
    assert address.addr_spec == expected and address.display_name == "Zoë O'Brien"


@pytest.mark.parametrize("typed", ["not an address", "a@b@c", 'a"b@x.example'])
def test_an_unwritable_address_is_said_not_dropped(
    typed: str, synced_cache: Cache, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    draft = Draft("Zoë", typed, "Hello", "Body\n")
    problem = recipient_problem(draft)
    assert problem and typed in problem
    assert parse_eml(eml_bytes(draft))["To"] is None


def test_cli_says_when_the_recipient_cannot_be_written(
    synced_cache: Cache, catalog: Catalog, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from csconsole.cli import main

    ev = one_per_status(synced_cache, catalog)["red"]
    with synced_cache.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE clients SET contact_email = 'nobody at all' WHERE key = ?", (ev.client_key,)
        )
    target = tmp_path / "out.eml"
    code = main(
        [
            "email",
            "--client",
            ev.client_key,
            "--out",
            str(target),
            "--cache",
            str(synced_cache.path),
        ]
    )
    err = capsys.readouterr().err
    assert code == 0 and "warning:" in err and "nobody" in err and "no To line" in err


SUBJECT_WORDS = ["Renée", "🎉", "👍🏽", "naïve", "month", "to", "Ålesund", "—", "🇫🇷", "👩‍💻", "ROI"]


@pytest.mark.slow
def test_subjects_with_emoji_and_accents_survive_folding() -> None:
    rng = random.Random(13)
    for n in range(400):
        subject = " ".join(rng.choice(SUBJECT_WORDS) for _ in range(rng.randint(1, 40)))
        address = "léa@x.example" if n % 2 else "a@x.example"
        data = eml_bytes(Draft("A", address, subject, "x\n"))
        assert all(len(line) <= 998 for line in data.split(b"\r\n"))
        assert str(parse_eml(data)["Subject"]) == subject


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        ("Zoë\r\nBcc: evil@example.com", "Hello\r\nBcc: evil@example.com"),
        ("Line\nbreak", "Two\rlines"),
    ],
)
def test_line_breaks_in_names_and_subjects_cannot_add_headers(name: str, subject: str) -> None:
    msg = parse_eml(eml_bytes(Draft(name, "a@example.com", subject, "x\n")))
    assert msg["Bcc"] is None
    assert "\n" not in str(msg["Subject"]) and "\r" not in str(msg["Subject"])
    (address,) = msg["To"].addresses
    assert address.addr_spec == "a@example.com" and "\n" not in address.display_name


# --- PDFs ----------------------------------------------------------------------------------


@needs_poppler
@pytest.mark.parametrize("status", ["green", "yellow", "red"])
def test_review_golden_text(
    synced_cache: Cache, catalog: Catalog, tmp_path: Path, status: str
) -> None:
    from csconsole.opportunities.demo import create_demo_opportunities

    create_demo_opportunities(synced_cache, catalog, today=TODAY)
    ev = one_per_status(synced_cache, catalog)[status]
    facts = gather_facts(synced_cache, catalog, client=ev.client_key, month=MONTH)
    review = load_review(synced_cache, facts)
    review.sections["client_quote"] = '"Orders stopped for a day — then 👍🏽 all good."'
    save_review(synced_cache, review, who="test")
    path = export_one(
        synced_cache, catalog, client=ev.client_key, month=MONTH, kind="review",
        path=tmp_path / "r.pdf",
    )  # fmt: skip
    text = pdf_text(path)
    one = flat(text)
    assert not INTERNAL_ID.search(text), INTERNAL_ID.search(text)
    assert not ISO_MONTH.search(text)
    assert not PLACEHOLDER.search(text)
    assert "November 2026" in text
    assert "prevention plan:" not in text
    # the quote prints once, in one pair of quotation marks, the skin tone dropped cleanly
    assert "“Orders stopped for a day — then 👍 all good.”" in one
    assert '""' not in text and '“"' not in text and "🏽" not in text
    # executive summary lines agree with the status and the open opportunities
    readiness = re.search(r"Expansion readiness\s+(\w+)", text)
    referral = re.search(r"Referral potential\s+([\w ]+?)\n", text)
    assert readiness is not None
    if status == "red":
        assert readiness.group(1) == "No"
        assert referral is not None and referral.group(1).strip() == "Not now"
    if readiness.group(1) == "Yes":
        assert "Expansion opportunities" in text
    key = re.search(r"Key achievement\s+(.+?)\n(?:\S)", text, re.S)
    assert key is None or flat(key.group(1)).strip().endswith(".")
    for reason in ev.reasons:
        assert flat(wording.reason_sentence(reason, ev)) in one
    if status == "red":
        for incident in facts.incidents:
            assert incident.title in text  # the technical table wraps words, not IDs


@needs_poppler
def test_an_empty_review_leaves_sections_out(
    synced_cache: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    ev = one_per_status(synced_cache, catalog)["green"]
    facts = gather_facts(synced_cache, catalog, client=ev.client_key, month=MONTH)
    empty = Review(facts.client.key, facts.month, sections={}, actions=[], requests=[])
    path = tmp_path / "empty.pdf"
    ReviewReport(facts, empty, today=TODAY).render(path)
    text = pdf_text(path)
    for heading in (
        "Client feedback",
        "Strategic recommendations",
        "Action items",
        "Detailed performance analysis",
        "Key achievement",
        "Communication log",
    ):
        assert heading not in text
    assert not PLACEHOLDER.search(text)
    assert "Executive summary" in text and "Why this status" in text
    parts = left_out(empty, facts)
    assert {"Client feedback", "Action items", "Feature requests", "Key achievement"} <= set(parts)
    # a typed action item brings its section back
    empty.actions = [ActionItem("Call the finance team", "Zoë", date(2026, 12, 3))]
    ReviewReport(facts, empty, today=TODAY).render(path)
    assert "Action items" in pdf_text(path) and "Action items" not in left_out(empty, facts)


@needs_poppler
@pytest.mark.parametrize("status", ["green", "yellow", "red"])
def test_roi_report_golden_text(
    synced_cache: Cache, catalog: Catalog, tmp_path: Path, status: str
) -> None:
    ev = one_per_status(synced_cache, catalog)[status]
    path = export_one(
        synced_cache, catalog, client=ev.client_key, month=MONTH, kind="roi",
        path=tmp_path / "roi.pdf",
    )  # fmt: skip
    text = pdf_text(path)
    assert not INTERNAL_ID.search(text) and not ISO_MONTH.search(text)
    assert not PLACEHOLDER.search(text)
    assert "November 2026" in text and "Nov 2026" in text
    assert not re.search(r"\d %", text)  # percentages as the formatting module writes them


@pytest.mark.parametrize(
    "text",
    [
        "👍🏽 thumbs",
        "👩‍💻 at work",
        "🇫🇷 🇯🇵 flags",
        "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
        "1️⃣ ❤️",
        "中文 Zoë",
    ],
)
def test_emoji_sequences_print_without_empty_boxes(text: str) -> None:
    register_fonts()
    printed = clean(text)
    assert printed.strip()
    assert all(printable(c) for c in printed)
    assert not any(0x1F3FB <= ord(c) <= 0x1F3FF or ord(c) in (0x200D, 0xFE0F) for c in printed)


def test_flags_print_as_their_region_letters_and_keycaps_as_their_digit() -> None:
    assert clean("🇫🇷 and 🇯🇵") == "FR and JP"
    assert clean("1️⃣ 👍🏽") == "1 👍"


@pytest.mark.parametrize("length", [1, 10, 25, 40, 60, 90, 120, 200])
def test_chart_titles_fit_at_every_label_length(length: int) -> None:
    from reportlab.graphics.shapes import String
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from csconsole.reports.branding import load_branding

    register_fonts()
    label = ("Lead response time, 95th percentile " * 10)[:length].strip() or "X"
    text, size = fit_text(label, 100, font=REGULAR, size=8)
    assert stringWidth(text, REGULAR, size) <= 100 and size >= MIN_LABEL_SIZE
    width = 480.0
    series = [
        TrendSeries(f"m{i}", label, "%", ("2026-09", "2026-10", "2026-11"),
                    (99.1, 98.7, 99.9), 99.5, "higher")
        for i in range(4)
    ]  # fmt: skip
    drawing = trend_panels(series, width=width, branding=load_branding())
    panel = (width - 8 * 3) / 4
    for group in drawing.contents:
        for item in group.contents:
            if isinstance(item, String) and item.y > 100:  # the title line
                w = stringWidth(item.text, item.fontName, item.fontSize)
                assert item.x >= 0 and item.x + w <= panel + 0.01


# --- file names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Atlas Freight – Review November 2026", "Atlas Freight – Review November 2026.pdf"),
        ('A/B: "C"? <D>|E*', "A B C D E.pdf"),
        ("Trailing dots...", "Trailing dots.pdf"),
        ("  spaced  out  ", "spaced out.pdf"),
        ("CON", "CON_.pdf"),
        ("lpt1", "lpt1_.pdf"),
        ("nul.txt", "nul.txt_.pdf"),
        ("Tab\there\nnewline", "Tab here newline.pdf"),
        ("...", "report.pdf"),
        ("", "report.pdf"),
        ("Ålesund Seafood AS", "Ålesund Seafood AS.pdf"),
    ],
)
def test_file_name_safety(name: str, expected: str) -> None:
    assert safe_file_name(name, suffix=".pdf") == expected


def test_long_names_stay_within_the_limit() -> None:
    name = safe_file_name("Ålesund " * 100, suffix=".pdf")
    assert len(name.encode("utf-8")) <= 240 and name.endswith(".pdf")
    assert not name[:-4].endswith((" ", "."))


def test_report_file_names_use_the_client_name_and_month() -> None:
    assert file_name("Delta Print & Pack", MONTH, "review") == (
        "Delta Print & Pack – Review November 2026.pdf"
    )
    assert file_name("Delta Print & Pack", "2026-11", "roi") == (
        "Delta Print & Pack – ROI report November 2026.pdf"
    )
    assert file_name("Zephyr Energy", MONTH, "qbr") == "Zephyr Energy – QBR Q4 2026.pdf"


def test_letters_are_named_for_the_client(synced_cache: Cache, catalog: Catalog) -> None:
    ev = one_per_status(synced_cache, catalog)["red"]
    draft = draft_for_client(synced_cache, catalog, ev.client_key, today=TODAY, templates=builtin())
    assert draft.file_name() == f"{ev.client_name} – Urgent update.eml"
    assert Draft("A", "a@x.example", "S", "B", "green", client_name="A/B").file_name() == (
        "A B – Thank-you letter.eml"
    )


def test_names_are_unique_within_a_folder() -> None:
    taken: set[str] = set()
    names = [unique_name(n, taken) for n in ("A.pdf", "a.pdf", "A.pdf", "B.pdf")]
    assert names == ["A.pdf", "a (2).pdf", "A (3).pdf", "B.pdf"]


def test_batch_export_names_files_by_client(
    synced_cache: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    engine = HealthEngine(synced_cache, catalog, today=TODAY)
    clients = [c for c in engine.clients()][:3]
    with synced_cache.engine.begin() as conn:  # two clients with one name
        conn.exec_driver_sql(
            "UPDATE clients SET name = ? WHERE key = ?", (clients[0].name, clients[1].key)
        )
    result = export_all(
        synced_cache, catalog, month=MONTH, folder=tmp_path,
        clients=[c.key for c in clients], kinds=("review",),
    )  # fmt: skip
    names = sorted(p.name for p in result.written)
    assert len(set(n.casefold() for n in names)) == 3
    assert f"{clients[0].name} – Review November 2026.pdf" in names
    assert f"{clients[0].name} – Review November 2026 (2).pdf" in names
    assert not any(INTERNAL_ID.search(n) for n in names)


# --- opportunity exports ---------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_opportunity_exports_use_labels_with_codes_beside_them(
    synced_cache: Cache, catalog: Catalog, tmp_path: Path, suffix: str
) -> None:
    import csv

    import openpyxl

    from csconsole.opportunities.context import load_context
    from csconsole.opportunities.demo import create_demo_opportunities
    from csconsole.opportunities.files import export_rows, import_file
    from csconsole.opportunities.store import list_opportunities

    create_demo_opportunities(synced_cache, catalog, today=TODAY)
    ctx = load_context(synced_cache, catalog)
    rows = list_opportunities(synced_cache, ctx)
    path = tmp_path / f"opps{suffix}"
    export_rows(rows, path)
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            table = list(csv.reader(fh))
    else:
        table = [
            ["" if v is None else str(v) for v in r]
            for r in openpyxl.load_workbook(path).active.iter_rows(values_only=True)
        ]
    header, body = table[0], table[1:]
    col = {h: i for i, h in enumerate(header)}
    for title in ("Client key", "Category code", "Priority code", "Status code"):
        assert col[title] == col[title.replace(" key", "").replace(" code", "")] + 1
    by_id = {r[col["ID"]]: r for r in body}
    for opp in rows:
        line = by_id[opp.id]
        assert line[col["Client"]] == opp.client_name and line[col["Client key"]] == opp.client_key
        assert line[col["Category"]] == ctx.categories[opp.category].label
        assert line[col["Category code"]] == opp.category
        assert line[col["Priority"]] == opp.priority.capitalize()
        assert line[col["Required package"]] == catalog.tiers[opp.required_tier].label
        assert line[col["Status"]] == opp.status.capitalize()
    assert {r[col["Category"]] for r in body} >= {"Advanced feature", "Process optimisation"}
    # and it imports back as it was: the code columns win over the labels
    report = import_file(synced_cache, ctx, path)
    assert (report.created, report.updated) == ([], [])


def test_prefill_has_no_dangling_fragments(synced_cache: Cache, catalog: Catalog) -> None:
    ev = one_per_status(synced_cache, catalog)["red"]
    facts = gather_facts(synced_cache, catalog, client=ev.client_key, month=MONTH)
    review = prefill(facts)
    for key, text in review.sections.items():
        for line in text.splitlines():
            assert not line.rstrip().endswith((":", "—", "-", ",")), (key, line)
            assert not INTERNAL_ID.search(line), (key, line)
    assert review.text("referral_potential") == "Not now"
    assert review.text("expansion_readiness") == "No"


def test_a_green_client_without_reasons_is_not_called_on_target_when_it_is_not() -> None:
    from csconsole.health.bands import Bands
    from csconsole.health.rules import MetricInput, assess

    def ev(values: list[float]) -> Evaluation:
        inputs = [
            MetricInput(f"m{i}", f"M{i}", "%", "higher", 90.0, v) for i, v in enumerate(values)
        ]
        a = assess(metrics=inputs, incidents=[], bands=Bands())
        return Evaluation("CL-1", "One", "essential", "2026-11", True, a.status, a.reasons,
                          a.kpis, a.rating, None, None, ())  # fmt: skip

    assert wording.no_reason_sentence(ev([90, 95])) == (
        "Every targeted figure is on target and no incident is open."
    )
    assert "within tolerance of it (one is slightly below target)" in wording.no_reason_sentence(
        ev([90, 88])
    )
