"""Which deliveries a new submission needs: one pending row per enabled, active destination
whose form filter matches. Ingest writes these rows in the same transaction as the
submission, so a stored submission is never without its deliveries."""
from __future__ import annotations

from portal.dynamo.base import utcnow
from portal.dynamo.deliveries import Delivery
from portal.dynamo.delivery_status import DeliveryStatus
from portal.dynamo.destinations import Destination


def destinations_for_form(*, tenant_id: str, form_id: str) -> list[Destination]:
    destinations = Destination.in_tenant(tenant_id).query(Destination.partition_for(tenant_id))
    return [d for d in destinations if d.active and d.enabled and (not d.formIds or form_id in d.formIds)]


def plan_deliveries(*, tenant_id: str, submission_id: str, form_id: str,
                    destinations: list[Destination] | None = None) -> list[Delivery]:
    """Unsaved Delivery rows, due now, ready to be added to the ingest transaction."""
    if destinations is None:
        destinations = destinations_for_form(tenant_id=tenant_id, form_id=form_id)
    now = utcnow()
    rows = []
    for destination in destinations:
        row = Delivery.in_tenant(tenant_id).new(
            submissionId=submission_id, destinationId=destination.id, formId=form_id,
            status=DeliveryStatus.PENDING, nextAttemptAt=now, createdAt=now, updatedAt=now,
        )
        row.sync_index_keys()
        rows.append(row)
    return rows
