"""Ingest: store one submission, its pending deliveries and (with an Idempotency-Key) the
key's claim in ONE DynamoDB transaction, so a stored submission never lacks its deliveries, a
key is never claimed without its submission, and nothing is acknowledged before it is
durable. On the warm path that transaction is the request's one DynamoDB write (issue 10).

- The claim names the submission id and remembers a fingerprint of the request. A second
  request with the key fails the claim's condition: another body is refused (422); the same
  body gets the original answer. A claim whose submission is not stored (written by the
  release that claimed before its transaction, or its submission deleted since) is taken
  over, compared and swapped, by the next request with the same body.
- The day counters (and the request's consumed capacity, issue 17) are summed in this
  process and written behind the requests, one UpdateItem per counter item every
  INGEST_COUNTERS_FLUSH_SECONDS (portal.services.ingest.counters.DayCounterBuffer): a
  process killed without warning loses at most that long of counts, never a submission."""
from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from django.conf import settings
from ulid import ULID

from portal.dynamo.connection import capacity
from portal.dynamo.base import TransactionCancelled, transact, utcnow
from portal.dynamo.metrics import counter_update_action, counters_add, submission_counts
from portal.dynamo.expiring import IngestGuards
from portal.dynamo.ingest_rows import delivery_ingest_put_action
from portal.dynamo.deliveries import Delivery
from portal.dynamo.delivery_status import DeliveryStatus
from portal.dynamo.submissions import Submission
from portal.dynamo.tenants import Tenant
from portal.errors import ServiceError
from portal.selectors.billing.plans import plan_quotas, usage_month
from portal.services.ingest import cache as ingest_cache, rate as ingest_rate
from portal.dynamo.connection.metering import tenant_metering, units_not_recorded, units_to_record
from portal.services.ingest.delivery_plan import destinations_for_form, plan_deliveries, tenant_destinations
from portal.services.ingest.counters import (
    DayCounterBuffer,
    counted_form,
    counted_page,
    first_today,
    forget_today,
    spam_slot,
)
from portal.services.delivery_setup.notices import notice_quota_usage
from portal.text import submitter_email

log = logging.getLogger("portal")

# Form ids become part of index keys and URLs: a short, plain alphabet.
FORM_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,100}$")
SPAM_RETENTION_DAYS = 30  # spam is kept for review this long at most, whatever the plan keeps


class IngestRefused(ServiceError):
    """Ingest will not store this request; the message (`detail`) says what to fix. The web
    layer (portal/views/ingest/problems.py) decides how each kind is answered."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class MalformedRequest(IngestRefused):
    """The request could not be read (bad JSON, UTF-8, header...)."""


class BodyTooLarge(IngestRefused):
    def __init__(self, limit: int):
        super().__init__(f"The body is larger than {limit // 1024} KB.")
        self.limit = limit


class UnsupportedMediaType(IngestRefused):
    """A content type or charset ingest does not read."""


class InvalidSubmission(IngestRefused):
    """Well-formed, but not a valid submission (form_id, fields or meta break a rule)."""


class LengthRequired(IngestRefused):
    """No Content-Length (a chunked body): ingest needs the size before it reads."""


class IdempotencyKeyReused(IngestRefused):
    def __init__(self):
        super().__init__("Idempotency-Key: key reused with another request (it was first used with a different "
                         "submission). Send a new key for each new submission.")


class RateLimited(IngestRefused):
    def __init__(self, retry_after: int, *, limit: int | None = None, window: int | None = None, per: str = "API key"):
        limit = settings.INGEST_RATE_LIMIT if limit is None else limit
        window = settings.INGEST_RATE_WINDOW_SECONDS if window is None else window
        super().__init__(f"At most {limit} requests per {window} s per {per}. Retry after {retry_after} s.")
        self.retry_after = retry_after


class QuotaExceeded(IngestRefused):
    def __init__(self, *, quota: int, retry_after: int):
        super().__init__(f"Your plan's {quota} submissions for this month are used up; submissions are accepted "
                         "again from the first day of next month (UTC), or upgrade your plan.")
        self.quota, self.retry_after = quota, retry_after


@dataclass
class IngestResult:
    submission_id: str
    replayed: bool = False
    write_units: float = 0.0  # of this ingest's writes, from ReturnConsumedCapacity
    dropped: bool = False  # spam over the site's daily budget: answered, not stored


# --- rate limit and quota ----------------------------------------------------------------
def ingest_rate_check(*, subject: str, now: float | None = None, limit: int | None = None,
                      window: int | None = None, per: str = "API key") -> None:
    """Fixed windows of `window` (INGEST_RATE_WINDOW_SECONDS) seconds holding at most `limit`
    (INGEST_RATE_LIMIT) requests per subject (an API key, a site, a site and client address),
    counted with ADD on a TTL item shared by all workers, a few requests per ADD
    (portal.services.ingest.rate: reservations, exact within one process)."""
    now = time.time() if now is None else now
    window = window or settings.INGEST_RATE_WINDOW_SECONDS
    limit = settings.INGEST_RATE_LIMIT if limit is None else limit
    start = int(now // window * window)
    if ingest_rate.allowance.take(subject=subject, window_start=start, limit=limit,
                                  expires_epoch=start + window + 60) is None:
        raise RateLimited(max(1, math.ceil(start + window - now)), limit=limit, window=window, per=per)


def quota_check(*, tenant: Tenant, now: datetime) -> None:
    """Refuse once this month's (UTC) non-spam submissions reach the plan's quota, until the
    first of next month. The same numbers as every page: selectors.plans (read exactly near the
    quota, from a short in-process cache far below it: portal.services.ingest.cache)."""
    quota = plan_quotas(tenant=tenant, cached=True).monthly_submissions
    used = ingest_cache.usage_below(tenant_id=tenant.id, month=now.strftime("%Y-%m"), quota=quota,
                                    load=lambda: usage_month(tenant_id=tenant.id, today=now.date()).submissions)
    notice_quota_usage(tenant=tenant, used=used, quota=quota, now=now)  # quota.warning / quota.exhausted
    if used >= quota:
        following = (now.date().replace(day=1) + timedelta(days=32)).replace(day=1)
        next_month = datetime(following.year, following.month, 1, tzinfo=timezone.utc)
        raise QuotaExceeded(quota=quota, retry_after=max(1, math.ceil((next_month - now).total_seconds())))


# --- the write -----------------------------------------------------------------------------
def idempotency_digest(key: str, scope: str = "") -> str:
    """The stored name of a key: scoped (an API key id), so two keys of one tenant never share."""
    return hashlib.sha256(f"{scope}\n{key}".encode()).hexdigest()


def request_fingerprint(*, site_id: str | None, form_id: str, fields: dict, meta: dict,
                        files: list | None = None) -> str:
    """What a replay must match: the submission as parsed (key order and encoding do not matter),
    and its files by field, name and SHA-256 (when it has any)."""
    parts = [site_id, form_id, fields, meta]
    if files:
        parts.append([[f.field, f.name, f.sha256] for f in files])
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _validate_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    # Visible ASCII with spaces only inside, as the OpenAPI document states (a UUID fits).
    if not key or len(key) > 255 or not all(" " <= char <= "~" for char in key):
        raise MalformedRequest("Idempotency-Key must be 1-255 visible ASCII characters.")
    return key


def submission_ingest(*, tenant: Tenant, form_id: str, fields: dict, meta: dict, site_id: str | None = None,
                      spam: bool = False, idempotency_key: str | None = None, idempotency_scope: str = "",
                      now: datetime | None = None, sleep=time.sleep, submission_id: str | None = None,
                      files: list | None = None) -> IngestResult:
    """Store one validated submission. Answers only after the transaction committed.
    An Idempotency-Key is remembered per `idempotency_scope` (the API key's id) with a
    fingerprint of the submission: the same key with another submission is refused.
    `files` (StoredFile metadata) and the `submission_id` their storage keys name come from
    portal.services.ingest.files, which wrote the bytes before calling this."""
    with tenant_metering(tenant.id):
        return _ingest(tenant=tenant, form_id=form_id, fields=fields, meta=meta, site_id=site_id, spam=spam,
                       idempotency_key=idempotency_key, idempotency_scope=idempotency_scope, now=now or utcnow(),
                       sleep=sleep, submission_id=submission_id, files=files)


def _ingest(*, tenant: Tenant, form_id: str, fields: dict, meta: dict, site_id: str | None, spam: bool,
            idempotency_key: str | None, idempotency_scope: str, now: datetime, sleep,
            submission_id: str | None, files: list | None) -> IngestResult:
    idempotency_key = _validate_idempotency_key(idempotency_key)
    digest = idempotency_digest(idempotency_key, idempotency_scope) if idempotency_key else None
    fingerprint = (request_fingerprint(site_id=site_id, form_id=form_id, fields=fields, meta=meta, files=files)
                   if digest else None)
    now_epoch = int(now.timestamp())
    if not spam:
        try:
            quota_check(tenant=tenant, now=now)
        except QuotaExceeded:
            earlier = digest and _stored_answer(tenant=tenant, digest=digest, fingerprint=fingerprint,
                                                now_epoch=now_epoch)
            if earlier:
                return earlier  # a retry of a submission stored before the quota ran out
            raise
    elif not spam_slot(tenant_id=tenant.id, site_id=site_id, now=now):
        # The site's spam budget for today is used up: answer as usual, store nothing.
        return IngestResult(submission_id=str(ULID.from_datetime(now)), dropped=True)
    meter = capacity.current()
    writes_before = meter.write_seen
    quotas = plan_quotas(tenant=tenant, cached=True)
    retention_days = min(quotas.retention_days, SPAM_RETENTION_DAYS) if spam else quotas.retention_days
    form_key = form_id if spam else counted_form(tenant_id=tenant.id, site_id=site_id, form_id=form_id, now=now)
    page = None if spam else counted_page(tenant_id=tenant.id, site_id=site_id, now=now,
                                          page_url=(meta or {}).get("page_url") if isinstance(meta, dict) else None)
    submission = Submission.in_tenant(tenant.id).new(
        id=submission_id or str(ULID.from_datetime(now)), siteId=site_id, formId=form_id, receivedAt=now, spam=spam,
        ttl=now + timedelta(days=retention_days), countedForm=form_key if form_key != form_id else None,
    )
    submission.set_payload(fields=fields, meta=meta)
    email = submitter_email(fields)  # the sparse EmailIndex: privacy requests, search by address
    submission.emailKey = Submission.email_key_for(tenant.id, email) if email else None
    submission.files = list(files) if files else None
    submission.assign_shard(tenant.shardCount)
    # Spam is stored for review but never forwarded.
    deliveries = [] if spam else plan_deliveries(
        tenant_id=tenant.id, submission_id=submission.id, form_id=form_id, site_id=site_id, expires=submission.ttl,
        destinations=destinations_for_form(tenant_id=tenant.id, form_id=form_id, site_id=site_id,
                                           destinations=ingest_cache.cached(
            ingest_cache.destinations, tenant.id, lambda: tenant_destinations(tenant_id=tenant.id))))
    if not deliveries:
        submission.deliveryStatus = DeliveryStatus.NO_DESTINATION  # "pending" would wait for nothing
    stored_actions = [submission.put_action()] + [delivery_ingest_put_action(row) for row in deliveries]
    stored = capacity.stored_bytes(stored_actions, index_keys=INDEX_HASH_KEYS)  # what the cost page counts
    taking_over = None
    for _ in range(3):  # a claim that expires, or is taken over by another request, meanwhile: look again
        actions = list(stored_actions)
        if digest:
            actions.append(IngestGuards.idempotency_put_action(
                tenant_id=tenant.id, key_digest=digest, submission_id=submission.id, shard=submission.shard,
                now_epoch=now_epoch, expires_epoch=now_epoch + settings.INGEST_IDEMPOTENCY_SECONDS,
                fingerprint=fingerprint, taking_over=taking_over))
        touch_day = (not spam or site_id) and first_today(tenant_id=tenant.id, now=now, shard=submission.shard)
        if touch_day:
            # The day's first ingest in this process makes sure the day item exists (the DayIndex
            # lists tenant-days by it): a transactional touch once a day, off the warm path.
            actions.append(counter_update_action(tenant_id=tenant.id, at=now, shard=submission.shard, counts={}))
        try:
            transact(actions, sleep=sleep)
        except Exception as failure:
            if touch_day:  # not committed (or not known to be): the next transaction touches the day
                forget_today(tenant_id=tenant.id, now=now, shard=submission.shard)
            if not isinstance(failure, TransactionCancelled):
                raise
            if failure.condition_failed(0):
                # The id exists: stored by another request with this key and id (an SDK retry
                # of our own committed transaction succeeds: botocore's ClientRequestToken).
                return IngestResult(submission_id=submission.id, replayed=True)
            if not digest or not failure.condition_failed(len(stored_actions)):  # the claim's place
                raise
            earlier = _earlier_claim(tenant=tenant, digest=digest, fingerprint=fingerprint, now_epoch=now_epoch)
            if earlier is None:
                continue  # expired meanwhile: claim it again
            if _is_stored(tenant=tenant, submission_id=earlier[0], shard=earlier[1]):
                return IngestResult(submission_id=earlier[0], replayed=True)  # the original answer
            taking_over = earlier[0]  # claimed, its submission not stored: ours takes the key over
            continue
        break
    else:
        raise RuntimeError("the Idempotency-Key could not be claimed")  # pragma: no cover
    result = IngestResult(submission_id=submission.id, write_units=meter.write_seen - writes_before)
    # Counted per site too (the same item): the sites page's usage per site. Written behind
    # the request (DayCounterBuffer), with the request's consumed capacity (issue 17).
    _counters.add(tenant_id=tenant.id, at=now, shard=submission.shard, form_key=None if spam else form_key,
                  site_id=site_id, units=units_to_record(tenant_id=tenant.id),
                  counts=submission_counts(hour=now.hour, spam=spam, stored_bytes=stored, files=len(files or ()),
                                           file_bytes=sum(int(f.size) for f in files or ()), page=page))
    if not spam:
        ingest_cache.usage_stored(tenant_id=tenant.id, month=now.strftime("%Y-%m"))
    return result


# Index hash keys of what ingest stores: each makes an index entry (the storage estimate).
INDEX_HASH_KEYS = capacity.index_hash_keys(Submission, Delivery)


def _earlier_claim(*, tenant: Tenant, digest: str, fingerprint: str, now_epoch: int) -> tuple[str, int] | None:
    earlier = IngestGuards.idempotency_lookup(tenant_id=tenant.id, key_digest=digest, now_epoch=now_epoch)
    if earlier is None:
        return None
    submission_id, stored_fingerprint, shard = earlier
    if stored_fingerprint and stored_fingerprint != fingerprint:  # "": a claim from before fingerprints
        raise IdempotencyKeyReused()
    return submission_id, Submission.shard_for(submission_id, tenant.shardCount) if shard is None else shard


def _is_stored(*, tenant: Tenant, submission_id: str, shard: int) -> bool:
    return Submission.in_tenant(tenant.id).get_or_none(Submission.partition_for(tenant.id, shard),
                                                       Submission.sort_for(submission_id), consistent_read=True) is not None


def _stored_answer(*, tenant: Tenant, digest: str, fingerprint: str, now_epoch: int) -> IngestResult | None:
    """The original answer of a key whose submission is stored (None: not claimed or not stored)."""
    earlier = _earlier_claim(tenant=tenant, digest=digest, fingerprint=fingerprint, now_epoch=now_epoch)
    if earlier is None or not _is_stored(tenant=tenant, submission_id=earlier[0], shard=earlier[1]):
        return None
    return IngestResult(submission_id=earlier[0], replayed=True)


# --- counters behind the transaction ---------------------------------------------------------
def _write_counters(*, tenant_id: str, units: dict[str, float], **update) -> None:
    """One counter item's summed counts and units (the buffer's flush); the write's own units
    stay pending for the tenant's next counter write."""
    with tenant_metering(tenant_id):
        try:
            counters_add(tenant_id=tenant_id, units=units, **update)
        except Exception:
            units_not_recorded(tenant_id=tenant_id, units=units)
            raise


_counters = DayCounterBuffer(write=lambda **update: _write_counters(**update))


def counters_flush() -> None:
    """Write the day counters this process holds (tests, and before a process exits)."""
    _counters.flush()
