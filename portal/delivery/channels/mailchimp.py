"""Mailchimp: an API key whose suffix names the data center (`…-us6` → us6.api.mailchimp.com,
HTTP Basic with any user name) adds or updates the audience member by e-mail
(PUT /3.0/lists/{list_id}/members/{md5 of the lower-cased address}), `status_if_new` pending
for double opt-in (Mailchimp sends the confirmation) or subscribed; an existing member's
status is never changed, so someone who unsubscribed stays unsubscribed. Tags go with
POST .../members/{hash}/tags. Documented limits kept
(mailchimp.com/developer/marketing/docs/fundamentals/): at most 10 simultaneous connections per
key (the worker's per-destination share is below that), merge tags of up to 10 characters, text
merge values of up to 255 characters, tag names of up to 100. Errors are problem JSON: the
`detail` is shown ("… looks fake or invalid, please enter a real email address.")."""
from __future__ import annotations

import base64
import hashlib
import json

from portal.delivery.channels.base import (
    EMAIL_FIELDS, FIRST_NAME_FIELDS, LAST_NAME_FIELDS, PHONE_FIELDS,
    call, credentials, cut, mapped_values, vendor_base)
from portal.delivery.sender import SendResult
from portal.dynamo.destinations import MAILCHIMP, Destination

RATE_PER_SECOND = 5.0
MERGE_VALUE = 255
TAG_NAME = 100
DEFAULTS = {
    "EMAIL": EMAIL_FIELDS,
    "FNAME": FIRST_NAME_FIELDS,
    "LNAME": LAST_NAME_FIELDS,
    "PHONE": PHONE_FIELDS,
}
TARGETS = list(DEFAULTS)


def data_center(api_key: str) -> str:
    return api_key.rsplit("-", 1)[1]


def _error(body: str) -> str | None:
    data = json.loads(body)
    detail = data.get("detail") or data.get("title") or ""
    for problem in data.get("errors") or []:
        if problem.get("message"):
            detail += f" ({problem.get('field') or 'field'}: {problem['message']})"
    return detail or None


def subscriber_hash(email: str) -> str:
    return hashlib.md5(email.strip().lower().encode()).hexdigest()  # noqa: S324 - Mailchimp's documented member id


def send(destination: Destination, *, summary, event: dict) -> SendResult:
    key = credentials(destination)["api_key"]
    settings_ = destination.integration or {}
    fields = (event.get("data") or {}).get("fields") or {}
    values = mapped_values(fields, field_map=settings_.get("fieldMap") or {}, defaults=DEFAULTS)
    email = values.pop("EMAIL", "").strip()
    if not email:
        return SendResult(channel=MAILCHIMP, error="The submission has no e-mail address to add to the audience "
                                                   "(map the form's e-mail field on the destination).")
    auth = base64.b64encode(f"formbridge:{key}".encode()).decode()
    headers = {"Authorization": f"Basic {auth}"}
    member_url = (f"{vendor_base('mailchimp', dc=data_center(key))}/3.0/lists/{settings_['listId']}"
                  f"/members/{subscriber_hash(email)}")
    member = {"email_address": email, "status_if_new": "pending" if settings_.get("doubleOptIn") else "subscribed",
              "merge_fields": {tag: cut(value, MERGE_VALUE) for tag, value in values.items()}}
    result = call("PUT", member_url, channel=MAILCHIMP, headers=headers, json_body=member, error_message=_error)
    tags = [cut(t, TAG_NAME) for t in settings_.get("tags") or []]
    if not result.ok or not tags:
        return result
    tagged = call("POST", f"{member_url}/tags", channel=MAILCHIMP, headers=headers,
                  json_body={"tags": [{"name": t, "status": "active"} for t in tags]}, error_message=_error)
    if tagged.ok:
        tagged.body = f"Member {email} added or updated, tagged {', '.join(tags)}."
    elif tagged.error:
        tagged.error = f"Member saved, but tagging failed: {tagged.error}"
    return tagged
