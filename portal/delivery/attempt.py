"""One delivery attempt from a held lease to its record, shared by the worker loop and the
portal's "retry now", "re-send" and "send test event" actions: read what is needed (through a
cache the worker fills with one batched read per fetch), send, then save the outcome while
still holding the lease, and only then count it in the day's metrics, update the submission's
status (followups.py) and the destination's health.

A successful attempt is written with the outcome, on the delivery row itself (one conditional
write: the lease check and the record together); a failed attempt is an item of its own,
written before the outcome (its number is ours alone, taken by the claim) and removed again
if the lease turns out to be lost because the row was deleted meanwhile."""
from __future__ import annotations

import logging
import random
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from pynamodb.exceptions import PutError

from portal.delivery import payloads, schedule, sender
from portal.delivery.claim import outcome_save, recorded_spill
from portal.delivery.health import destination_health_record
from portal.delivery.followups import FollowUps
from portal.delivery.send import send_event
from portal.dynamo.connection import capacity
from portal.dynamo import delivery_batch
from portal.dynamo.base import is_condition_failure, new_id, utcnow
from portal.dynamo.deliveries import SCHEDULED, TEST, Delivery, DeliveryAttempt
from portal.dynamo.delivery_status import DeliveryStatus
from portal.dynamo.destinations import Destination
from portal.dynamo.submissions import Submission
from portal.dynamo.tenants import Tenant
from portal.observability.metrics import delivery_result_observed

log = logging.getLogger("portal.delivery")

LOST = "lost"  # the lease was lost before the outcome was saved: its new holder finishes the row
ENDED = (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED)

Clock = Callable[[], datetime]
TEST_ATTEMPT_RETENTION = timedelta(days=30)  # test events belong to no submission: they expire on their own


@dataclass
class Outcome:
    attempt: DeliveryAttempt | None
    status: str  # the delivery's status afterwards, or LOST


class PassCache:
    """Tenants and destinations read once per worker pass (the long-running worker starts a
    new cache every few seconds, so a change made meanwhile applies within that), and the
    submissions of the due rows fetched: `prefetch` reads all of them in one BatchGetItem per
    100 keys instead of a GetItem each per delivery. Also carries the pass's FollowUps and the
    dispatcher's send slots."""

    def __init__(self, *, followups: FollowUps | None = None, send_slot=None, statements=None):
        self.send_slot = send_slot or (lambda destination_id: nullcontext())  # the dispatcher's SendSlots
        self.statements = statements  # the dispatcher's StatementBatcher: outcomes sent together
        self.tenants: dict[str, Tenant | None] = {}
        self.destinations: dict[tuple[str, str], Destination | None] = {}
        self.submissions: dict[tuple[str, str], Submission] = {}
        self.followups = followups or FollowUps(buffered=False)

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

    def prefetch(self, rows: list[Delivery], *, submissions: bool = True) -> None:
        """Read what `rows` will need that is not cached yet, batched: tenants and
        destinations in one request, then (unless `submissions` is False: rows already
        started) the submissions in another."""
        if not rows:
            return
        with capacity.metered() as shared:
            self._prefetch(rows, submissions=submissions)
        capacity.carry_shared(shared, tenant_ids=[r.tenantId for r in rows])  # the cost page's units

    def _prefetch(self, rows: list[Delivery], *, submissions: bool) -> None:
        tenant_ids = {r.tenantId for r in rows} - set(self.tenants)
        destination_keys = {(r.tenantId, r.destinationId) for r in rows} - set(self.destinations)
        if tenant_ids or destination_keys:
            tenants, destinations = delivery_batch.tenants_and_destinations(
                tenant_ids=tenant_ids, destination_keys=destination_keys)
            self.tenants.update({t: tenants.get(t) for t in tenant_ids})
            self.destinations.update({k: destinations.get(k) for k in destination_keys})
        wanted = {(r.tenantId, _shards(self.tenants.get(r.tenantId)), r.submissionId) for r in rows
                  if submissions and (r.tenantId, r.submissionId) not in self.submissions}
        if wanted:
            self.submissions.update(delivery_batch.submissions_in_shards(
                {(t, Submission.shard_for(s, n), s) for t, n, s in wanted}))

    def submission(self, tenant_id: str, submission_id: str, *, shard_count: int) -> Submission | None:
        """The prefetched submission (taken out: it is used once), else read now (it may sit
        in another shard, or the row was not prefetched)."""
        found = self.submissions.pop((tenant_id, submission_id), None)
        return found or Submission.find(tenant_id, submission_id, shard_count=shard_count)


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
    ending = dict(tenant=tenant, worker_id=worker_id, now=now, cache=cache)
    if destination is None or not destination.active:
        return _finish_without_sending(delivery, reason="The destination was deleted.", **ending)
    if not destination.enabled:
        return _finish_without_sending(delivery, reason="The destination is disabled.", **ending)
    submission = cache.submission(delivery.tenantId, delivery.submissionId, shard_count=_shards(tenant))
    if submission is None:
        return _finish_without_sending(delivery, reason="The submission is no longer stored.", **ending)
    try:
        event = payloads.submission_event(submission)
    except Exception as error:  # noqa: BLE001 - a row that cannot be prepared still gets its attempt
        result = sender.SendResult(channel=destination.type, error=f"Could not prepare the event: {error}"[:1000])
    else:
        with cache.send_slot(destination.id):
            if before_request is not None:
                before_request(destination)  # the rate limit's pace, right before the request
            result = send_event(destination, event=event, msg_id=delivery.message_id, now=now)
    now = clock()
    attempt = attempt_new(tenant_id=delivery.tenantId, partition=Delivery.partition_for(delivery.submissionId),
                          submission_id=delivery.submissionId, destination_id=delivery.destinationId,
                          number=int(delivery.attemptCount), trigger=trigger, result=result, now=now,
                          ttl=delivery.ttl)
    if result.ok:
        earlier = delivery.recorded_attempt()
        if earlier is not None and earlier.number != attempt.number:
            # A row queued again without a manual claim (the API's re-send) still keeps its
            # earlier success: it becomes an item of its own before the new one replaces it.
            recorded_spill(earlier)
        delivery.record_attempt(attempt)  # written with the outcome, in the same conditional write
    else:
        attempt_save(attempt)
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
    if not outcome_save(delivery, worker_id=worker_id, now=now, batcher=cache.statements):
        if not result.ok:
            _drop_if_orphan(attempt, delivery)
        return Outcome(attempt=attempt, status=LOST)
    if delivery.status in ENDED:
        cache.followups.delivery_ended(delivery, tenant=tenant, now=now, submission=submission)
    destination_health_record(destination=destination, tenant=tenant, ok=result.ok, now=now,
                              exhausted=delivery.status == DeliveryStatus.FAILED)
    return Outcome(attempt=attempt, status=delivery.status)


def _drop_if_orphan(attempt: DeliveryAttempt, delivery: Delivery) -> None:
    """The lease was lost because the row is gone (its submission was deleted while we sent):
    the attempt written meanwhile would belong to nothing, so it goes too."""
    if Delivery.in_tenant(delivery.tenantId).get_or_none(delivery.pk, delivery.sk, consistent_read=True) is None:
        attempt.delete()


def attempt_new(*, tenant_id: str, partition: str, submission_id: str, destination_id: str, number: int,
                trigger: str, result: sender.SendResult, now: datetime, ttl: datetime | None) -> DeliveryAttempt:
    """The attempt as recorded (not written yet)."""
    delivery_result_observed(result)
    return DeliveryAttempt.in_tenant(tenant_id).new(
        pk=partition, sk=DeliveryAttempt.sort_for(destination_id, number), submissionId=submission_id,
        destinationId=destination_id, number=number, trigger=trigger, attemptedAt=now, channel=result.channel,
        statusCode=result.status_code, responseBody=result.body[:sender.MAX_BODY_BYTES] or None,
        durationMs=result.duration_ms, error=result.error, succeeded=1 if result.ok else 0, ttl=ttl,
    )


def attempt_save(attempt: DeliveryAttempt) -> DeliveryAttempt:
    """Write the attempt item; one already there (a retried write) is left as it is."""
    number, partition = attempt.number, attempt.pk
    try:
        attempt.save(condition=DeliveryAttempt.sk.does_not_exist())
    except PutError as error:
        if not is_condition_failure(error):
            raise
        log.warning("attempt %s of %s already recorded", number, partition)
    return attempt


def _finish_without_sending(delivery: Delivery, *, tenant: Tenant | None, worker_id: str, now: datetime,
                            reason: str, cache: PassCache) -> Outcome:
    delivery.status, delivery.nextAttemptAt, delivery.lastError = DeliveryStatus.FAILED, None, reason
    delivery.lastStatusCode = None
    # The claim took an attempt number that no attempt used: give it back.
    delivery.attemptCount = max(0, int(delivery.attemptCount) - 1)
    if not outcome_save(delivery, worker_id=worker_id, now=now, batcher=cache.statements):
        return Outcome(attempt=None, status=LOST)
    cache.followups.delivery_ended(delivery, tenant=tenant, now=now, submission=None)
    return Outcome(attempt=None, status=DeliveryStatus.FAILED)


def _shards(tenant: Tenant | None) -> int:
    return int(tenant.shardCount or 1) if tenant else 1


def send_test_event(destination: Destination, *, clock: Clock = utcnow) -> DeliveryAttempt:
    """Send a test payload now and record it as a trigger=test attempt (no retries, no health)."""
    now = clock()
    test_id = new_id()
    result = send_event(destination, event=payloads.test_event(destination_name=destination.name, at=now),
                        msg_id=f"msg_test_{test_id}", now=now)
    at = clock()
    return attempt_save(attempt_new(
        tenant_id=destination.tenantId, partition=DeliveryAttempt.test_partition_for(test_id),
        submission_id=f"test_{test_id}", destination_id=destination.id, number=1, trigger=TEST, result=result,
        now=at, ttl=at + TEST_ATTEMPT_RETENTION))
