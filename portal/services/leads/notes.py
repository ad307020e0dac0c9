"""Notes on a lead and replies sent from the portal.

A note is tenant data with its author and time; its author may edit it for EDIT_WINDOW, nobody
else ever. A reply is a short e-mail to the submitter's address, from the agency's sender with
Reply-To the replying user, recorded as a note; it moves a New or Open lead to Replied and the
first one keeps the time to first response."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.core.mail import EmailMessage

from portal.delivery.email_message import sender_address
from portal.dynamo.base import new_id, save_versioned, utcnow
from portal.dynamo.leads import NOTE, REPLY, LeadNote
from portal.dynamo.submissions import Submission
from portal.dynamo.tenants import Tenant
from portal.dynamo.users import PortalUser
from portal.errors import ConcurrentEdit, FieldErrors, NotFound, ServiceError
from portal.selectors.access import access_submission
from portal.selectors.leads import NOTES_MAX, lead_note_count, lead_notes
from portal.services.compliance.audit import audit_record
from portal.services.leads.rules import state_after_reply
from portal.services.leads.work import RIGHT_NOTES, RIGHT_REPLY, LeadRecord, _apply, require_right
from portal.text import submitter_email

EDIT_WINDOW = timedelta(minutes=15)
BODY_MAX = 5000
SUBJECT_MAX = 150
REPLY_RECORD_ATTEMPTS = 4  # a sent reply is recorded even when the lead changes meanwhile


class NoteRefused(ServiceError):
    pass


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise FieldErrors("Write something first.", field="body")
    if len(body) > BODY_MAX:
        raise FieldErrors(f"Keep it under {BODY_MAX} characters.", field="body")
    return body


def _room_for_one_more(tenant: Tenant, submission: Submission) -> None:
    if lead_note_count(tenant=tenant, submission=submission) >= NOTES_MAX:
        raise NoteRefused(f"This submission already has {NOTES_MAX} notes, the most one can hold.")


def _new_note(*, tenant: Tenant, actor: PortalUser, submission: Submission, body: str, kind: str = NOTE,
              reply_to: str | None = None, now: datetime) -> LeadNote:
    note = LeadNote.in_tenant(tenant.id).new(
        id=new_id(), siteId=submission.siteId, submissionId=submission.id, kind=kind, author=actor.email,
        authorName=actor.name or "", body=body, replyTo=reply_to, createdAt=now, ttl=submission.ttl)
    note.sync_keys()
    return note


def lead_note_add(*, tenant: Tenant, actor: PortalUser, submission: Submission, body: str,
                  now: datetime | None = None) -> LeadNote:
    require_right(actor, RIGHT_NOTES)
    body = _clean_body(body)
    _room_for_one_more(tenant, submission)
    note = _new_note(tenant=tenant, actor=actor, submission=submission, body=body, now=now or utcnow())
    note.save(condition=LeadNote.pk.does_not_exist())
    audit_record(tenant_id=tenant.id, actor=actor.email, action="lead.note", target_type="submission",
                 target_id=submission.id, detail=f"note {note.id} added")
    return note


def lead_note_edit(*, tenant: Tenant, actor: PortalUser, submission: Submission, note_id: str, body: str,
                   version: int | None = None, now: datetime | None = None) -> LeadNote:
    """The author's own note, within EDIT_WINDOW of writing it; a reply (an e-mail already sent)
    is never edited. Conditional on the note's version."""
    require_right(actor, RIGHT_NOTES)
    now = now or utcnow()
    note = next((n for n in lead_notes(tenant=tenant, submission=submission) if n.id == note_id), None)
    if note is None:
        raise NotFound("No such note.")
    if note.author != actor.email or note.kind != NOTE:
        raise NoteRefused("Only its author can edit a note.")
    if now - note.createdAt > EDIT_WINDOW:
        raise NoteRefused("A note can be edited for 15 minutes after it was written.")
    if version is not None and int(version) != note.version:
        raise ConcurrentEdit()
    note.body, note.editedAt = _clean_body(body), now
    save_versioned(note)
    audit_record(tenant_id=tenant.id, actor=actor.email, action="lead.note_edit", target_type="submission",
                 target_id=submission.id, detail=f"note {note.id} edited")
    return note


def lead_reply_address(submission: Submission) -> str | None:
    return submitter_email(submission.fields)


def lead_reply(*, tenant: Tenant, actor: PortalUser, submission: Submission, subject: str, body: str,
               now: datetime | None = None) -> LeadNote:
    """Send the reply, then record it (note + state + first response) in one transaction. The
    e-mail is already out when the record is written, so a concurrent change of the lead is
    not a refusal here: the lead is read again and the record retried."""
    require_right(actor, RIGHT_REPLY)
    to = lead_reply_address(submission)
    if not to:
        raise NoteRefused("This submission has no e-mail address to reply to.")
    body = _clean_body(body)
    subject = " ".join((subject or "").split())[:SUBJECT_MAX] or f"Re: your message ({submission.formId})"
    _room_for_one_more(tenant, submission)
    message = EmailMessage(subject=subject, body=body, from_email=sender_address(tenant), to=[to],
                           reply_to=[actor.email])
    message.send()
    now = now or utcnow()
    note = _new_note(tenant=tenant, actor=actor, submission=submission, body=body, kind=REPLY, reply_to=to, now=now)
    note_put = note.put_action()
    for attempt in range(REPLY_RECORD_ATTEMPTS):
        before = LeadRecord.of(submission)
        after = LeadRecord(state_after_reply(before.state), before.assignee, before.starred, before.archived)
        try:
            _apply(tenant=tenant, actor=actor, submission=submission, after=after,
                   expected_version=submission.lead_version, now=now, first_reply=submission.firstReplyAt is None,
                   extra_actions=[note_put])
            break
        except ConcurrentEdit:
            if attempt == REPLY_RECORD_ATTEMPTS - 1:
                raise
            submission = access_submission(tenant=tenant, submission_id=submission.id)
    note.version = 1
    audit_record(tenant_id=tenant.id, actor=actor.email, action="lead.reply", target_type="submission",
                 target_id=submission.id, detail=f"reply {note.id} sent", after={"state": submission.lead_state})
    return note
