"""Text rules shared by forms and services: names that end up in e-mail headers and subjects
must be one printable line."""
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
