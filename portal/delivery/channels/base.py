"""What every integration shares: the vendor's fixed base URL (a test or DEBUG override only),
one guarded request with the vendor's own error message and retry hint, the decrypted
credentials, the field map, and the readable summary of a submission the chat messages show."""
from __future__ import annotations

import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

from django.conf import settings

from portal.crypto import field_decrypt
from portal.delivery import sender
from portal.dynamo.destinations import Destination

USER_AGENT = "Form-Bridge-Integrations/1.0"
ELLIPSIS = "…"

# Production hosts: never taken from a tenant, never changed by configuration in production.
VENDOR_BASES = {
    "hubspot": "https://api.hubapi.com",
    "mailchimp": "https://{dc}.api.mailchimp.com",
    "sheets": "https://sheets.googleapis.com",
    "google_oauth": "https://oauth2.googleapis.com",
    "airtable": "https://api.airtable.com",
}


def vendor_base(vendor: str, **parts: str) -> str:
    """The vendor's API root. settings.INTEGRATION_BASE_URLS may point a vendor elsewhere only
    in a development process (the tests' local fakes); production always uses VENDOR_BASES."""
    overrides = _overrides()
    if overrides.get(vendor):
        return overrides[vendor].rstrip("/")
    return VENDOR_BASES[vendor].format(**parts)


def test_chat_base(vendor: str) -> str | None:
    """The local fake a chat webhook URL may point at in tests/DEBUG (None in production)."""
    overrides = _overrides()
    return overrides[vendor].rstrip("/") if overrides.get(vendor) else None


def _overrides() -> dict:
    if not getattr(settings, "INTEGRATION_OVERRIDES_ALLOWED", False):
        return {}
    return getattr(settings, "INTEGRATION_BASE_URLS", {}) or {}


def credentials(destination: Destination) -> dict:
    if not destination.credentialsEncrypted:
        raise ValueError("The destination has no credentials; edit it and enter them again.")
    return json.loads(field_decrypt(destination.credentialsEncrypted))


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis marking a cut."""
    text = str(text)
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + ELLIPSIS


def value_text(value) -> str:
    """A field's value as one readable string (lists joined, nested values as JSON)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


_attempt = threading.local()


class attempt_deadline:
    """Every request of one integration attempt (a token, a read, a write) shares one deadline:
    the attempt as a whole stays within DELIVERY_TIMEOUT_SECONDS, like a webhook's single POST,
    so it always ends well inside its lease."""

    def __enter__(self):
        _attempt.deadline = time.monotonic() + sender.timeout_seconds()
        return self

    def __exit__(self, *exc):
        _attempt.deadline = None


def _remaining() -> float | None:
    deadline = getattr(_attempt, "deadline", None)
    return None if deadline is None else deadline - time.monotonic()


def call(method: str, url: str, *, channel: str, json_body=None, body: bytes | None = None,
         headers: dict[str, str] | None = None, error_message: Callable[[str], str | None] | None = None,
         default_retry_after: str | None = None) -> sender.SendResult:
    """One request through the guarded sender. A failure's error names the vendor's own
    message (`error_message` reads it from the answer body); a 429's retry hint comes from the
    Retry-After header, else from the body (`retry_after` in seconds, as Discord sends it), else
    `default_retry_after` (Airtable documents a 30 s wait)."""
    all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    if json_body is not None:
        body = json.dumps(json_body, separators=(",", ":"), ensure_ascii=False).encode()
        all_headers.setdefault("Content-Type", "application/json")
    remaining = _remaining()
    if remaining is not None and remaining <= 0.05:
        return sender.SendResult(channel=channel, error=f"Timed out after {sender.timeout_seconds():g} s")
    result = sender.request(method, url, body=body or b"", headers=all_headers, channel=channel, timeout=remaining)
    if result.status_code is not None and not result.ok:
        message = None
        if error_message is not None:
            try:
                message = error_message(result.body)
            except (ValueError, TypeError, AttributeError, KeyError, IndexError):
                message = None
        message = message or result.body.strip()[:300]
        result.error = f"HTTP {result.status_code}: {cut(message, 500)}" if message else f"HTTP {result.status_code}"
        if result.status_code == 429 and not result.retry_after:
            result.retry_after = _body_retry_after(result.body) or default_retry_after
    return result


def _body_retry_after(body: str) -> str | None:
    try:
        seconds = json.loads(body).get("retry_after")
    except (ValueError, AttributeError):
        return None
    if isinstance(seconds, (int, float)) and seconds >= 0:
        return str(math.ceil(seconds))  # whole seconds, as schedule.parse_retry_after reads them
    return None


def json_message(*paths: str) -> Callable[[str], str | None]:
    """Reads the first present dotted path of a JSON error body ("error.message")."""
    def read(body: str) -> str | None:
        data = json.loads(body)
        for path in paths:
            value = data
            for part in path.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if isinstance(value, str) and value.strip():
                return value.strip()
        return None
    return read


# --- the field map -------------------------------------------------------------------------
# A destination's map: target (vendor property, merge tag, column) -> form field name. A
# target without an entry takes the first of its default candidates the submission has;
# "name|first" and "name|last" split a full name.

def field_lookup(fields: dict, source: str) -> str:
    if "|" in source:
        name, part = source.split("|", 1)
        words = value_text(fields.get(name, "")).split()
        if not words:
            return ""
        if part == "first":
            return words[0]
        return " ".join(words[1:])
    return value_text(fields.get(source, "")) if source in fields else ""


# The form field names a person's details usually arrive under (WordPress form plugins' usual
# names; "name|first" is the first word of a "name" field): the CRMs' default mappings.
EMAIL_FIELDS = ["email", "e-mail", "email_address", "your-email", "mail"]
FIRST_NAME_FIELDS = ["first_name", "firstname", "fname", "first-name", "name|first", "your-name|first"]
LAST_NAME_FIELDS = ["last_name", "lastname", "lname", "last-name", "name|last", "your-name|last"]
PHONE_FIELDS = ["phone", "telephone", "tel", "phone_number"]


def mapped_values(fields: dict, *, field_map: dict, defaults: dict[str, list[str]]) -> dict[str, str]:
    """Each target's value: the map's field, else the first default candidate present."""
    lowered = {str(k).lower(): k for k in fields}
    values: dict[str, str] = {}
    for target, source in field_map.items():
        if source:
            value = field_lookup(fields, source)
            if value:
                values[target] = value
    for target, candidates in defaults.items():
        if target in field_map:
            continue
        for candidate in candidates:
            name, _, part = candidate.partition("|")
            if name.lower() in lowered:
                real = lowered[name.lower()]
                value = field_lookup(fields, f"{real}|{part}" if part else real)
                if value:
                    values[target] = value
                    break
    return values


# --- the readable summary ------------------------------------------------------------------

@dataclass
class Summary:
    """What a chat message says about a submission."""
    title: str
    form: str
    site: str
    fields: list[tuple[str, str]]  # (name, full value), in submission order
    files: list[tuple[str, str]] = field(default_factory=list)  # (name, signed URL)
    link: str | None = None  # the submission's page in Form-Bridge
    timestamp: str | None = None


def submission_summary(event: dict, *, destination: Destination) -> Summary:
    data = event.get("data") or {}
    fields = data.get("fields") or {}
    chosen = [f for f in ((destination.integration or {}).get("fieldMap") or {}).values() if f in fields]
    names = chosen or list(fields)
    form = str(data.get("form_id") or "test")
    # The site as people know it: the host of the page the form was on (the id otherwise).
    page_url = str((data.get("meta") or {}).get("page_url") or "")
    site_name = urlsplit(page_url).hostname if page_url.startswith(("http://", "https://")) else None
    site_name = site_name or str(data.get("site_id") or "")
    files = [(str(f.get("name") or "file"), str(f.get("url"))) for f in data.get("files") or [] if f.get("url")]
    link = f"{settings.SITE_URL}/submissions/{data['id']}/" if data.get("id") else None
    title = (f"New {form} submission" + (f" on {site_name}" if site_name else "")
             if data.get("id") else "Test message from Form-Bridge")
    return Summary(title=title, form=form, site=site_name or "no site",
                   fields=[(str(n), value_text(fields[n])) for n in names], files=files, link=link,
                   timestamp=event.get("timestamp"))


MARKUP = re.compile(r"[&<>]")


def escape_markup(text: str) -> str:
    """&, < and > as entities: Slack mrkdwn and Google Chat's text both read them as markup."""
    return MARKUP.sub(lambda m: {"&": "&amp;", "<": "&lt;", ">": "&gt;"}[m.group()], text)


def fitted(build: Callable[[int, int], dict], *, fits: Callable[[dict], bool], max_fields: int) -> dict:
    """The richest message within the vendor's limits: `build(fields, value_chars)` tried with
    fewer fields and shorter values until `fits` says yes (the last try always fits: no fields)."""
    for count in (max_fields, 15, 10, 5, 3, 1, 0):
        if count > max_fields:
            continue
        for chars in (1000, 500, 200, 80):
            message = build(count, chars)
            if fits(message):
                return message
    return build(0, 0)


def json_size(message: dict) -> int:
    return len(json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode())
