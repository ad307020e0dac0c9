"""Writes of submissions from the portal: spam marking and deletion for good."""
from __future__ import annotations

from botocore.exceptions import ClientError

from portal.dynamo.deliveries import Delivery
from portal.dynamo.metrics import counter_update_action, ingest_counts
from portal.dynamo.submissions import Submission
from portal.dynamo.tenants import Tenant
from portal.errors import ConcurrentEdit
from portal.services.audit import audit_record


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
    hour = submission.receivedAt.hour
    shard = int(submission.pk.rsplit("#", 1)[1])
    counts = ingest_counts(form_id=submission.formId, hour=hour, spam=submission.spam, sign=-1)
    for name, amount in ingest_counts(form_id=submission.formId, hour=hour, spam=spam).items():
        counts[name] = counts.get(name, 0) + amount
    try:
        Submission.client().transact_write_items(TransactItems=[
            submission.spam_update_action(spam),
            counter_update_action(tenant_id=tenant.id, at=submission.receivedAt, shard=shard, counts=counts),
        ])
    except ClientError as error:
        if error.response["Error"]["Code"] == "TransactionCanceledException":
            raise ConcurrentEdit() from error
        raise
    before = _summary(submission)
    submission.spam = spam
    audit_record(tenant_id=tenant.id, actor=actor, action="submission.spam" if spam else "submission.not_spam",
                 target_type="submission", target_id=submission.id, before=before, after=_summary(submission))
    return submission


def submission_delete(*, tenant: Tenant, actor: str, submission: Submission, reason: str = "") -> None:
    """Delete for good (a privacy request): the submission and every delivery row and attempt
    recorded for it. The audit entry keeps who, when and which form, not the values. Rows go
    first and the submission last, so an interrupted delete can simply be repeated."""
    if submission.tenantId != tenant.id:
        raise ConcurrentEdit()
    client = Submission.client()
    kwargs = {
        "TableName": Delivery.Meta.table_name,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": Delivery.partition_for(submission.id)}},
        "ProjectionExpression": "pk, sk, tenantId",
        "ConsistentRead": True,
    }
    while True:
        page = client.query(**kwargs)
        keys = [{"pk": row["pk"], "sk": row["sk"]} for row in page.get("Items", [])
                if row.get("tenantId", {}).get("S") == tenant.id]
        for start in range(0, len(keys), 25):
            requests = {Delivery.Meta.table_name: [{"DeleteRequest": {"Key": key}} for key in keys[start:start + 25]]}
            while requests:
                requests = client.batch_write_item(RequestItems=requests).get("UnprocessedItems") or None
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    submission.delete(condition=Submission.tenantId == tenant.id)
    audit_record(tenant_id=tenant.id, actor=actor, action="submission.delete", target_type="submission",
                 target_id=submission.id, before=_summary(submission), after=None,
                 detail=reason.strip() or "Deleted for good on request.")
