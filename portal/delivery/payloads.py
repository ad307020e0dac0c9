"""What is sent: the webhook JSON body and the e-mail rendering of a submission."""
from __future__ import annotations

import json
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from portal.dynamo.submissions import Submission
from portal.selectors.files import email_files, file_links_for_delivery

EVENT_SUBMISSION = "submission.created"
EVENT_TEST = "test.ping"


def submission_event(submission: Submission) -> dict:
    return {
        "type": EVENT_SUBMISSION,
        "timestamp": submission.receivedAt.isoformat(),
        "data": {
            "id": submission.id, "form_id": submission.formId, "site_id": submission.siteId,
            "received_at": submission.receivedAt.isoformat(), "spam": bool(submission.spam),
            "fields": submission.fields, "meta": submission.meta,
            # Metadata and a signed link per file, minted now: each attempt gets fresh links.
            "files": file_links_for_delivery(submission),
        },
    }


def test_event(*, destination_name: str, at: datetime) -> dict:
    return {
        "type": EVENT_TEST,
        "timestamp": at.isoformat(),
        "data": {"message": f"Test event for destination {destination_name!r} from Form-Bridge.",
                 "fields": {"name": "Ada Lovelace", "email": "ada@example.com", "message": "Hello!"}},
    }


def event_body(event: dict) -> bytes:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()


def event_email(*, event: dict, recipients: list[str], destination_name: str) -> EmailMultiAlternatives:
    """A readable e-mail of one event (plain text with an HTML alternative). Its files are
    attached up to FILES_EMAIL_ATTACH_MAX_BYTES in total, the rest linked (signed links)."""
    data = event["data"]
    files = email_files(data.get("files") or [])
    context = {
        "event": event, "data": data, "fields": sorted((data.get("fields") or {}).items()),
        "meta": sorted((data.get("meta") or {}).items()), "destination_name": destination_name,
        "is_test": event["type"] == EVENT_TEST, "site_url": settings.SITE_URL,
        "attached": [name for name, _content, _type in files.attached], "linked": files.linked,
    }
    if context["is_test"]:
        subject = f"[Form-Bridge] Test e-mail for {destination_name}"
    else:
        subject = f"[Form-Bridge] New submission: {data.get('form_id')}"
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string("emails/submission.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, to=recipients,
    )
    message.attach_alternative(render_to_string("emails/submission.html", context), "text/html")
    for name, content, content_type in files.attached:
        message.attach(name, content, content_type)
    return message
