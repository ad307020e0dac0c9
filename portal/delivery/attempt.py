"""One delivery attempt from a held lease to its record, shared by the worker loop and the
portal's "retry now", "re-send" and "send test event" actions: read what is needed (through a
per-pass cache), send, write the attempt row (its number is ours alone, taken by the claim),
then save the outcome while still holding the lease, and only then count it in the day's
metrics, refresh the submission's status and the destination's health."""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from pynamodb.exceptions import PutError

from portal.delivery import payloads, schedule, sender
from portal.delivery.claim import outcome_save
from portal.delivery.health import destination_health_record
from portal.delivery.send import send_event
from portal.delivery.status import submission_status_refresh
from portal.dynamo.base import is_condition_failure, new_id, utcnow
from portal.dynamo.deliveries import SCHEDULED, TEST, Delivery, DeliveryAttempt
from portal.dynamo.delivery_status import DeliveryStatus
from portal.dynamo.destinations import Destination
from portal.dynamo.metrics import counters_add, delivery_counts
from portal.dynamo.submissions import Submission
from portal.dynamo.tenants import Tenant
from portal.observability.metrics import delivery_result_observed

log = logging.getLogger("portal.delivery")

LOST = "lost"  # the lease was lost before the outcome was saved: its new holder finishes the row
ENDED = (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED)

Clock = Callable[[], datetime]


@dataclass
class Outcome:
    attempt: DeliveryAttempt | None
    status: str  # the delivery's status afterwards, or LOST


class PassCache:
    """Tenants and destinations read once per worker pass (a pass lasts seconds; a change
    made meanwhile applies from the next pass). Saves two reads per delivery."""

    def __init__(self):
        self.tenants: dict[str, Tenant | None] = {}
        self.destinations: dict[tuple[str, str], Destination | None] = {}

    def tenant(self, tenant_id: str) -> Tenant | None:
        if tenant_id not in self.tenants:
            self.tenants[tenant_id] = Tenant.by_id(tenant_id)
        return self.tenants[tenant_id]

    def destination(self, tenant_id: str, destination_id: str) -> Destination | None:
        key = (tenant_id, destination_id)
        if key not in self.destinations:
            self.destinations[key] = Destination.in_tenant(tenant_id).get_or_none(
                Destination.partition_for(tenant_id), Destination.sort_for(destination_id))
        return self.destinations[key]


def attempt_claimed(delivery: Delivery, *, worker_id: str, clock: Clock = utcnow,
                    rand: Callable[[], float] = random.random, cache: PassCache | None = None,
                    before_request: Callable[[Destination], None] | None = None) -> Outcome:
    """Send the claimed delivery once, record the attempt and the outcome. `before_request`
    (the worker's rate limit) runs right before the request goes out."""
    now = clock()
    cache = cache or PassCache()
    trigger = delivery.nextTrigger or SCHEDULED
    destination = cache.destination(delivery.tenantId, delivery.destinationId)
    tenant = cache.tenant(delivery.tenantId)
    if destination is None or not destination.active:
        return _finish_without_sending(delivery, tenant=tenant, worker_id=worker_id, now=now, reason="The destination was deleted.")
    if not destination.enabled:
        return _finish_without_sending(delivery, tenant=tenant, worker_id=worker_id, now=now, reason="The destination is disabled.")
    submission = Submission.find(delivery.tenantId, delivery.submissionId, shard_count=_shards(tenant))
    if submission is None:
        return _finish_without_sending(delivery, tenant=tenant, worker_id=worker_id, now=now,
                                       reason="The submission is no longer stored.")
    try:
        event = payloads.submission_event(submission)
    except Exception as error:  # noqa: BLE001 - a row that cannot be prepared still gets its attempt
        result = sender.SendResult(channel=destination.type, error=f"Could not prepare the event: {error}"[:1000])
    else:
        if before_request is not None:
            before_request(destination)
        result = send_event(destination, event=event, msg_id=delivery.message_id, now=now)
    now = clock()
    attempt = attempt_record(tenant_id=delivery.tenantId, partition=Delivery.partition_for(delivery.submissionId),
                             submission_id=delivery.submissionId, destination_id=delivery.destinationId,
                             number=int(delivery.attemptCount), trigger=trigger, result=result, now=now)
    step = int(delivery.scheduleStep or 0) + 1
    delivery.scheduleStep = step
    delivery.lastStatusCode = result.status_code
    delivery.lastError = result.error
    if result.ok:
        delivery.status, delivery.nextAttemptAt = DeliveryStatus.DELIVERED, None
    else:
        retry_after = schedule.parse_retry_after(result.retry_after, now=now)
        following = schedule.next_attempt_at(now=now, attempts_made=step, retry_after=retry_after, rand=rand)
        delivery.status, delivery.nextAttemptAt = ((DeliveryStatus.FAILED, None) if following is None
                                                   else (DeliveryStatus.PENDING, following))
    if not outcome_save(delivery, worker_id=worker_id, now=now):
        _drop_if_orphan(attempt, delivery)
        return Outcome(attempt=attempt, status=LOST)
    if delivery.status in ENDED:
        _count_end(delivery, tenant=tenant, now=now, submission=submission)
    destination_health_record(destination=destination, tenant=tenant, ok=result.ok, now=now,
                              exhausted=delivery.status == DeliveryStatus.FAILED)
    return Outcome(attempt=attempt, status=delivery.status)


def _drop_if_orphan(attempt: DeliveryAttempt, delivery: Delivery) -> None:
    """The lease was lost because the row is gone (its submission was deleted while we sent):
    the attempt written meanwhile would belong to nothing, so it goes too."""
    if Delivery.in_tenant(delivery.tenantId).get_or_none(delivery.pk, delivery.sk, consistent_read=True) is None:
        attempt.delete()


def attempt_record(*, tenant_id: str, partition: str, submission_id: str, destination_id: str, number: int,
                   trigger: str, result: sender.SendResult, now: datetime) -> DeliveryAttempt:
    """Write the attempt row; a row already there (a retried write) is left as it is."""
    delivery_result_observed(result)
    attempt = DeliveryAttempt.in_tenant(tenant_id).new(
        pk=partition, sk=DeliveryAttempt.sort_for(destination_id, number), submissionId=submission_id,
        destinationId=destination_id, number=number, trigger=trigger, attemptedAt=now, channel=result.channel,
        statusCode=result.status_code, responseBody=result.body[:sender.MAX_BODY_BYTES] or None,
        durationMs=result.duration_ms, error=result.error, succeeded=1 if result.ok else 0,
    )
    try:
        attempt.save(condition=DeliveryAttempt.sk.does_not_exist())
    except PutError as error:
        if not is_condition_failure(error):
            raise
        log.warning("attempt %s of %s already recorded", number, partition)
    return attempt


def _finish_without_sending(delivery: Delivery, *, tenant: Tenant | None, worker_id: str, now: datetime,
                            reason: str) -> Outcome:
    delivery.status, delivery.nextAttemptAt, delivery.lastError = DeliveryStatus.FAILED, None, reason
    delivery.lastStatusCode = None
    # The claim took an attempt number that no attempt used: give it back.
    delivery.attemptCount = max(0, int(delivery.attemptCount) - 1)
    if not outcome_save(delivery, worker_id=worker_id, now=now):
        return Outcome(attempt=None, status=LOST)
    _count_end(delivery, tenant=tenant, now=now)
    return Outcome(attempt=None, status=DeliveryStatus.FAILED)


def _shards(tenant: Tenant | None) -> int:
    return int(tenant.shardCount or 1) if tenant else 1


def _count_end(delivery: Delivery, *, tenant: Tenant | None, now: datetime,
               submission: Submission | None = None) -> None:
    """Every pending -> delivered/failed transition counts once in the day's metrics and
    updates the submission's status."""
    shards = _shards(tenant)
    counters_add(tenant_id=delivery.tenantId, at=now, shard=Submission.shard_for(delivery.submissionId, shards),
                 counts=delivery_counts(delivered=delivery.status == DeliveryStatus.DELIVERED))
    submission_status_refresh(tenant_id=delivery.tenantId, submission_id=delivery.submissionId,
                              shard_count=shards, submission=submission)


def send_test_event(destination: Destination, *, clock: Clock = utcnow) -> DeliveryAttempt:
    """Send a test payload now and record it as a trigger=test attempt (no retries, no health)."""
    now = clock()
    test_id = new_id()
    result = send_event(destination, event=payloads.test_event(destination_name=destination.name, at=now),
                        msg_id=f"msg_test_{test_id}", now=now)
    return attempt_record(tenant_id=destination.tenantId, partition=DeliveryAttempt.test_partition_for(test_id),
                          submission_id=f"test_{test_id}", destination_id=destination.id, number=1, trigger=TEST,
                          result=result, now=clock())
