"""A submission's delivery status, kept in step with its delivery rows: recomputed from the
rows (read strongly consistent) whenever one of them ends or is queued again."""
from __future__ import annotations

from pynamodb.exceptions import UpdateError

from portal.dynamo.base import is_condition_failure
from portal.dynamo.deliveries import submission_rows
from portal.dynamo.delivery_status import DeliveryStatus, submission_status_from
from portal.dynamo.submissions import Submission
from portal.dynamo.tenants import Tenant


def submission_status_refresh(*, tenant_id: str, submission_id: str, shard_count: int | None = None,
                              submission: Submission | None = None) -> DeliveryStatus | None:
    """Recompute and store the submission's deliveryStatus; None if it has no delivery rows."""
    deliveries, _ = submission_rows(tenant_id, submission_id, consistent=True)
    status = submission_status_from([d.status for d in deliveries])
    if status is None:
        return None
    if shard_count is None:
        tenant = Tenant.by_id(tenant_id)
        shard_count = int(tenant.shardCount or 1) if tenant else 1
    submission = submission or Submission.find(tenant_id, submission_id, shard_count=shard_count)
    if submission is None or submission.deliveryStatus == status:
        return status
    try:
        # Only while the item exists: a submission deleted meanwhile must not come back as a
        # key-only item holding just its status.
        submission.update(actions=submission.delivery_status_actions(status), condition=Submission.pk.exists())
    except UpdateError as error:
        if not is_condition_failure(error):
            raise
    return status
