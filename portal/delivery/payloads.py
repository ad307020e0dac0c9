"""What is sent: the webhook JSON body (the e-mail rendering: portal.delivery.email_message)."""
from __future__ import annotations

import json
from datetime import datetime

from portal.dynamo.submissions import Submission
from portal.files.links import file_links_for_delivery

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
