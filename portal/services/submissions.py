"""Writes of submissions from the portal: spam marking and deletion for good."""
from __future__ import annotations

from portal.dynamo.base import TransactionCancelled, transact
from portal.dynamo.deliveries import submission_rows_delete
from portal.dynamo.metrics import OTHER_FORMS, submission_counter_action, submission_counts
from portal.dynamo.rollups import FORM_NAMES, month_key, rollup_counts, rollup_update_action, rollups_get
from portal.dynamo.submissions import Submission
from portal.dynamo.tenants import Tenant
from portal.errors import ConcurrentEdit
from portal.services.compliance.audit import audit_record
from portal.services.ingest.files import files_delete


def _summary(submission: Submission) -> dict:
    """What the audit trail keeps of a submission: never the field values."""
    return {"id": submission.id, "formId": submission.formId, "siteId": submission.siteId,
            "receivedAt": submission.receivedAt.isoformat(), "spam": submission.spam,
            "fieldCount": len(submission.fields)}


def submission_mark_spam(*, tenant: Tenant, actor: str, submission: Submission, spam: bool) -> Submission:
    """Flip the flag and move the submission's count between `submissions` and `spam` on the
    day it arrived (one transaction), so the dashboard and the quota follow."""
    if submission.tenantId != tenant.id:
        raise ConcurrentEdit()
    if submission.spam == spam:
        return submission
    where = dict(tenant_id=tenant.id, at=submission.receivedAt, shard=submission.shard,
                 form_key=submission.counted_form, site_id=submission.siteId)
    try:
        transact([submission.spam_update_action(spam),
                  submission_counter_action(**where, spam=submission.spam, sign=-1),
                  submission_counter_action(**where, spam=spam)]
                 + _rollup_moves(tenant_id=tenant.id, submission=submission, spam=spam))
    except TransactionCancelled as error:
        raise ConcurrentEdit() from error
    before = _summary(submission)
    submission.spam = spam
    audit_record(tenant_id=tenant.id, actor=actor, action="submission.spam" if spam else "submission.not_spam",
                 target_type="submission", target_id=submission.id, before=before, after=_summary(submission))
    return submission


def _rollup_moves(*, tenant_id: str, submission: Submission, spam: bool) -> list[dict]:
    """The month rollups' side of a spam flip (the tenant's item and the site's), in the same
    transaction: the count moves between submissions and spam on its day, hour and form (under
    the key the item counts the form by: one BatchGetItem to know it)."""
    at, month = submission.receivedAt, month_key(submission.receivedAt)
    sites = [None] + ([submission.siteId] if submission.siteId else [])
    found = rollups_get(tenant_id=tenant_id, months=[month], sites=sites)
    actions = []
    for site_id in sites:
        named = found.get((month, site_id), {}).get(FORM_NAMES, {}).get("SS", [])
        form_key = submission.counted_form if submission.counted_form in named else OTHER_FORMS
        counts = {}
        for sign, is_spam in ((-1, submission.spam), (1, spam)):
            delta = rollup_counts(at=at, counts=submission_counts(hour=at.hour, spam=is_spam, sign=sign),
                                  form_key=form_key)
            for name, amount in delta.items():
                counts[name] = counts.get(name, 0) + amount
        actions.append(rollup_update_action(tenant_id=tenant_id, month=month, site_id=site_id, counts=counts))
    return actions


def submission_delete(*, tenant: Tenant, actor: str, submission: Submission, reason: str = "") -> None:
    """Delete for good (a privacy request): the submission, every delivery row and attempt
    recorded for it, and its files' bytes. The audit entry keeps who, when and which form, not the values. Rows go
    first and the submission last, so an interrupted delete can simply be repeated."""
    if submission.tenantId != tenant.id:
        raise ConcurrentEdit()
    submission_rows_delete(tenant.id, submission.id)
    submission.delete(condition=Submission.tenantId == tenant.id)
    # Its files after the item (never an item pointing to missing bytes); what fails here the
    # sweeper removes, since nothing references it any more.
    files_delete(submission.files)
    audit_record(tenant_id=tenant.id, actor=actor, action="submission.delete", target_type="submission",
                 target_id=submission.id, before=_summary(submission), after=None,
                 detail=reason.strip() or "Deleted for good on request.")
