"""Leases on delivery rows: the conditional writes that let any number of workers (and the
portal's "retry now") share the due queue without ever sending the same attempt twice.

A claim takes the lease (leaseOwner, leaseExpiresAt) only while the row is still pending,
due (nextAttemptAt not after now: a row another worker has rescheduled meanwhile is not due)
and unleased (or its lease expired); it also takes the next attempt number, so no two claims
ever own the same attempt, and reads the whole row back (the due queue projects only a few
attributes). A claim leaves nextAttemptAt as it is, so it writes no index: a crashed worker's
row stays in the due queue and is taken again once its lease has expired. The outcome is
saved on the row only while we still hold the lease; a worker that lost it leaves the row to
whoever holds it."""
from __future__ import annotations

import logging
import random
import time
from datetime import datetime, timedelta, timezone

from django.conf import settings
from pynamodb.exceptions import PutError, UpdateError

from portal.delivery import schedule
from portal.dynamo.base import is_condition_failure
from portal.dynamo.connection.health import endpoint_unreachable
from portal.dynamo.deliveries import MANUAL, SCHEDULED, Delivery
from portal.dynamo.delivery_batch import StatementBatcher, StatementRefused
from portal.dynamo.delivery_status import DeliveryStatus
from portal.observability.metrics import claim_observed

log = logging.getLogger("portal.delivery")


LEASE_SLACK_SECONDS = 30  # reads and writes around the send
OUTCOME_RETRY_MAX_SECONDS = 5.0  # longest wait between tries of an outcome DynamoDB did not take


def lease_seconds() -> int:
    """Always longer than the worst-case attempt (the send's absolute deadline, or the SMTP
    timeout, plus the reads and writes around it), whatever DELIVERY_LEASE_SECONDS says: a
    lease that ran out mid-attempt would let another worker send the same delivery again."""
    worst = max(float(getattr(settings, "DELIVERY_TIMEOUT_SECONDS", 10)),
                float(getattr(settings, "EMAIL_TIMEOUT", None) or 0) * 3)
    return max(int(getattr(settings, "DELIVERY_LEASE_SECONDS", 60)), int(worst) + LEASE_SLACK_SECONDS)


def claim(delivery: Delivery, *, worker_id: str, now: datetime, batcher: StatementBatcher | None = None) -> bool:
    """Take the lease on a pending, due row; False if someone else has it or it is not due
    any more. On success `delivery` holds the whole row as it now is. With `batcher` (the
    worker's), the claim goes out with the claims of the other attempts starting meanwhile."""
    expires = now + timedelta(seconds=lease_seconds())
    if batcher is not None:
        taken = _claim_batched(delivery, worker_id=worker_id, now=now, expires=expires, batcher=batcher)
        claim_observed(taken=taken)
        return taken
    condition = (Delivery.status == DeliveryStatus.PENDING) & (Delivery.nextAttemptAt <= now) & (
        Delivery.leaseExpiresAt.does_not_exist() | (Delivery.leaseExpiresAt < now))
    try:
        delivery.claim_update(condition=condition, actions=[
            Delivery.leaseOwner.set(worker_id), Delivery.leaseExpiresAt.set(expires), Delivery.attemptCount.add(1)])
    except UpdateError as error:
        if is_condition_failure(error):
            claim_observed(taken=False)
            return False
        raise
    claim_observed(taken=True)
    return True


def _claim_batched(delivery: Delivery, *, worker_id: str, now: datetime, expires: datetime,
                   batcher: StatementBatcher) -> bool:
    row = batcher.execute(delivery.claim_statement(worker_id=worker_id, now=now, expires=expires),
                          tenant_id=delivery.tenantId)
    if row is None:
        return False
    if not row:  # a server that applies the statement without returning the row: read it
        # Gone meanwhile (its submission deleted): nothing to attempt.
        return delivery.read_back() and delivery.leaseOwner == worker_id
    delivery.deserialize(row)
    return True


def claim_for_manual(delivery: Delivery, *, worker_id: str, now: datetime) -> bool:
    """Claim a row in any state for an attempt now. A delivered or failed row gets exactly one
    more try (its schedule is at the last step); a pending one is pulled forward."""
    expires = now + timedelta(seconds=lease_seconds())
    actions = [Delivery.leaseOwner.set(worker_id), Delivery.leaseExpiresAt.set(expires),
               Delivery.attemptCount.add(1), Delivery.nextTrigger.set(MANUAL)]
    recorded = delivery.recorded_attempt()
    if recorded is not None:
        # The attempt kept on the row is about to be replaced: it becomes an item of its own
        # (idempotent), so the timeline and the attempt log keep it.
        recorded_spill(recorded)
        actions += [getattr(Delivery, name).remove() for name in Delivery.RECORDED]
        actions.append(Delivery.destStatusSort.set(Delivery.dest_status_sort(DeliveryStatus.PENDING, now)))
    if not delivery.is_pending:
        actions += [Delivery.status.set(DeliveryStatus.PENDING), Delivery.nextAttemptAt.set(expires),
                    Delivery.scheduleStep.set(schedule.MAX_ATTEMPTS - 1),
                    Delivery.dueShard.set(Delivery.due_shard_for(delivery.submissionId))]
    else:
        actions.append(Delivery.nextAttemptAt.set(expires))
    return _update_if(delivery, actions=actions,
                      condition=Delivery.leaseExpiresAt.does_not_exist() | (Delivery.leaseExpiresAt < now))


def recorded_spill(attempt) -> None:
    try:
        attempt.save(condition=type(attempt).sk.does_not_exist())
    except PutError as error:
        if not is_condition_failure(error):
            raise


def _update_if(delivery: Delivery, *, actions: list, condition) -> bool:
    """The conditional update (at the version read, too); False if its condition failed."""
    try:
        delivery.update(actions=actions, condition=condition)
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def outcome_save(delivery: Delivery, *, worker_id: str, now: datetime, sleep=time.sleep,
                 rand=random.random, batcher: StatementBatcher | None = None) -> bool:
    """Save the row's new state and release the lease, only if `worker_id` still holds it.
    While DynamoDB does not answer, the outcome is kept in hand and tried again (capped
    exponential backoff with jitter) until our lease runs out: the receiver has the delivery,
    so losing its outcome would send it again (a batched statement DynamoDB refused, e.g.
    throttled, is tried again the same way). Past the lease the row belongs to whoever claims
    it next, and the error is raised. With `batcher`, the outcome goes out with the others
    ending meanwhile."""
    expires = delivery.leaseExpiresAt
    delivery.leaseOwner = None
    delivery.leaseExpiresAt = None
    delivery.nextTrigger = SCHEDULED
    delivery.updatedAt = now
    wait = 0.2
    while True:
        try:
            if batcher is not None:
                statement = delivery.outcome_statement(lease_owner=worker_id)
                if batcher.execute(statement, tenant_id=delivery.tenantId, item_bytes=delivery.stored_bytes()) is None:
                    raise LeaseLost()
                delivery.saved()
            else:
                delivery.save(condition=Delivery.leaseOwner == worker_id)
        except Exception as error:
            if isinstance(error, LeaseLost) or (isinstance(error, PutError) and is_condition_failure(error)):
                log.warning("lost the lease on %s/%s; its new holder finishes it", delivery.pk, delivery.sk)
                return False
            left = (expires - datetime.now(timezone.utc)).total_seconds() if expires else 0
            refused = isinstance(error, StatementRefused)
            if not (refused or endpoint_unreachable(error)) or left < wait + 1:
                raise
            log.warning("%s; keeping the outcome of %s/%s and trying again in %.1f s",
                        f"DynamoDB refused it ({error})" if refused else "DynamoDB is not answering",
                        delivery.pk, delivery.sk, wait)
            sleep(wait * (0.5 + rand() / 2))
            wait = min(OUTCOME_RETRY_MAX_SECONDS, wait * 2)
            continue
        return True


class LeaseLost(Exception):
    """The outcome's condition failed: another worker holds the row now."""
