"""Text rules shared by forms and services: names that end up in e-mail headers and subjects
must be one printable line."""
import re
import unicodedata

from django.core.exceptions import ValidationError

CONTROL_CHARACTERS = "Names cannot contain line breaks, tabs or other control characters."


def has_control_characters(value: str) -> bool:
    # Cc: C0/C1 controls (newline, tab, NUL...); Cf: invisible format marks; Zl/Zp: Unicode line breaks.
    return any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in value)


def refuse_control_characters(value: str) -> None:
    """A form-field validator."""
    if has_control_characters(value):
        raise ValidationError(CONTROL_CHARACTERS)


# --- e-mail addresses in submitted fields ------------------------------------------------------
# What "looks like an e-mail address" in a form field: one line, one @, a dot in the domain.
# Exact match after normalising case and surrounding whitespace is all a search needs.
_EMAIL_LOOKING = re.compile(r"^[^@\s<>\"',;]{1,64}@[^@\s<>\"',;]+\.[^@\s<>\"',;]{2,}$")
MAX_EMAIL_LENGTH = 254
_EMAIL_NAMES = ("email", "e-mail", "e_mail", "mail")


def email_normalise(value) -> str | None:
    """The address in lower case without surrounding whitespace, or None when `value` does not
    look like one e-mail address."""
    if not isinstance(value, str):
        return None
    candidate = value.strip().lower()
    if len(candidate) > MAX_EMAIL_LENGTH or not _EMAIL_LOOKING.match(candidate):
        return None
    return candidate


def submitter_email(fields: dict) -> str | None:
    """The submitter's address: the first e-mail-looking value of a field named like e-mail,
    else the first e-mail-looking value of any field (in submitted order); normalised."""
    values = list(fields.items()) if isinstance(fields, dict) else []
    named = [v for k, v in values if any(n in str(k).lower() for n in _EMAIL_NAMES)]
    for value in named + [v for _, v in values]:
        for one in value if isinstance(value, list) else [value]:
            found = email_normalise(one)
            if found:
                return found
    return None


# --- Markdown written by us (API descriptions) -------------------------------------------------
def markdown_html(text: str, *, inline: bool = False) -> str:
    """Our own Markdown (the OpenAPI document's descriptions) as HTML: CommonMark with raw HTML
    off (escaped), headings given ids for anchors. `inline` for a table cell (no <p>)."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.anchors import anchors_plugin

    renderer = MarkdownIt("commonmark", {"html": False}).use(anchors_plugin, min_level=2, max_level=4)
    return renderer.renderInline(text or "") if inline else renderer.render(text or "")
