"""Reads for the read/action API: the tenant's tokens, and what the API answers for a submission and a destination: plain dicts in the
shape the OpenAPI document (portal/api/openapi.json) describes. Never a secret."""
from __future__ import annotations

from datetime import datetime

from django.conf import settings

from portal.delivery.gate import breaker_state
from portal.dynamo.api_tokens import ApiToken
from portal.dynamo.destinations import EMAIL, Destination
from portal.dynamo.submissions import Submission
from portal.selectors.deliveries import delivery_timeline
from portal.files.links import files_described



def api_token_list(*, tenant_id: str) -> list[ApiToken]:
    """The tenant's API tokens, newest first; revoked ones stay listed."""
    return list(ApiToken.of_tenant(tenant_id))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def submission_public(submission: Submission) -> dict:
    return {"id": submission.id, "site_id": submission.siteId, "form_id": submission.formId,
            "received_at": _iso(submission.receivedAt), "spam": bool(submission.spam),
            "delivery_status": submission.deliveryStatus, "fields": submission.fields, "meta": submission.meta,
            "lead": lead_public(submission)}


def lead_public(submission: Submission) -> dict:
    seconds = submission.firstResponseSeconds
    return {"state": submission.lead_state, "assignee": submission.assignee, "starred": bool(submission.starred),
            "archived": bool(submission.archived), "version": submission.lead_version,
            "changed_at": _iso(submission.leadChangedAt), "first_response_seconds": int(seconds) if seconds is not None else None}


def note_public(note) -> dict:
    return {"id": note.id, "kind": note.kind, "author": note.author, "author_name": note.authorName or None,
            "body": note.body, "reply_to": note.replyTo, "created_at": _iso(note.createdAt),
            "edited_at": _iso(note.editedAt)}


def submission_detail_public(*, tenant_id: str, submission: Submission) -> dict:
    deliveries = []
    for entry in delivery_timeline(tenant_id=tenant_id, submission_id=submission.id):
        row = entry.delivery
        deliveries.append({
            "destination_id": entry.destination_id, "destination_name": entry.destination_name,
            "status": row.status, "attempt_count": int(row.attemptCount or 0),
            "next_attempt_at": _iso(row.nextAttemptAt) if row.is_pending else None,
            "attempts": [{"number": int(a.number), "attempted_at": _iso(a.attemptedAt), "trigger": a.trigger,
                          "succeeded": bool(a.succeeded), "status_code": int(a.statusCode) if a.statusCode else None,
                          "duration_ms": int(a.durationMs) if a.durationMs is not None else None,
                          "error": a.error} for a in entry.attempts],
        })
    return {**submission_public(submission), "files": files_described(submission, seconds=settings.FILES_WEBHOOK_LINK_SECONDS), "deliveries": deliveries}


def destination_public(destination: Destination) -> dict:
    return {"id": destination.id, "name": destination.name, "type": destination.type,
            "url": destination.url if destination.type != EMAIL else None,
            "target": (destination.integration or {}).get("target") if destination.is_integration else None,
            "form_ids": list(destination.formIds or []), "enabled": bool(destination.enabled),
            "created_at": _iso(destination.dateCreated),
            "health": {"consecutive_failures": int(destination.consecutiveFailures or 0),
                       "failing_since": _iso(destination.failingSince),
                       "disabled_reason": destination.disabledReason,
                       "circuit": breaker_state(destination)}}
