"""Email drafts: templates per status, strict sandboxed rendering, .eml and mailto, the CLI."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from csconsole import wording
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.email_templates import TemplateProblem, Templates, builtin_templates_dir, render_text
from csconsole.emails import (
    MAILTO_LIMIT,
    Draft,
    MailtoTooLong,
    draft_for_client,
    eml_bytes,
    key_figures,
    mailto_url,
    write_eml,
)
from csconsole.errors import KnownError
from csconsole.health.engine import HealthEngine
from csconsole.health.evaluation import Evaluation
from csconsole.settings import Settings
from tests.helpers import TODAY


def _evaluations(cache: Cache, catalog: Catalog) -> list[Evaluation]:
    engine = HealthEngine(cache, catalog, today=TODAY)
    return engine.evaluate(engine.default_month(), record=False)


def _client_with(cache: Cache, catalog: Catalog, status: str) -> Evaluation:
    """The demo client of ``status`` with the most reasons (every one must be quoted)."""
    matching = [e for e in _evaluations(cache, catalog) if e.status == status]
    return max(matching, key=lambda e: len(e.reasons))


def _parse(data: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(data)


ME = Settings(
    csm_name="Zoë Lefèvre",
    csm_phone="+44 20 7946 0000",
    csm_calendar_link="https://cal.example/zoe",
    fix_timeline="by Tuesday noon",
)


@pytest.mark.parametrize("status", ["green", "yellow", "red"])
def test_draft_per_status_quotes_every_reason_and_figure(
    synced_cache: Cache, catalog: Catalog, tmp_path: Path, status: str
) -> None:
    evaluation = _client_with(synced_cache, catalog, status)
    draft = draft_for_client(
        synced_cache,
        catalog,
        evaluation.client_key,
        today=TODAY,
        settings=ME,
        templates=Templates(user_folder=tmp_path / "templates"),
    )
    assert draft.status == status and draft.problems == ()
    assert evaluation.client_name in draft.subject
    with synced_cache.engine.connect() as conn:
        name, address, lead = conn.exec_driver_sql(
            "SELECT contact_name, contact_email, technical_lead FROM clients WHERE key = ?",
            (evaluation.client_key,),
        ).one()
    assert draft.to == f"{name} <{address}>"
    assert name.split()[0] in draft.body
    assert "Zoë Lefèvre" in draft.body
    if status != "green":
        assert evaluation.reasons
        for reason in evaluation.reasons:
            assert wording.reason_sentence(reason, evaluation) in draft.body
        assert lead in draft.body  # yellow and red bring in the technical lead
    engine = HealthEngine(synced_cache, catalog, today=TODAY)
    client = engine.find_client(evaluation.client_key)
    figures = key_figures(
        synced_cache, evaluation, client=client, month=engine.default_month(), settings=ME
    )
    for key in ("uptime", "time_saved", "roi_to_date"):
        assert figures[key], key
        assert str(figures[key]) in draft.body
    # the user's own fields where the status's letter calls for them
    expected = {
        "green": ["cal.example/zoe", "+44 20 7946 0000"],
        "yellow": ["cal.example/zoe", "+44 20 7946 0000"],
        "red": ["+44 20 7946 0000", "by Tuesday noon"],
    }[status]
    for text in expected:
        assert text in draft.body
    assert "{{" not in draft.body and "{%" not in draft.body


def test_status_can_be_chosen_and_unknown_status_is_refused(
    synced_cache: Cache, catalog: Catalog
) -> None:
    red = _client_with(synced_cache, catalog, "red")
    draft = draft_for_client(synced_cache, catalog, red.client_key, status="green", today=TODAY)
    assert draft.status == "green"
    with pytest.raises(KnownError, match="status must be one of"):
        draft_for_client(synced_cache, catalog, red.client_key, status="purple", today=TODAY)


def test_user_templates_are_copied_on_first_use_and_edits_are_used(
    synced_cache: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    folder = tmp_path / "templates"
    templates = Templates(user_folder=folder)
    assert templates.folder() == folder
    for name in ("green.txt.j2", "yellow.txt.j2", "red.txt.j2", "README.txt"):
        assert (folder / name).read_bytes() == (builtin_templates_dir() / name).read_bytes()
    (folder / "green.txt.j2").write_text(
        "Subject: Bravo {{ client.name }}\n\nHello {{ contact.first_name }}, well done.\n",
        encoding="utf-8",
    )
    green = _client_with(synced_cache, catalog, "green")
    draft = draft_for_client(
        synced_cache, catalog, green.client_key, today=TODAY, templates=templates
    )
    assert draft.subject == f"Bravo {green.client_name}"
    assert draft.body.endswith("well done.\n") and draft.problems == ()
    # the user's file is never overwritten by a later first use
    templates.folder()
    assert "Bravo" in (folder / "green.txt.j2").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "line", "cause"),
    [
        ("Subject: x\n\nfine\n{% if client.name %}\nnever closed\n", 5, "endif"),
        ("Subject: x\n\nline three\n{{ client.nmae }}\n", 4, "nmae"),
        ("Subject: x\n\n{{ nobody }}\n", 3, "'nobody' is undefined"),
        ("Subject: x\n\n{{ client.__class__.__mro__ }}\n", 3, "unsafe"),
        ("No subject line here\n", 1, "Subject:"),
    ],
)
def test_broken_user_template_falls_back_with_file_and_line(
    synced_cache: Cache, catalog: Catalog, tmp_path: Path, text: str, line: int, cause: str
) -> None:
    folder = tmp_path / "templates"
    templates = Templates(user_folder=folder)
    templates.folder()
    (folder / "yellow.txt.j2").write_text(text, encoding="utf-8")
    yellow = _client_with(synced_cache, catalog, "yellow")
    draft = draft_for_client(
        synced_cache, catalog, yellow.client_key, today=TODAY, templates=templates
    )
    (problem,) = draft.problems
    assert f"yellow.txt.j2, line {line}:" in problem
    assert cause in problem and "built-in" in problem
    builtin = draft_for_client(
        synced_cache,
        catalog,
        yellow.client_key,
        today=TODAY,
        templates=Templates(user_folder=tmp_path / "fresh"),
    )
    assert (draft.subject, draft.body) == (builtin.subject, builtin.body)


def test_undefined_field_is_an_error_naming_it() -> None:
    with pytest.raises(TemplateProblem) as info:
        render_text("Dear {{ contact.name }},\n{{ calendar }}", {"contact": {"name": "Ana"}})
    assert isinstance(info.value, KnownError)
    assert "'calendar' is undefined" in str(info.value) and info.value.line == 2
    assert render_text("Dear {{ contact.name }}", {"contact": {"name": "Ana"}}) == "Dear Ana"


# --- .eml ----------------------------------------------------------------------------

INJECTION_CASES = [
    # (contact name, subject, client key) each carrying CR/LF that tries to add headers
    ("Mallory\r\nBcc: victim@example.com", "Hello\r\nX-Injected: yes", "CL-001"),
    ("Eve\nCc: all@example.com", "Quarterly\nBcc: boss@example.com\n\nfake body", "CL-002"),
    ("Trudy\rReply-To: evil@example.com", "Subject\r\n Continued: header", "CL-003"),
]


@pytest.mark.parametrize(("name", "subject", "key"), INJECTION_CASES)
def test_eml_line_breaks_cannot_inject_headers(name: str, subject: str, key: str) -> None:
    draft = Draft(
        to_name=name,
        to_address="client@example.com\r\nBcc: x@example.com",
        subject=subject,
        body="Body line\r\nBcc: not-a-header@example.com\n",
        client_key=key,
    )
    msg = _parse(eml_bytes(draft))
    assert sorted(msg.keys()) == sorted(
        [
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "X-Unsent",
            "Content-Type",
            "Content-Transfer-Encoding",
            "MIME-Version",
        ]
    )
    for header in ("Bcc", "Cc", "Reply-To", "X-Injected", "Continued"):
        assert msg[header] is None
    assert "\n" not in str(msg["Subject"]) and "\r" not in str(msg["Subject"])
    assert str(msg["Subject"]) == " ".join(subject.split())
    (address,) = msg["To"].addresses
    assert address.display_name == " ".join(name.split())
    assert msg["X-Unsent"] == "1"
    assert "Bcc: not-a-header@example.com" in msg.get_content()


@pytest.mark.parametrize(
    ("name", "subject", "body"),
    [
        ("José Núñez", "Résumé de novembre — Société Générale", "Très bien, Zoë! Ça marche.\n"),
        ("Björk Guðmundsdóttir 🎉", "🎉 A great month for Ærø Café", "Thanks 🚀✨, Łukasz.\n"),
        ("王小明", "十一月的结果", "一切顺利。\n" + "Long line " * 40 + "\n"),
    ],
)
def test_eml_round_trips_unicode(tmp_path: Path, name: str, subject: str, body: str) -> None:
    draft = Draft(to_name=name, to_address="contact@example.com", subject=subject, body=body)
    path = write_eml(draft, tmp_path / "draft.eml")
    raw = path.read_bytes()
    raw.decode("ascii")  # a proper MIME message: 7-bit on the wire, encoded words and QP
    msg = _parse(raw)
    assert str(msg["Subject"]) == subject
    (address,) = msg["To"].addresses
    assert (address.display_name, address.addr_spec) == (name, "contact@example.com")
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    assert msg.get_content().replace("\r\n", "\n") == body  # .eml lines end in CRLF
    assert msg["Message-ID"].startswith("<") and msg["Date"] is not None


def test_eml_without_address_has_no_to(tmp_path: Path) -> None:
    msg = _parse(eml_bytes(Draft(to_name="Nobody", to_address="", subject="s", body="b\n")))
    assert msg["To"] is None and msg["Subject"] == "s"


def test_write_eml_to_missing_folder_is_a_known_error(tmp_path: Path) -> None:
    with pytest.raises(KnownError, match="cannot save the draft"):
        write_eml(Draft("a", "a@example.com", "s", "b"), tmp_path / "no" / "such" / "x.eml")


# --- mailto --------------------------------------------------------------------------


def test_mailto_is_percent_encoded_and_decodes_back() -> None:
    body = "Hi Zoë,\n\nUptime 99.8 % & ROI 120 %? Yes = good #1 🎉\nBye\n"
    draft = Draft("Zoë", "zoe@example.com", "Résumé: 50 % & more\r\nBcc: x@y", body)
    url = mailto_url(draft)
    assert url.startswith("mailto:zoe@example.com?subject=")
    assert not any(c in url for c in " \n\r#")  # no raw space, line break or hash
    assert url.count("&") == 1 and url.count("?") == 1
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert unquote(parts.path) == "zoe@example.com"
    assert query["subject"] == ["Résumé: 50 % & more Bcc: x@y"]
    assert query["body"] == [body.replace("\n", "\r\n")]  # RFC 6068: line breaks as CRLF


def test_mailto_too_long_falls_back_to_eml() -> None:
    body = "A line of the letter that goes on.\n" * 60
    draft = Draft("Ana", "ana@example.com", "Subject", body)
    with pytest.raises(MailtoTooLong, match=r"\.eml") as info:
        mailto_url(draft)
    assert isinstance(info.value, KnownError)
    assert len(mailto_url(draft, limit=10_000)) > MAILTO_LIMIT
    short = Draft("Ana", "ana@example.com", "Subject", "Short.\n")
    assert len(mailto_url(short)) <= MAILTO_LIMIT


def test_demo_drafts_fit_a_mailto_link(synced_cache: Cache, catalog: Catalog) -> None:
    for status in ("green", "yellow"):
        evaluation = _client_with(synced_cache, catalog, status)
        draft = draft_for_client(synced_cache, catalog, evaluation.client_key, today=TODAY)
        assert len(mailto_url(draft)) <= MAILTO_LIMIT


# --- command line --------------------------------------------------------------------


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from csconsole.cli import main

    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_email_prints_and_saves(
    synced_cache: Cache,
    catalog: Catalog,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    isolated_home: Path,
) -> None:
    red = _client_with(synced_cache, catalog, "red")
    cache = str(synced_cache.path)
    code, out, err = _run(capsys, "email", "--client", red.client_key, "--cache", cache)
    assert code == 0 and err == ""
    assert out.startswith("To: ") and "\nSubject: Urgent" in out
    for reason in red.reasons:
        assert wording.reason_sentence(reason, red) in out
    # the built-ins were copied to the user's templates folder on first use
    assert (isolated_home / "templates" / "red.txt.j2").is_file()

    code, out, _ = _run(
        capsys, "email", "--client", red.client_name, "--status", "green", "--cache", cache
    )
    assert code == 0 and "month to be proud of" in out

    target = tmp_path / "out.eml"
    code, out, _ = _run(
        capsys, "email", "--client", red.client_key, "--out", str(target), "--cache", cache
    )
    assert code == 0 and str(target) in out
    msg = _parse(target.read_bytes())
    assert red.client_name in str(msg["Subject"]) and msg["X-Unsent"] == "1"
    assert wording.reason_sentence(red.reasons[0], red) in msg.get_content()

    (isolated_home / "templates" / "red.txt.j2").write_text("Subject: {{ oops\n", encoding="utf-8")
    code, out, err = _run(capsys, "email", "--client", red.client_key, "--cache", cache)
    assert code == 0 and "\nSubject: Urgent" in out
    assert "warning:" in err and "red.txt.j2, line 1" in err

    code, _, err = _run(capsys, "email", "--client", "nobody", "--cache", cache)
    assert code == 1 and "unknown client" in err
    with pytest.raises(SystemExit):
        _run(capsys, "email", "--client", red.client_key, "--status", "purple")
