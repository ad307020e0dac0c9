"""Reads of a tenant's destinations and of each destination's attempt log."""
from __future__ import annotations

from portal.delivery.gate import breaker_state, breaker_threshold, probe_seconds
from portal.dynamo.deliveries import Delivery, DeliveryAttempt
from portal.dynamo.destinations import Destination
from portal.selectors.pagination import Page, query_page

ATTEMPT_OUTCOMES = ("succeeded", "failed")


def destination_list(*, tenant_id: str) -> list[Destination]:
    """Live destinations, oldest first (one key query on the tenant's partition)."""
    items = Destination.in_tenant(tenant_id).query(Destination.partition_for(tenant_id))
    return sorted((d for d in items if d.active), key=lambda d: d.dateCreated)


def destination_attempt_log(*, tenant_id: str, destination_id: str, outcome: str | None = None,
                            cursor: str | None = None, limit: int = 25) -> Page[DeliveryAttempt]:
    """Every attempt to the destination (test events included), newest first; `outcome`
    keeps only succeeded or failed ones. Raises BadCursor for a forged page link. The caller
    has accessed the destination (selectors.access); the query is inside the tenant anyway."""
    flt = None
    if outcome in ATTEMPT_OUTCOMES:
        flt = DeliveryAttempt.succeeded == (1 if outcome == "succeeded" else 0)
    scope = DeliveryAttempt.in_tenant(tenant_id)
    return query_page(
        lambda **kw: scope.query(Delivery.dest_key_for(destination_id),
                                 DeliveryAttempt.destStatusSort.startswith(DeliveryAttempt.LOG_PREFIX),
                                 filter_condition=flt, index=DeliveryAttempt.destination_index,
                                 scan_index_forward=False, **kw),
        cursor=cursor, audience=tenant_id, list_name=f"attempts:{destination_id}", limit=limit,
        query_params={"outcome": outcome if outcome in ATTEMPT_OUTCOMES else None},
    )


def destination_deliveries(*, tenant_id: str, destination_id: str, status: str, since=None, until=None,
                           limit: int | None = None) -> list[Delivery]:
    """The destination's deliveries in one status (optionally last changed within a window),
    newest first, through the DestinationIndex."""
    scope = Delivery.in_tenant(tenant_id)
    if since is not None and until is not None:
        condition = Delivery.destStatusSort.between(Delivery.dest_status_sort(status, since),
                                                    Delivery.dest_status_sort(status, until))
    else:
        condition = Delivery.destStatusSort.startswith(Delivery.dest_status_prefix(status))
    items = scope.query(Delivery.dest_key_for(destination_id), condition, index=Delivery.destination_index,
                        scan_index_forward=False, limit=limit)
    return list(items)


def destination_breaker(*, destination: Destination) -> dict:
    """The circuit breaker as the destination page shows it."""
    return {"state": breaker_state(destination), "threshold": breaker_threshold(), "probe_seconds": probe_seconds()}
