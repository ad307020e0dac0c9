"""The notification e-mail of one event: subject from the destination's template with field
placeholders (`New {form} from {name}`), Reply-To the submitter's address when the submission
has one, the agency's name as the sender's display name, and plain-text and HTML bodies from
templates with the fields in the order they were submitted."""
from __future__ import annotations

import re
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from portal.dynamo.destinations import Destination
from portal.dynamo.tenants import Tenant
from portal.files.links import email_files
from portal.text import has_control_characters, submitter_email

EVENT_TEST = "test.ping"
DEFAULT_SUBJECT = "[Form-Bridge] New submission: {form}"  # when the destination has no template
SUBJECT_MAX = 200  # characters of a template, and of a rendered subject
PLACEHOLDER = re.compile(r"\{([^{}]{1,100})\}")
_BRACES = re.compile(r"[{}]")
_VALUE_MAX = 80  # characters of one field value in a subject


def subject_template_problem(template: str) -> str | None:
    """Why a subject template cannot be used, or None."""
    if len(template) > SUBJECT_MAX:
        return f"At most {SUBJECT_MAX} characters."
    if has_control_characters(template):
        return "One line, without tabs or control characters."
    if _BRACES.search(PLACEHOLDER.sub("", template)):
        return "Write placeholders as {form} or {field name}, each brace closed."
    return None


def _one_line(value) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= _VALUE_MAX else text[:_VALUE_MAX - 1] + "…"


def subject_render(template: str | None, *, form_id: str, site_id: str | None, fields: dict) -> str:
    """`{form}` and `{site}` are the submission's; any other `{name}` is that field's value (a
    missing field gives an empty text). No format-string machinery: a field value is text."""
    values = {str(name): value for name, value in (fields or {}).items()}

    def value_of(match: re.Match) -> str:
        name = match.group(1).strip()
        if name == "form":
            return form_id or ""
        if name == "site":
            return site_id or ""
        return _one_line(values[name]) if name in values else ""

    subject = " ".join(PLACEHOLDER.sub(value_of, template or DEFAULT_SUBJECT).split())
    return subject[:SUBJECT_MAX] or DEFAULT_SUBJECT.replace("{form}", form_id or "form")


def sender_address(tenant: Tenant | None) -> str:
    """DEFAULT_FROM_EMAIL's address with the agency's name (its brand, else its organization)."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    display = tenant.display_name if tenant is not None else _name
    if not address:
        return settings.DEFAULT_FROM_EMAIL
    return formataddr((" ".join((display or "Form-Bridge").split()), address))


def notification_email(*, event: dict, destination: Destination,
                       tenant: Tenant | None = None) -> EmailMultiAlternatives:
    data = event["data"]
    fields = data.get("fields") or {}
    is_test = event["type"] == EVENT_TEST
    files = email_files(data.get("files") or [])  # attached up to FILES_EMAIL_ATTACH_MAX_BYTES, the rest linked
    if tenant is None:
        tenant = Tenant.by_id(destination.tenantId)
    context = {
        "event": event, "data": data, "fields": list(fields.items()),  # submitted order
        "meta": sorted((data.get("meta") or {}).items()), "destination_name": destination.name,
        "is_test": is_test, "site_url": settings.SITE_URL,
        "agency_name": tenant.display_name if tenant is not None else "Form-Bridge",
        "logo_url": _logo_url(tenant),
        "attached": [name for name, _content, _type in files.attached], "linked": files.linked,
    }
    if is_test:
        subject = f"[Form-Bridge] Test e-mail for {destination.name}"
    else:
        subject = subject_render(destination.subjectTemplate, form_id=data.get("form_id") or "",
                                 site_id=data.get("site_id"), fields=fields)
    reply_to = submitter_email(fields)
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string("emails/submission.txt", context),
        from_email=sender_address(tenant), to=list(destination.recipients),
        reply_to=[reply_to] if reply_to and not is_test else None,
    )
    message.attach_alternative(render_to_string("emails/submission.html", context), "text/html")
    for name, content, content_type in files.attached:
        message.attach(name, content, content_type)
    return message


def _logo_url(tenant: Tenant | None) -> str | None:
    if tenant is None or not tenant.brandLogo:
        return None
    from django.urls import reverse

    return settings.SITE_URL + reverse("portal:brand_logo", kwargs={"tenant_id": tenant.id, "name": tenant.brandLogo})
