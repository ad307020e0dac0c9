"""Changes to a lead: state, assignee, starred, archived, one at a time or in bulk.

Every change is one transaction: the submission's conditional update (on leadVersion, so the
second of two people changing one lead at once gets ConcurrentEdit and sees the first's
change) and the ADD on its month's counter item. Who may do what: the role table's
WORK_LEADS, and for a CLIENT the rights its owner gave it (default: state and notes)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from portal.delivery.email_message import sender_address
from portal.dynamo.base import TransactionCancelled, save_versioned, transact, utcnow
from portal.dynamo.leads import NEW, RESPONSE_SECONDS, RESPONSES, bucket_of, lead_counter_action
from portal.dynamo.submissions import Submission
from portal.dynamo.tenants import Tenant
from portal.dynamo.users import CLIENT, PortalUser
from portal.errors import ConcurrentEdit, FieldErrors, NotFound, ServiceError
from portal.permissions import WORK_LEADS, user_can
from portal.selectors.access import access_submission
from portal.selectors.leads import lead_assignable
from portal.services.compliance.audit import audit_record
from portal.services.leads.rules import STATE_LABELS, counter_moves, next_state

RIGHT_STATE, RIGHT_NOTES, RIGHT_REPLY = "state", "notes", "reply"
ALL_RIGHTS = (RIGHT_STATE, RIGHT_NOTES, RIGHT_REPLY)
CLIENT_DEFAULT_RIGHTS = (RIGHT_STATE, RIGHT_NOTES)
RIGHT_LABELS = {RIGHT_STATE: "change state and assignee", RIGHT_NOTES: "add notes", RIGHT_REPLY: "reply by e-mail"}
BULK_MAX = 50  # submissions one bulk action may change
BULK_ACTIONS = ("state", "assign", "archive", "unarchive", "star", "unstar")
UNCHANGED = object()


class LeadRefused(ServiceError):
    pass


@dataclass(frozen=True)
class ApiActor:
    """A tenant API token acting on leads (its scopes were checked by the API): state, assignee,
    flags and notes; never an e-mail reply."""
    email: str
    name: str = "API"
    role: str = "API"

    @classmethod
    def of_token(cls, token) -> "ApiActor":
        return cls(email=f"api-token:{token.displayPrefix}", name=f"API token {token.displayPrefix}")


def lead_rights(user) -> frozenset[str]:
    """What lead work a user may do: everything for the team, the owner's choice for a client."""
    if isinstance(user, ApiActor):
        return frozenset((RIGHT_STATE, RIGHT_NOTES))
    if not user_can(user, WORK_LEADS):
        return frozenset()
    if user.role != CLIENT:
        return frozenset(ALL_RIGHTS)
    return frozenset(CLIENT_DEFAULT_RIGHTS if user.leadRights is None else user.leadRights)


def require_right(user: PortalUser, right: str) -> None:
    if right not in lead_rights(user):
        raise LeadRefused(f"Your account may not {RIGHT_LABELS[right]} on leads.")


@dataclass
class LeadRecord:
    state: str
    assignee: str | None
    starred: bool
    archived: bool

    @classmethod
    def of(cls, submission: Submission) -> "LeadRecord":
        return cls(submission.lead_state, submission.assignee, bool(submission.starred), bool(submission.archived))

    def public(self) -> dict:
        return {"state": self.state, "assignee": self.assignee, "starred": self.starred, "archived": self.archived}


def _apply(*, tenant: Tenant, actor: PortalUser, submission: Submission, after: LeadRecord, expected_version: int,
           now: datetime, first_reply: bool = False, extra_actions: list | None = None) -> float:
    """Write `after` as the lead's record (conditional on expected_version) and its counter
    moves in one transaction; returns the write units. ConcurrentEdit when someone else won."""
    before = LeadRecord.of(submission)
    counts = counter_moves(before.state, after.state)
    seconds = None
    if first_reply:
        seconds = max(0, int((now - submission.receivedAt).total_seconds()))
        counts.update({RESPONSES: 1, RESPONSE_SECONDS: seconds, bucket_of(seconds): 1})
    actions = [submission.lead_update_action(
        expected_version=expected_version, state=after.state, assignee=after.assignee, starred=after.starred,
        archived=after.archived, actor=actor.email, at=now, first_reply_at=now if first_reply else None,
        first_response_seconds=seconds)]
    if counts:
        actions.append(lead_counter_action(tenant_id=tenant.id, received_at=submission.receivedAt,
                                           site_id=submission.siteId, counts=counts))
    actions += extra_actions or []
    try:
        units = transact(actions)
    except TransactionCancelled as error:
        if error.condition_failed(0):
            raise ConcurrentEdit("Someone else changed this lead meanwhile. Its current state is shown; "
                                 "try again if you still want the change.") from error
        raise
    submission.leadState = None if after.state == NEW else after.state
    submission.assignee, submission.starred, submission.archived = after.assignee, after.starred, after.archived
    submission.leadVersion, submission.leadChangedAt, submission.leadChangedBy = expected_version + 1, now, actor.email
    if first_reply:
        submission.firstReplyAt, submission.firstResponseSeconds = now, seconds
    return units


def _check_assignee(*, tenant: Tenant, submission: Submission, email: str | None) -> str | None:
    if not email:
        return None
    email = email.strip().lower()
    if email not in {user.email for user in lead_assignable(tenant=tenant, site_id=submission.siteId)}:
        raise FieldErrors("Choose a member of your team (or a client of this site).", field="assignee")
    return email


def lead_update(*, tenant: Tenant, actor: PortalUser, submission: Submission, expected_version: int | None = None,
                state: str | None = None, assignee=UNCHANGED, starred: bool | None = None,
                archived: bool | None = None, now: datetime | None = None) -> Submission:
    """Change any of the lead's state, assignee, starred and archived. `expected_version` is the
    leadVersion the actor saw (None: the one just read). The new assignee gets an e-mail
    (unless they turned lead e-mails off or assigned it to themselves)."""
    require_right(actor, RIGHT_STATE)
    now = now or utcnow()
    version = submission.lead_version if expected_version is None else int(expected_version)
    if version != submission.lead_version:
        raise ConcurrentEdit("Someone else changed this lead meanwhile. Its current state is shown; "
                             "try again if you still want the change.")
    before = LeadRecord.of(submission)
    after = LeadRecord(**before.__dict__)
    if state is not None:
        after.state = next_state(before.state, state)
    if assignee is not UNCHANGED:
        after.assignee = _check_assignee(tenant=tenant, submission=submission, email=assignee)
    if starred is not None:
        after.starred = bool(starred)
    if archived is not None:
        after.archived = bool(archived)
    if after == before:
        return submission
    units = _apply(tenant=tenant, actor=actor, submission=submission, after=after, expected_version=version, now=now)
    submission.lastWriteUnits = units
    audit_record(tenant_id=tenant.id, actor=actor.email, action="lead.update", target_type="submission",
                 target_id=submission.id, before=before.public(), after=after.public())
    if after.assignee and after.assignee != before.assignee and after.assignee != actor.email:
        lead_assignment_notify(tenant=tenant, actor=actor, submission=submission)
    return submission


def lead_assignment_notify(*, tenant: Tenant, actor: PortalUser, submission: Submission) -> bool:
    """E-mail the assignee a link to the lead, unless they turned lead e-mails off."""
    user = PortalUser.of_tenant(tenant.id, submission.assignee)
    if user is None or not user.active or not getattr(user.preferences, "leadEmails", True):
        return False
    link = settings.SITE_URL + reverse("portal:submission_detail", kwargs={"submission_id": submission.id})
    context = {"tenant": tenant, "actor": actor, "submission": submission, "link": link,
               "state": STATE_LABELS[submission.lead_state],
               "settings_link": settings.SITE_URL + reverse("portal:lead_settings")}
    send_mail(subject=f"{actor.name or actor.email} assigned you a lead ({submission.formId})",
              message=render_to_string("emails/lead_assigned.txt", context),
              from_email=sender_address(tenant), recipient_list=[user.email])
    return True


@dataclass
class BulkResult:
    changed: int
    unchanged: int
    refused: list[str]  # one line per submission not changed for a reason worth showing


def lead_bulk(*, tenant: Tenant, actor: PortalUser, submission_ids: list[str], action: str, value: str = "",
              now: datetime | None = None) -> BulkResult:
    """One action on up to BULK_MAX of the tenant's (and the actor's sites') submissions, each
    re-read and changed conditionally; one audit entry for the whole action."""
    require_right(actor, RIGHT_STATE)
    ids = list(dict.fromkeys(i for i in submission_ids if i))
    if not ids:
        raise FieldErrors("Select at least one submission.", field="ids")
    if len(ids) > BULK_MAX:
        raise FieldErrors(f"Select at most {BULK_MAX} submissions at a time.", field="ids")
    if action not in BULK_ACTIONS:
        raise FieldErrors("Choose an action.", field="action")
    changes = {"state": {"state": value}, "assign": {"assignee": value or None},
               "archive": {"archived": True}, "unarchive": {"archived": False},
               "star": {"starred": True}, "unstar": {"starred": False}}[action]
    changed, unchanged, refused, done = 0, 0, [], []
    for submission_id in ids:
        try:
            submission = access_submission(tenant=tenant, submission_id=submission_id)
        except NotFound:
            refused.append(f"{submission_id}: not found")
            continue
        version = submission.lead_version
        try:
            lead_update(tenant=tenant, actor=actor, submission=submission, **changes)
        except ServiceError as error:
            refused.append(f"{submission_id}: {error}")
            continue
        if submission.lead_version != version:
            changed += 1
            done.append(submission_id)
        else:
            unchanged += 1
    audit_record(tenant_id=tenant.id, actor=actor.email, action="lead.bulk", target_type="submission",
                 target_id=f"{len(done)} submissions", after={"action": action, "value": value, "ids": done},
                 detail=f"{changed} changed, {unchanged} already so, {len(refused)} refused")
    return BulkResult(changed=changed, unchanged=unchanged, refused=refused)


def lead_client_rights_set(*, tenant: Tenant, actor: PortalUser, user: PortalUser, rights: list[str]) -> PortalUser:
    """The owner (or an admin) decides what lead work a client may do."""
    from portal.permissions import MANAGE_TEAM

    if not user_can(actor, MANAGE_TEAM):
        raise LeadRefused("Only the account owner and admins decide what clients may do.")
    if user.tenantId != tenant.id or user.role != CLIENT:
        raise NotFound("No such client.")
    chosen = [right for right in ALL_RIGHTS if right in set(rights)]
    before = list(CLIENT_DEFAULT_RIGHTS) if user.leadRights is None else list(user.leadRights)
    user.leadRights = chosen
    user.touch(actor.email)
    save_versioned(user)
    audit_record(tenant_id=tenant.id, actor=actor.email, action="lead.client_rights", target_type="user",
                 target_id=user.email, before=before, after=chosen)
    return user


def lead_email_preference_set(*, user: PortalUser, enabled: bool) -> PortalUser:
    """The user's own choice: e-mail me when a lead is assigned to me."""
    user.preferences.leadEmails = bool(enabled)
    user.touch(user.email)
    save_versioned(user)
    return user
