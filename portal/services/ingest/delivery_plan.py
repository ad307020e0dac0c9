"""Which deliveries a new submission needs: one pending row per enabled, active destination
whose routing matches: its sites (none chosen = every site) and, within them, its forms (none
chosen = every form). Re-send and bulk retry ask the same question (destination_routes).
Ingest writes these rows in the same transaction as the submission, so a stored submission is
never without its deliveries."""
from __future__ import annotations

import logging
from datetime import datetime

from portal.dynamo.base import utcnow
from portal.dynamo.deliveries import Delivery
from portal.dynamo.delivery_status import DeliveryStatus
from portal.dynamo.destinations import Destination
from portal.selectors.billing.plans import MAX_DESTINATIONS

logger = logging.getLogger("portal")


def tenant_destinations(*, tenant_id: str) -> list[Destination]:
    """Every destination of the tenant (one Query); ingest caches it a few seconds."""
    return list(Destination.in_tenant(tenant_id).query(Destination.partition_for(tenant_id)))


def destination_routes(destination: Destination, *, site_id: str | None, form_id: str | None) -> bool:
    """Whether the destination takes submissions of this site and form (its routing only; not
    whether it is enabled). A submission without a site only reaches destinations for every site."""
    sites_ok = not destination.siteIds or site_id in destination.siteIds
    forms_ok = not destination.formIds or form_id in destination.formIds
    return sites_ok and forms_ok


def destinations_for_form(*, tenant_id: str, form_id: str, destinations: list[Destination] | None = None,
                          site_id: str | None = None) -> list[Destination]:
    """At most MAX_DESTINATIONS (the oldest first), so the ingest transaction always fits: plans
    cannot allow more, but a tenant left with more (a plan lowered later) still ingests."""
    if destinations is None:
        destinations = tenant_destinations(tenant_id=tenant_id)
    matching = [d for d in destinations
                if d.active and d.enabled and destination_routes(d, site_id=site_id, form_id=form_id)]
    if len(matching) > MAX_DESTINATIONS:
        logger.warning("tenant %s has %d destinations for form %s; delivering to the first %d",
                       tenant_id, len(matching), form_id, MAX_DESTINATIONS)
    return sorted(matching, key=lambda d: d.id)[:MAX_DESTINATIONS]


def plan_deliveries(*, tenant_id: str, submission_id: str, form_id: str, expires: datetime | None = None,
                    destinations: list[Destination] | None = None, site_id: str | None = None,
                    planned: int | None = None) -> list[Delivery]:
    """Unsaved Delivery rows, due now, ready to be added to the ingest transaction. They
    expire with the submission (`expires`, its ttl) and know how many rows it was planned
    with (`planned`, default: these), so a single row's outcome is the submission's status."""
    if destinations is None:
        destinations = destinations_for_form(tenant_id=tenant_id, form_id=form_id, site_id=site_id)
    now = utcnow()
    rows = []
    for destination in destinations:
        row = Delivery.in_tenant(tenant_id).new(
            submissionId=submission_id, destinationId=destination.id, formId=form_id, siteId=site_id,
            status=DeliveryStatus.PENDING, nextAttemptAt=now, createdAt=now, updatedAt=now,
            ttl=expires, deliveriesPlanned=planned if planned is not None else len(destinations),
        )
        row.sync_index_keys()
        rows.append(row)
    return rows
