"""A tenant's delivery actions: retry one delivery now, re-send a submission to a
destination, bulk-retry a destination's failed deliveries, send a test event."""
from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import PutError

from portal.delivery import schedule
from portal.delivery.attempt import Outcome, attempt_claimed, send_test_event
from portal.delivery.claim import claim, claim_for_manual
from portal.delivery.status import submission_status_refresh
from portal.delivery.worker import worker_id_new
from portal.dynamo.base import is_condition_failure, save_versioned, utcnow
from portal.dynamo.deliveries import MANUAL, Delivery, DeliveryAttempt
from portal.dynamo.delivery_status import DeliveryStatus
from portal.dynamo.destinations import Destination
from portal.dynamo.submissions import Submission
from portal.dynamo.tenants import Tenant
from portal.errors import ConcurrentEdit, NotFound, ServiceError
from portal.selectors.destinations import destination_deliveries
from portal.services.compliance.audit import audit_record
from portal.services.ingest.delivery_plan import destination_routes, destinations_for_form, plan_deliveries

MAX_BULK_WINDOW = timedelta(days=14)


class DeliveryBusy(ServiceError):
    def __init__(self):
        super().__init__("This delivery is being sent right now. Wait a minute and look again.")


class NotRouted(ServiceError):
    def __init__(self, destination: Destination):
        super().__init__(f"{destination.name} does not take submissions of this site or form (see its routing).")


def _require_route(destination: Destination, submission: Submission) -> None:
    """Re-sending follows the routing the destination has now, like a new submission would."""
    if not destination_routes(destination, site_id=submission.siteId, form_id=submission.formId):
        raise NotRouted(destination)


def _delivery_get(*, tenant_id: str, submission_id: str, destination_id: str) -> Delivery:
    found = Delivery.in_tenant(tenant_id).get_or_none(Delivery.partition_for(submission_id),
                                                      Delivery.sort_for(destination_id))
    if found is None:
        raise NotFound("No such delivery.")
    return found


def _attempt_now(delivery: Delivery, *, clock=utcnow) -> Outcome:
    worker_id = "portal:" + worker_id_new()
    if not claim_for_manual(delivery, worker_id=worker_id, now=clock()):
        raise DeliveryBusy()
    return attempt_claimed(delivery, worker_id=worker_id, clock=clock)


def delivery_retry_now(*, tenant: Tenant, actor: str, submission: Submission, destination: Destination,
                       clock=utcnow) -> Outcome:
    """One attempt right now (trigger=manual). A failed or delivered delivery gets exactly this
    one try; a pending one continues its schedule if it fails."""
    delivery = _delivery_get(tenant_id=tenant.id, submission_id=submission.id, destination_id=destination.id)
    if not destination.enabled:
        raise ServiceError("This destination is disabled. Enable it first.")
    _require_route(destination, submission)
    outcome = _attempt_now(delivery, clock=clock)
    audit_record(tenant_id=tenant.id, actor=actor, action="delivery.retry", target_type="delivery",
                 target_id=f"{submission.id}/{destination.id}", detail=outcome.status)
    return outcome


def delivery_resend(*, tenant: Tenant, actor: str, submission: Submission, destination: Destination,
                    clock=utcnow) -> Outcome:
    """Send the submission to the destination now, whether or not it went there before."""
    tenant_id = tenant.id
    if not destination.enabled:
        raise ServiceError("This destination is disabled. Enable it first.")
    _require_route(destination, submission)
    delivery = Delivery.in_tenant(tenant_id).get_or_none(Delivery.partition_for(submission.id),
                                                         Delivery.sort_for(destination.id))
    if delivery is None:
        submission.delivery_row_added()
        (delivery,) = plan_deliveries(tenant_id=tenant_id, submission_id=submission.id, form_id=submission.formId,
                                      destinations=[destination], site_id=submission.siteId, expires=submission.ttl,
                                      planned=0)
        delivery.nextTrigger = MANUAL
        delivery.save(condition=Delivery.sk.does_not_exist())
        worker_id = "portal:" + worker_id_new()
        if not claim(delivery, worker_id=worker_id, now=clock()):
            raise DeliveryBusy()
        outcome = attempt_claimed(delivery, worker_id=worker_id, clock=clock)
    else:
        outcome = _attempt_now(delivery, clock=clock)
    audit_record(tenant_id=tenant_id, actor=actor, action="delivery.resend", target_type="delivery",
                 target_id=f"{submission.id}/{destination.id}", detail=outcome.status)
    return outcome


def deliveries_bulk_retry(*, tenant: Tenant, actor: str, destination: Destination, since: datetime,
                          until: datetime, now: datetime | None = None) -> int:
    """Queue every delivery to this destination that failed within [since, until] (at most 14
    days) for a fresh schedule, starting now. Returns how many were queued."""
    now = now or utcnow()
    if until <= since:
        raise ServiceError("The end of the window must be after its start.")
    if until - since > MAX_BULK_WINDOW:
        raise ServiceError("Choose a window of at most 14 days.")
    if not destination.enabled:
        raise ServiceError("This destination is disabled. Enable it first, then retry its failed deliveries.")
    tenant_id, destination_id = tenant.id, destination.id
    queued = 0
    for delivery in destination_deliveries(tenant_id=tenant_id, destination_id=destination_id, status=DeliveryStatus.FAILED,
                                           since=since, until=until):
        fresh = Delivery.in_tenant(tenant_id).get_or_none(delivery.pk, delivery.sk)
        if fresh is None or fresh.status != DeliveryStatus.FAILED:
            continue
        if not _still_routed(tenant, destination, fresh):
            continue  # the destination's routing no longer takes this submission
        fresh.status, fresh.nextAttemptAt, fresh.scheduleStep = DeliveryStatus.PENDING, now, 0
        fresh.nextTrigger, fresh.updatedAt = MANUAL, now
        fresh.leaseOwner = fresh.leaseExpiresAt = None
        try:
            save_versioned(fresh, condition=Delivery.status == DeliveryStatus.FAILED)
        except ConcurrentEdit:
            continue
        submission_status_refresh(tenant_id=tenant_id, submission_id=fresh.submissionId)
        queued += 1
    audit_record(tenant_id=tenant_id, actor=actor, action="delivery.bulk_retry", target_type="destination",
                 target_id=destination_id, detail=f"{queued} failed deliveries from {since:%Y-%m-%d %H:%M} "
                                                  f"to {until:%Y-%m-%d %H:%M} UTC queued")
    return queued


def _still_routed(tenant: Tenant, destination: Destination, delivery: Delivery) -> bool:
    site_id = delivery.siteId
    if site_id is None and destination.siteIds:  # a row from before rows carried their site
        submission = Submission.find(tenant.id, delivery.submissionId, shard_count=tenant.shardCount)
        site_id = submission.siteId if submission is not None else None
    return destination_routes(destination, site_id=site_id, form_id=delivery.formId)


def destination_send_test(*, tenant: Tenant, actor: str, destination: Destination, clock=utcnow) -> DeliveryAttempt:
    """Deliver a test payload now; the attempt (trigger=test) shows in the attempt log."""
    attempt = send_test_event(destination, clock=clock)
    audit_record(tenant_id=tenant.id, actor=actor, action="destination.test", target_type="destination",
                 target_id=destination.id, detail="succeeded" if attempt.succeeded else (attempt.error or "failed"))
    return attempt


def submission_resend_queue(*, tenant: Tenant, actor: str, submission: Submission,
                            destination_ids: list[str] | None = None, now: datetime | None = None) -> list[str]:
    """Queue the submission for the worker to send again (the API's re-send: no network call
    inside the request). To the given destinations, or to every enabled destination its form
    goes to. A row already pending stays as it is; a delivered or failed row gets exactly one
    more try (trigger=manual); a destination it never went to gets a new row. Returns the ids
    of the destinations it is (now) queued for."""
    now = now or utcnow()
    if submission.spam:
        raise ServiceError("Spam is never delivered: mark the submission as not spam first.")
    # Routing as a new submission of this site and form would get it (site and form choices).
    every = {d.id: d for d in destinations_for_form(tenant_id=tenant.id, form_id=submission.formId,
                                                    site_id=submission.siteId)}
    if destination_ids is None:
        targets = list(every.values())
    else:
        known = {d.id: d for d in Destination.in_tenant(tenant.id).query(Destination.partition_for(tenant.id))
                 if d.active}
        unknown = [i for i in destination_ids if i not in known]
        if unknown:
            raise NotFound(f"No such destination: {unknown[0]}.")
        disabled = [known[i].name for i in destination_ids if not known[i].enabled]
        if disabled:
            raise ServiceError(f"Destination {disabled[0]} is disabled. Enable it first.")
        targets = [known[i] for i in dict.fromkeys(destination_ids)]
        for destination in targets:
            _require_route(destination, submission)
    queued = []
    for destination in targets:
        row = Delivery.in_tenant(tenant.id).get_or_none(Delivery.partition_for(submission.id),
                                                        Delivery.sort_for(destination.id), consistent_read=True)
        if row is None:
            submission.delivery_row_added()
            (row,) = plan_deliveries(tenant_id=tenant.id, submission_id=submission.id, form_id=submission.formId,
                                     destinations=[destination], site_id=submission.siteId, expires=submission.ttl,
                                     planned=0)
            row.nextTrigger = MANUAL
            try:
                row.save(condition=Delivery.sk.does_not_exist())
            except PutError as error:
                if not is_condition_failure(error):
                    raise  # else: created meanwhile by a concurrent re-send, so it is queued
        elif not row.is_pending:
            previous = row.status
            row.status, row.nextAttemptAt, row.updatedAt = DeliveryStatus.PENDING, now, now
            row.scheduleStep, row.nextTrigger = schedule.MAX_ATTEMPTS - 1, MANUAL
            row.leaseOwner = row.leaseExpiresAt = None
            try:
                save_versioned(row, condition=Delivery.status == previous)
            except ConcurrentEdit:
                pass  # someone else changed it meanwhile (a worker or another re-send): it is being handled
        queued.append(destination.id)
    if queued:
        submission_status_refresh(tenant_id=tenant.id, submission_id=submission.id)
    audit_record(tenant_id=tenant.id, actor=actor, action="delivery.resend_queued", target_type="submission",
                 target_id=submission.id, detail=f"queued for {len(queued)} destination(s)")
    return queued
