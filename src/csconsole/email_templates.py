"""Email templates: the built-in and the user's Jinja2 files, one per status, rendered
sandboxed and strict (a missing field is an error naming the field, the file and the
line). :mod:`csconsole.emails` fills them for a client and turns drafts into mail."""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from csconsole import formatting as fmt
from csconsole.errors import KnownError
from csconsole.health.rules import STATUSES
from csconsole.paths import resources_dir, templates_dir

if TYPE_CHECKING:  # Jinja2 is imported when the first draft is made, not at start-up
    from jinja2.sandbox import SandboxedEnvironment

#: Longest ``mailto:`` URL handed to the mail program. Windows passes URLs to the mail
#: handler through a 2,048-character command line and Outlook cuts longer ones; 1,800


TEMPLATE_SUFFIX = ".txt.j2"
#: Shipped beside the templates and copied with them, so the user sees the fields.
FIELDS_NOTE = "README.txt"


class TemplateProblem(KnownError):
    """A template cannot be rendered; the message names the file, the line and the cause."""

    def __init__(self, path: str, line: int | None, cause: str) -> None:
        where = f"{path}, line {line}" if line else path
        super().__init__(f"{where}: {cause}")
        self.path = path
        self.line = line
        self.cause = cause


# --- templates --------------------------------------------------------------------


def builtin_templates_dir() -> Path:
    return resources_dir() / "emails"


def template_name(status: str) -> str:
    if status not in STATUSES:
        raise KnownError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    return status + TEMPLATE_SUFFIX


def ensure_user_templates(folder: Path | None = None) -> Path:
    """Copy each built-in template the user does not have yet; returns the folder.

    Existing files are never overwritten: they are the user's. Deleting one brings the
    built-in back on the next draft.
    """
    folder = folder or templates_dir()
    source = builtin_templates_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name in [template_name(s) for s in STATUSES] + [FIELDS_NOTE]:
            if not (folder / name).exists() and (source / name).exists():
                shutil.copyfile(source / name, folder / name)
    except OSError as exc:
        raise KnownError(f"cannot set up the templates folder {folder}: {exc.strerror}") from None
    return folder


def _environment(folder: Path) -> SandboxedEnvironment:
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        loader=FileSystemLoader(str(folder), encoding="utf-8"),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        cache_size=0,  # always read the file again: the user may just have edited it
    )


def _error_line(tb: TracebackType | None, filename: str) -> int | None:
    """The template line of a render error: Jinja maps its frames onto the template file."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render_file(folder: Path, name: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """Render one template file to (subject, body); a :class:`TemplateProblem` on any error."""
    from jinja2 import TemplateError, TemplateSyntaxError

    path = folder / name
    env = _environment(folder)
    try:
        template = env.get_template(name)
        text = template.render(**context)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(str(path), exc.lineno, exc.message or "syntax error") from None
    except TemplateError as exc:
        line = _error_line(exc.__traceback__, str(path))
        cause = exc.message or type(exc).__name__
        raise TemplateProblem(str(path), line, cause) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateProblem(str(path), None, f"cannot be read ({exc})") from None
    return split_subject(text, path=str(path))


def render_text(source: str, context: Mapping[str, Any], *, name: str = "<template>") -> str:
    """Render a template given as text, sandboxed and strict (undefined fields are errors)."""
    from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
    )
    try:
        return env.from_string(source).render(**context)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(name, exc.lineno, exc.message or "syntax error") from None
    except TemplateError as exc:
        line = _error_line(exc.__traceback__, "<template>")
        raise TemplateProblem(name, line, exc.message or type(exc).__name__) from None


def split_subject(text: str, *, path: str) -> tuple[str, str]:
    """(subject, body) of a rendered template whose first line is ``Subject: …``."""
    lines = text.lstrip("\r\n").splitlines()
    first = lines[0] if lines else ""
    if not first.lower().startswith("subject:"):
        raise TemplateProblem(path, 1, "the first line must be 'Subject: …'")
    subject = fmt.one_line(first[len("subject:") :])
    body_lines = lines[1:]
    while body_lines and not body_lines[0].strip():
        body_lines.pop(0)
    body = "\n".join(line.rstrip() for line in body_lines).strip("\n")
    body = re.sub(r"\n{3,}", "\n\n", body)
    return subject, body + "\n"


@dataclass
class Templates:
    """Where drafts' templates come from: the user's folder first, the built-ins as fallback."""

    user_folder: Path | None = None
    builtin_folder: Path = field(default_factory=builtin_templates_dir)

    def folder(self) -> Path:
        """The user's templates folder, with the built-ins copied in on first use."""
        return ensure_user_templates(self.user_folder)

    def render(self, status: str, context: Mapping[str, Any]) -> tuple[str, str, tuple[str, ...]]:
        """(subject, body, problems); problems say which user template failed and why."""
        name = template_name(status)
        problems: tuple[str, ...] = ()
        try:
            folder = self.folder()
        except KnownError as exc:
            problems = (f"{exc}; the built-in template was used",)
        else:
            try:
                subject, body = render_file(folder, name, context)
            except TemplateProblem as exc:
                problems = (f"{exc} — the built-in template was used meanwhile",)
            else:
                return subject, body, ()
        subject, body = render_file(self.builtin_folder, name, context)
        return subject, body, problems
