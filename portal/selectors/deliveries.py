"""Reads of deliveries: a submission's delivery timeline (one query on SUB#{id})."""
from __future__ import annotations

from dataclasses import dataclass, field

from portal.dynamo.deliveries import Delivery, DeliveryAttempt, submission_rows
from portal.dynamo.destinations import Destination


@dataclass
class TimelineEntry:
    destination_id: str
    destination_name: str
    destination_type: str | None
    delivery: Delivery
    attempts: list[DeliveryAttempt] = field(default_factory=list)


def delivery_timeline(*, tenant_id: str, submission_id: str) -> list[TimelineEntry]:
    """One entry per destination the submission goes to, each with its attempts in order."""
    deliveries, attempts = submission_rows(tenant_id, submission_id)
    names = {d.id: d for d in Destination.in_tenant(tenant_id).query(Destination.partition_for(tenant_id))}
    entries = []
    for delivery in sorted(deliveries, key=lambda d: d.createdAt):
        destination = names.get(delivery.destinationId)
        label = destination.name if destination else "(unknown destination)"
        if destination is not None and not destination.active:
            label += " (deleted)"
        own = sorted((a for a in attempts if a.destinationId == delivery.destinationId), key=lambda a: a.number)
        entries.append(TimelineEntry(destination_id=delivery.destinationId, destination_name=label,
                                     destination_type=destination.type if destination else None,
                                     delivery=delivery, attempts=own))
    return entries
