"""Ingest: store one submission, its pending deliveries and its day counters in ONE
DynamoDB transaction, so a stored submission never lacks its deliveries and nothing is
acknowledged before it is durable. Idempotency keys join the same transaction."""
from __future__ import annotations

import hashlib
import math
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from botocore.exceptions import ClientError
from django.conf import settings
from ulid import ULID

from portal.dynamo.base import utcnow
from portal.dynamo.deliveries import Delivery
from portal.dynamo.metrics import counter_update_action, day_counts_between, ingest_counts
from portal.dynamo.expiring import IngestGuards
from portal.dynamo.delivery_status import DeliveryStatus
from portal.dynamo.submissions import Submission
from portal.dynamo.tenants import Tenant
from portal.errors import ServiceError
from portal.selectors.plans import plan_quotas
from portal.services.delivery_plan import plan_deliveries

MAX_ATTEMPTS = 6
RETRYABLE = ("TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded")


class IngestRefused(ServiceError):
    """A request ingest will not store, with the HTTP status and RFC 9457 problem fields."""

    def __init__(self, status: int, slug: str, title: str, detail: str, retry_after: int | None = None):
        super().__init__(detail)
        self.status, self.slug, self.title, self.detail, self.retry_after = status, slug, title, detail, retry_after

    @classmethod
    def malformed(cls, detail: str) -> "IngestRefused":
        return cls(400, "malformed-request", "Malformed request", detail)

    @classmethod
    def unauthorized(cls) -> "IngestRefused":
        return cls(401, "invalid-api-key", "Invalid API key",
                   "Send a valid site API key as `Authorization: Bearer fbk_...`. The key is missing, unknown or revoked.")

    @classmethod
    def forbidden(cls, detail: str = "This account is suspended or closed: submissions are not accepted.") -> "IngestRefused":
        return cls(403, "account-blocked", "Submissions not accepted", detail)

    @classmethod
    def too_large(cls, limit: int) -> "IngestRefused":
        return cls(413, "body-too-large", "Request body too large", f"The body is larger than {limit // 1024} KB.")

    @classmethod
    def unsupported(cls, detail: str) -> "IngestRefused":
        return cls(415, "unsupported-media-type", "Unsupported media type", detail)

    @classmethod
    def invalid(cls, detail: str) -> "IngestRefused":
        return cls(422, "invalid-submission", "Invalid submission", detail)

    @classmethod
    def rate_limited(cls, retry_after: int) -> "IngestRefused":
        return cls(429, "rate-limited", "Too many requests",
                   f"At most {settings.INGEST_RATE_LIMIT} requests per {settings.INGEST_RATE_WINDOW_SECONDS} s "
                   f"per API key. Retry after {retry_after} s.", retry_after)

    @classmethod
    def quota_exceeded(cls, quota: int, retry_after: int) -> "IngestRefused":
        return cls(429, "monthly-quota-exceeded", "Monthly quota reached",
                   f"Your plan's {quota} submissions for this month are used up; submissions are accepted "
                   "again from the first day of next month (UTC), or upgrade your plan.", retry_after)


@dataclass
class IngestResult:
    submission_id: str
    replayed: bool = False
    write_units: float = 0.0


# --- rate limit and quota ----------------------------------------------------------------
def ingest_rate_check(*, subject: str, now: float | None = None) -> None:
    """Fixed windows of INGEST_RATE_WINDOW_SECONDS holding at most INGEST_RATE_LIMIT requests
    per subject (an API key or a site), counted with ADD on a TTL item shared by all workers."""
    now = time.time() if now is None else now
    window = settings.INGEST_RATE_WINDOW_SECONDS
    start = int(now // window * window)
    hits = IngestGuards.rate_window_hit(subject=subject, window_start=start, expires_epoch=start + window + 60)
    if hits > settings.INGEST_RATE_LIMIT:
        raise IngestRefused.rate_limited(max(1, math.ceil(start + window - now)))


def _month_bounds(now: datetime) -> tuple[str, str, datetime]:
    first = now.date().replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    last = following - timedelta(days=1)
    return first.isoformat(), last.isoformat(), datetime(following.year, following.month, 1, tzinfo=timezone.utc)


def month_usage(*, tenant_id: str, now: datetime | None = None) -> int:
    """Non-spam submissions this calendar month (UTC): the sum of the day counters, one Query."""
    first, last, _ = _month_bounds(now or utcnow())
    days = day_counts_between(tenant_id=tenant_id, first_day=first, last_day=last)
    return sum(day.submissions for day in days.values())


def quota_check(*, tenant: Tenant, now: datetime) -> None:
    quota = plan_quotas(tenant=tenant, cached=True).monthly_submissions
    if month_usage(tenant_id=tenant.id, now=now) >= quota:
        _, _, next_month = _month_bounds(now)
        raise IngestRefused.quota_exceeded(quota, max(1, math.ceil((next_month - now).total_seconds())))


# --- the write -----------------------------------------------------------------------------
def idempotency_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _validate_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 255 or not key.isprintable():
        raise IngestRefused.malformed("Idempotency-Key must be 1-255 printable characters.")
    return key


def submission_ingest(*, tenant: Tenant, form_id: str, fields: dict, meta: dict, site_id: str | None = None,
                      spam: bool = False, idempotency_key: str | None = None, now: datetime | None = None,
                      sleep=time.sleep) -> IngestResult:
    """Store one validated submission. Answers only after the transaction committed."""
    now = now or utcnow()
    idempotency_key = _validate_idempotency_key(idempotency_key)
    digest = idempotency_digest(idempotency_key) if idempotency_key else None
    now_epoch = int(now.timestamp())
    if digest:
        earlier = IngestGuards.idempotency_lookup(tenant_id=tenant.id, key_digest=digest, now_epoch=now_epoch)
        if earlier:
            return IngestResult(submission_id=earlier, replayed=True)
    if not spam:
        quota_check(tenant=tenant, now=now)
    quotas = plan_quotas(tenant=tenant, cached=True)

    submission = Submission.in_tenant(tenant.id).new(
        id=str(ULID.from_datetime(now)), siteId=site_id, formId=form_id, receivedAt=now, spam=spam,
        ttl=now + timedelta(days=quotas.retention_days),
    )
    submission.set_payload(fields=fields, meta=meta)
    shard = Submission.shard_for(submission.id, tenant.shardCount)
    submission.pk = Submission.partition_for(tenant.id, shard)
    # Spam is stored for review but never forwarded.
    deliveries = [] if spam else plan_deliveries(tenant_id=tenant.id, submission_id=submission.id, form_id=form_id)
    if not deliveries:
        submission.deliveryStatus = DeliveryStatus.NO_DESTINATION  # "pending" would wait for nothing
    actions = [submission.put_action()]
    for row in deliveries:
        row.version = 1
        actions.append({"Put": {"TableName": Delivery.Meta.table_name, "Item": row.serialize(),
                                "ConditionExpression": "attribute_not_exists(pk)"}})
    actions.append(counter_update_action(
        tenant_id=tenant.id, at=now, shard=shard,
        counts=ingest_counts(form_id=form_id, hour=now.hour, spam=spam)))
    idempotency_index = None
    if digest:
        idempotency_index = len(actions)
        actions.append(IngestGuards.idempotency_put_action(
            tenant_id=tenant.id, key_digest=digest, submission_id=submission.id, now_epoch=now_epoch,
            expires_epoch=now_epoch + settings.INGEST_IDEMPOTENCY_SECONDS))
    return _commit(actions, submission_id=submission.id, tenant_id=tenant.id, digest=digest,
                   idempotency_index=idempotency_index, now_epoch=now_epoch, sleep=sleep)


def _commit(actions: list[dict], *, submission_id: str, tenant_id: str, digest: str | None,
            idempotency_index: int | None, now_epoch: int, sleep) -> IngestResult:
    client = Submission.client()
    for attempt in range(MAX_ATTEMPTS):
        try:
            answer = client.transact_write_items(TransactItems=actions, ReturnConsumedCapacity="TOTAL")
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                if error.response["Error"]["Code"] in ("ThrottlingException", "InternalServerError") \
                        and attempt < MAX_ATTEMPTS - 1:
                    sleep(_backoff(attempt))
                    continue
                raise
            codes = [reason.get("Code") for reason in error.response.get("CancellationReasons", [])]
            if codes and codes[0] == "ConditionalCheckFailed":
                # Our own id exists: an earlier attempt committed but its answer was lost.
                return IngestResult(submission_id=submission_id)
            if idempotency_index is not None and len(codes) > idempotency_index \
                    and codes[idempotency_index] == "ConditionalCheckFailed":
                earlier = IngestGuards.idempotency_lookup(tenant_id=tenant_id, key_digest=digest, now_epoch=now_epoch)
                if earlier:
                    return IngestResult(submission_id=earlier, replayed=True)
            if any(code in RETRYABLE for code in codes) and attempt < MAX_ATTEMPTS - 1:
                sleep(_backoff(attempt))
                continue
            raise
        units = sum(c.get("CapacityUnits", 0) for c in answer.get("ConsumedCapacity", []) or [])
        return IngestResult(submission_id=submission_id, write_units=units)
    raise RuntimeError("unreachable")  # pragma: no cover


def _backoff(attempt: int) -> float:
    """Full jitter: up to 25 ms, 50 ms, 100 ms... capped at 1 s."""
    return random.uniform(0, min(1.0, 0.025 * (2 ** attempt)))
