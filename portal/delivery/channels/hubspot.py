"""HubSpot: a private app's access token (Authorization: Bearer) creates or updates the
contact by e-mail in one request (POST /crm/v3/objects/contacts/batch/upsert, idProperty
email), and optionally logs the submission as a note on it (POST /crm/v3/objects/notes,
associated with association type 202, note to contact). Documented limits kept
(developers.hubspot.com/docs/api/usage-details): private apps get 100 requests per 10 seconds
on Free/Starter (190 on Professional/Enterprise); a delivery makes up to two requests, so
the destination's rate limit is 5 deliveries/s; a 429 is retried after its Retry-After (or
the schedule). A property value is at most 65,536 characters. Errors carry HubSpot's
`message` (a VALIDATION_ERROR names the property: "Email address ... is invalid")."""
from __future__ import annotations

import html
import json

from portal.delivery.channels.base import (
    EMAIL_FIELDS, FIRST_NAME_FIELDS, LAST_NAME_FIELDS, PHONE_FIELDS,
    Summary, call, credentials, cut, json_message, mapped_values, vendor_base)
from portal.delivery.sender import SendResult
from portal.dynamo.destinations import HUBSPOT, Destination

RATE_PER_SECOND = 5.0
MAX_VALUE = 65_536
NOTE_TO_CONTACT = 202
DEFAULTS = {
    "email": EMAIL_FIELDS,
    "firstname": FIRST_NAME_FIELDS,
    "lastname": LAST_NAME_FIELDS,
    "phone": PHONE_FIELDS,
    "company": ["company", "organization", "organisation"],
    "website": ["website", "url"],
}
TARGETS = list(DEFAULTS)


def _error(body: str) -> str | None:
    data = json.loads(body)
    message = data.get("message") or ""
    # A VALIDATION_ERROR's message embeds a JSON list; its first entry's message is the readable part.
    start = message.find("[{")
    if start >= 0:
        try:
            details = json.loads(message[start:])
            return "; ".join(d.get("message", "") for d in details if d.get("message")) or message
        except ValueError:
            pass
    errors = data.get("errors") or []
    if errors and isinstance(errors[0], dict) and errors[0].get("message"):
        return errors[0]["message"]
    return message or None


def contact_properties(destination: Destination, fields: dict) -> dict[str, str]:
    settings_ = destination.integration or {}
    values = mapped_values(fields, field_map=settings_.get("fieldMap") or {}, defaults=DEFAULTS)
    return {k: cut(v, MAX_VALUE) for k, v in values.items()}


def note_body(summary: Summary) -> str:
    lines = [f"<p><strong>{html.escape(summary.title)}</strong></p><ul>"]
    lines += [f"<li><strong>{html.escape(n)}</strong>: {html.escape(cut(v, 2000))}</li>" for n, v in summary.fields]
    lines.append("</ul>")
    if summary.link:
        lines.append(f'<p><a href="{html.escape(summary.link)}">View in Form-Bridge</a></p>')
    return cut("".join(lines), MAX_VALUE)


def send(destination: Destination, *, summary: Summary, event: dict) -> SendResult:
    token = credentials(destination)["token"]
    headers = {"Authorization": f"Bearer {token}"}
    fields = (event.get("data") or {}).get("fields") or {}
    properties = contact_properties(destination, fields)
    email = properties.get("email", "").strip()
    if not email:
        return SendResult(channel=HUBSPOT, error="The submission has no e-mail address to match a HubSpot contact "
                                                 "(map the form's e-mail field on the destination).")
    base = vendor_base("hubspot")
    result = call("POST", f"{base}/crm/v3/objects/contacts/batch/upsert", channel=HUBSPOT, headers=headers,
                  json_body={"inputs": [{"idProperty": "email", "id": email, "properties": properties}]},
                  error_message=_error)
    if not result.ok or not (destination.integration or {}).get("logNote"):
        return result
    try:
        contact_id = json.loads(result.body)["results"][0]["id"]
    except (ValueError, KeyError, IndexError, TypeError):
        result.error = "HubSpot did not say which contact it created or updated."
        result.status_code = None
        return result
    note = {"properties": {"hs_timestamp": summary.timestamp or "", "hs_note_body": note_body(summary)},
            "associations": [{"to": {"id": contact_id}, "types": [
                {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": NOTE_TO_CONTACT}]}]}
    noted = call("POST", f"{base}/crm/v3/objects/notes", channel=HUBSPOT, headers=headers, json_body=note,
                 error_message=_error)
    if noted.ok:
        noted.body = f"Contact {contact_id} created or updated; note {json.loads(noted.body).get('id', '?')} logged."
    elif noted.error:
        noted.error = f"Contact {contact_id} saved, but the note failed: {noted.error}"
    return noted
