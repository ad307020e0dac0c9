"""One delivery attempt from claim to record, shared by the worker loop and the portal's
"retry now", "re-send" and "send test event" actions.

Claim: a conditional update takes a lease (leaseOwner, leaseExpiresAt) only while the row is
still pending, unleased (or its lease expired) and at the version the claimer read; it also
takes the next attempt number, so no two claims ever own the same attempt. A crashed
worker's lease simply expires: the row's nextAttemptAt is the lease expiry, so the due query
finds it again then. Record: the attempt row is written first (its number is ours alone),
then the outcome is saved on the delivery only if we still hold the lease at that version;
a worker that lost its lease leaves the row to whoever holds it."""
from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from pynamodb.exceptions import PutError, UpdateError

from portal.crypto import field_decrypt
from portal.delivery import payloads, schedule, sender
from portal.delivery.signing import signature_headers
from portal.dynamo.base import is_condition_failure, new_id, save_versioned, utcnow
from portal.dynamo.deliveries import DELIVERED, FAILED, PENDING, Delivery, DeliveryAttempt, submission_rows
from portal.dynamo.destinations import EMAIL, Destination
from portal.dynamo.metrics import DailyMetrics
from portal.dynamo.submissions import Submission
from portal.dynamo.tenants import Tenant
from portal.errors import ConcurrentEdit
from portal.selectors.submissions import submission_find
from portal.selectors.tenants import tenant_get_or_none

log = logging.getLogger("portal.delivery")

SCHEDULED, MANUAL, TEST = "scheduled", "manual", "test"
PARTIAL = "partially delivered"
DISABLE_AFTER = timedelta(days=5)
USER_AGENT = "Form-Bridge-Webhooks/1.0"

Clock = Callable[[], datetime]


def lease_seconds() -> int:
    return int(getattr(settings, "DELIVERY_LEASE_SECONDS", 60))


@dataclass
class Outcome:
    attempt: DeliveryAttempt | None
    status: str  # the delivery's status afterwards (or "lost" if the lease was lost)


# --- claim -------------------------------------------------------------------------------------
def claim(delivery: Delivery, *, worker_id: str, now: datetime) -> bool:
    """Take the lease on a pending row; False if someone else has it or it changed."""
    expires = now + timedelta(seconds=lease_seconds())
    condition = (Delivery.status == PENDING) & (
        Delivery.leaseExpiresAt.does_not_exist() | (Delivery.leaseExpiresAt < now))
    try:
        delivery.update(actions=[
            Delivery.leaseOwner.set(worker_id), Delivery.leaseExpiresAt.set(expires),
            Delivery.nextAttemptAt.set(expires), Delivery.attemptCount.add(1),
        ], condition=condition)
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def claim_for_manual(delivery: Delivery, *, worker_id: str, now: datetime) -> bool:
    """Claim a row in any state for an attempt now. A delivered or failed row gets exactly one
    more try (its schedule is at the last step); a pending one is pulled forward."""
    expires = now + timedelta(seconds=lease_seconds())
    actions = [Delivery.leaseOwner.set(worker_id), Delivery.leaseExpiresAt.set(expires),
               Delivery.attemptCount.add(1), Delivery.nextTrigger.set(MANUAL)]
    if delivery.status != PENDING:
        actions += [Delivery.status.set(PENDING), Delivery.nextAttemptAt.set(expires),
                    Delivery.scheduleStep.set(schedule.MAX_ATTEMPTS - 1),
                    Delivery.dueShard.set(Delivery.due_shard_for(delivery.submissionId))]
    else:
        actions.append(Delivery.nextAttemptAt.set(expires))
    condition = Delivery.leaseExpiresAt.does_not_exist() | (Delivery.leaseExpiresAt < now)
    try:
        delivery.update(actions=actions, condition=condition)
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


# --- sending -----------------------------------------------------------------------------------
def signing_secrets(destination: Destination, *, now: datetime) -> list[str]:
    """The current secret first, then every previous one still inside its overlap window."""
    secrets_ = [field_decrypt(destination.secretEncrypted)] if destination.secretEncrypted else []
    for previous in destination.previousSecrets or []:
        if previous.expiresAt > now:
            secrets_.append(field_decrypt(previous.secretEncrypted))
    return secrets_


def send_event(destination: Destination, *, event: dict, msg_id: str, now: datetime) -> sender.SendResult:
    if destination.type == EMAIL:
        return _send_email(destination, event=event)
    body = payloads.event_body(event)
    headers = {k: v for k, v in (destination.headers or {}).items()}
    headers.update({"Content-Type": "application/json", "User-Agent": USER_AGENT})
    # The signature timestamp is the real wall clock: receivers check it against theirs.
    headers.update(signature_headers(secrets_=signing_secrets(destination, now=now), msg_id=msg_id,
                                     timestamp=int(time.time()), body=body))
    return sender.post(destination.url, body=body, headers=headers)


def _send_email(destination: Destination, *, event: dict) -> sender.SendResult:
    started = time.monotonic()
    try:
        message = payloads.event_email(event=event, recipients=list(destination.recipients),
                                       destination_name=destination.name)
        sent = message.send(fail_silently=False)
    except Exception as error:  # any backend failure is this attempt's error, not a crash
        return sender.SendResult(status_code=None, duration_ms=int((time.monotonic() - started) * 1000),
                                 error=f"E-mail not sent: {error}")
    duration = int((time.monotonic() - started) * 1000)
    if not sent:
        return sender.SendResult(status_code=None, duration_ms=duration, error="E-mail not sent")
    return sender.SendResult(status_code=250, duration_ms=duration,
                             body=f"Sent to {', '.join(destination.recipients)}")


# --- one attempt -------------------------------------------------------------------------------
class PassCache:
    """Tenants and destinations read once per worker pass (a pass lasts seconds; a change
    made meanwhile applies from the next pass). Saves two reads per delivery."""

    def __init__(self):
        self.tenants: dict[str, Tenant | None] = {}
        self.destinations: dict[tuple[str, str], Destination | None] = {}

    def tenant(self, tenant_id: str) -> Tenant | None:
        if tenant_id not in self.tenants:
            self.tenants[tenant_id] = tenant_get_or_none(tenant_id=tenant_id)
        return self.tenants[tenant_id]

    def destination(self, tenant_id: str, destination_id: str) -> Destination | None:
        key = (tenant_id, destination_id)
        if key not in self.destinations:
            self.destinations[key] = Destination.in_tenant(tenant_id).get_or_none(
                Destination.partition_for(tenant_id), Destination.sort_for(destination_id))
        return self.destinations[key]


def attempt_claimed(delivery: Delivery, *, worker_id: str, clock: Clock = utcnow,
                    rand: Callable[[], float] = random.random, cache: PassCache | None = None) -> Outcome:
    """Send the claimed delivery once, record the attempt and the outcome."""
    now = clock()
    cache = cache or PassCache()
    trigger = delivery.nextTrigger or SCHEDULED
    destination = cache.destination(delivery.tenantId, delivery.destinationId)
    tenant = cache.tenant(delivery.tenantId)
    if destination is None or not destination.active:
        return _finish_without_sending(delivery, tenant=tenant, worker_id=worker_id, now=now, reason="The destination was deleted.")
    if not destination.enabled:
        return _finish_without_sending(delivery, tenant=tenant, worker_id=worker_id, now=now, reason="The destination is disabled.")
    submission = submission_find(tenant_id=delivery.tenantId, submission_id=delivery.submissionId,
                                 shard_count=int(tenant.shardCount or 1) if tenant else 1)
    if submission is None:
        return _finish_without_sending(delivery, tenant=tenant, worker_id=worker_id, now=now,
                                       reason="The submission is no longer stored.")
    result = send_event(destination, event=payloads.submission_event(submission), msg_id=delivery.message_id, now=now)
    now = clock()
    attempt = _record_attempt(tenant_id=delivery.tenantId, partition=Delivery.partition_for(delivery.submissionId),
                              submission_id=delivery.submissionId, destination_id=delivery.destinationId,
                              number=int(delivery.attemptCount), trigger=trigger, result=result, now=now)
    step = int(delivery.scheduleStep or 0) + 1
    delivery.scheduleStep = step
    delivery.lastStatusCode = result.status_code
    delivery.lastError = result.error
    if result.ok:
        delivery.status, delivery.nextAttemptAt = DELIVERED, None
    else:
        retry_after = schedule.parse_retry_after(result.retry_after, now=now)
        following = schedule.next_attempt_at(now=now, attempts_made=step, retry_after=retry_after, rand=rand)
        delivery.status, delivery.nextAttemptAt = (FAILED, None) if following is None else (PENDING, following)
    if not _save_outcome(delivery, worker_id=worker_id, now=now):
        return Outcome(attempt=attempt, status="lost")
    _after_outcome(delivery, destination=destination, tenant=tenant, ok=result.ok, now=now, submission=submission)
    return Outcome(attempt=attempt, status=delivery.status)


def _record_attempt(*, tenant_id: str, partition: str, submission_id: str, destination_id: str, number: int,
                    trigger: str, result: sender.SendResult, now: datetime) -> DeliveryAttempt:
    attempt = DeliveryAttempt.in_tenant(tenant_id).new(
        pk=partition, sk=DeliveryAttempt.sort_for(destination_id, number), submissionId=submission_id,
        destinationId=destination_id, number=number, trigger=trigger, attemptedAt=now,
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


def _save_outcome(delivery: Delivery, *, worker_id: str, now: datetime) -> bool:
    delivery.leaseOwner = None
    delivery.leaseExpiresAt = None
    delivery.nextTrigger = SCHEDULED
    delivery.updatedAt = now
    try:
        delivery.save(condition=Delivery.leaseOwner == worker_id)
    except PutError as error:
        if is_condition_failure(error):
            log.warning("lost the lease on %s/%s; its new holder finishes it", delivery.pk, delivery.sk)
            return False
        raise
    return True


def _finish_without_sending(delivery: Delivery, *, tenant: Tenant | None, worker_id: str, now: datetime,
                            reason: str) -> Outcome:
    delivery.status, delivery.nextAttemptAt, delivery.lastError = FAILED, None, reason
    delivery.lastStatusCode = None
    # The claim took an attempt number that no attempt used: give it back.
    delivery.attemptCount = max(0, int(delivery.attemptCount) - 1)
    if not _save_outcome(delivery, worker_id=worker_id, now=now):
        return Outcome(attempt=None, status="lost")
    metrics_add(tenant_id=delivery.tenantId, submission_id=delivery.submissionId, now=now, failed=1,
                shard_count=_shards(tenant))
    submission_status_refresh(tenant_id=delivery.tenantId, submission_id=delivery.submissionId,
                              shard_count=_shards(tenant))
    return Outcome(attempt=None, status=FAILED)


def _shards(tenant: Tenant | None) -> int:
    return int(tenant.shardCount or 1) if tenant else 1


def _after_outcome(delivery: Delivery, *, destination: Destination, tenant: Tenant | None, ok: bool,
                   now: datetime, submission: Submission) -> None:
    """Every pending -> delivered/failed transition counts once in the day's metrics."""
    if delivery.status in (DELIVERED, FAILED):
        metrics_add(tenant_id=delivery.tenantId, submission_id=delivery.submissionId, now=now,
                    shard_count=_shards(tenant), **{delivery.status: 1})
        submission_status_refresh(tenant_id=delivery.tenantId, submission_id=delivery.submissionId,
                                  shard_count=_shards(tenant), submission=submission)
    destination_health_record(destination=destination, tenant=tenant, ok=ok, now=now,
                              exhausted=delivery.status == FAILED)


# --- side effects: health, submission status, metrics ----------------------------------------
def destination_health_record(*, destination: Destination, tenant: Tenant | None, ok: bool, now: datetime,
                              exhausted: bool) -> None:
    """consecutiveFailures / failingSince; a destination failing for 5 days whose retries are
    exhausted is disabled and its tenant e-mailed (once, on the transition). Works on a fresh
    copy (the caller's may be a cached one) and retries when a concurrent save wins."""
    if ok and not destination.consecutiveFailures and destination.failingSince is None:
        return
    for _ in range(5):
        fresh = Destination.in_tenant(destination.tenantId).get_or_none(destination.pk, destination.sk)
        if fresh is None or (ok and not fresh.consecutiveFailures and fresh.failingSince is None):
            return
        disabled_now = False
        if ok:
            fresh.consecutiveFailures, fresh.failingSince = 0, None
        else:
            fresh.consecutiveFailures = int(fresh.consecutiveFailures or 0) + 1
            fresh.failingSince = fresh.failingSince or now
            if exhausted and fresh.enabled and now - fresh.failingSince >= DISABLE_AFTER:
                fresh.enabled = False
                fresh.disabledReason = (
                    f"Every delivery failed since {fresh.failingSince:%Y-%m-%d %H:%M} UTC "
                    f"({fresh.consecutiveFailures} attempts in a row) and the retries were exhausted.")
                disabled_now = True
        fresh.touch("delivery-worker")
        try:
            save_versioned(fresh)
        except ConcurrentEdit:
            continue
        if disabled_now:
            _notify_disabled(destination=fresh, tenant=tenant)
        return


def _notify_disabled(*, destination: Destination, tenant: Tenant | None) -> None:
    if tenant is None:
        return
    try:
        path = reverse("portal:destination_detail", kwargs={"destination_id": destination.id})
    except NoReverseMatch:
        path = f"/destinations/{destination.id}/"
    context = {"tenant": tenant, "destination": destination, "destination_url": settings.SITE_URL + path}
    try:
        send_mail(subject=f"[Form-Bridge] Destination disabled: {destination.name}",
                  message=render_to_string("emails/destination_disabled.txt", context),
                  from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[tenant.destinationEmail or tenant.email])
    except Exception:  # the disable stands even if the mail server is down; it is logged
        log.exception("could not e-mail tenant %s about disabled destination %s", tenant.id, destination.id)


def summary_status(statuses: list[str]) -> str | None:
    if not statuses:
        return None
    if PENDING in statuses:
        return PENDING
    if all(s == DELIVERED for s in statuses):
        return DELIVERED
    if all(s == FAILED for s in statuses):
        return FAILED
    return PARTIAL


def submission_status_refresh(*, tenant_id: str, submission_id: str, shard_count: int | None = None,
                              submission: Submission | None = None) -> str | None:
    """Recompute the submission's deliveryStatus from its delivery rows (strongly consistent)."""
    deliveries, _ = submission_rows(tenant_id, submission_id, consistent=True)
    status = summary_status([d.status for d in deliveries])
    if status is None:
        return None
    if shard_count is None:
        tenant = tenant_get_or_none(tenant_id=tenant_id)
        shard_count = int(tenant.shardCount or 1) if tenant else 1
    submission = submission or submission_find(tenant_id=tenant_id, submission_id=submission_id, shard_count=shard_count)
    if submission is None or submission.deliveryStatus == status:
        return status
    submission.update(actions=submission.delivery_status_actions(status))
    return status


def metrics_add(*, tenant_id: str, submission_id: str, now: datetime, delivered: int = 0, failed: int = 0,
                shard_count: int = 1) -> None:
    """Atomic ADD on the tenant's day item, creating it (with its index keys) if missing."""
    day = now.strftime("%Y-%m-%d")
    shard = Submission.shard_for(submission_id, shard_count) if shard_count > 1 else None
    item = DailyMetrics.in_tenant(tenant_id).new(pk=DailyMetrics.partition_for(tenant_id),
                                                 sk=DailyMetrics.sort_for(day, shard), date=day)
    actions = [
        DailyMetrics.tenantId.set(DailyMetrics.tenantId | tenant_id),
        DailyMetrics.date.set(DailyMetrics.date | day),
        DailyMetrics.gsi1pk.set(DailyMetrics.gsi1pk | DailyMetrics.day_index_key(day)),
        DailyMetrics.gsi1sk.set(DailyMetrics.gsi1sk | DailyMetrics.partition_for(tenant_id)),
    ]
    if delivered:
        actions.append(DailyMetrics.delivered.add(delivered))
    if failed:
        actions.append(DailyMetrics.failed.add(failed))
    item.update(actions=actions)


# --- test events -------------------------------------------------------------------------------
def send_test_event(destination: Destination, *, clock: Clock = utcnow) -> DeliveryAttempt:
    """Send a test payload now and record it as a trigger=test attempt (no retries, no health)."""
    now = clock()
    test_id = new_id()
    result = send_event(destination, event=payloads.test_event(destination_name=destination.name, at=now),
                        msg_id=f"msg_test_{test_id}", now=now)
    return _record_attempt(tenant_id=destination.tenantId, partition=DeliveryAttempt.test_partition_for(test_id),
                           submission_id=f"test_{test_id}", destination_id=destination.id, number=1, trigger=TEST,
                           result=result, now=clock())
