"""Ingest: store one submission and its pending deliveries in ONE DynamoDB transaction, so a
stored submission never lacks its deliveries and nothing is acknowledged before it is
durable. Around it, each with one plain write (a transactional write costs twice a plain one,
README "Ingest performance"):

- before: an Idempotency-Key is claimed with a conditional PutItem naming the submission id
  (and shard) this request is about to store. A second request with the key finds the claim:
  another body is refused; the same body gets the claimed submission if it is stored, and
  otherwise stores it itself under the claimed id (the first request may have failed after
  its claim). Both write the submission with "must not exist", so whichever is second gets
  the condition failure and answers the same id: never two submissions, never a lost one.
- after: the day counters (and the request's consumed capacity, issue 17) with one
  UpdateItem. If that write fails after the transaction committed, the submission stays
  stored and answered 202; the counts are kept in this process and retried before the next
  ingest's own; only a process that dies in between loses them (its counts, never data)."""
from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from django.conf import settings
from ulid import ULID

from portal.dynamo import capacity
from portal.dynamo.base import TransactionCancelled, transact, utcnow
from portal.dynamo.metrics import counter_update_action, counters_add, submission_counts
from portal.dynamo.expiring import IngestGuards
from portal.dynamo.ingest_rows import delivery_ingest_put_action
from portal.dynamo.deliveries import Delivery
from portal.dynamo.delivery_status import DeliveryStatus
from portal.dynamo.submissions import Submission
from portal.dynamo.tenants import Tenant
from portal.errors import ServiceError
from portal.selectors.plans import plan_quotas, usage_month
from portal.services import ingest_cache, ingest_rate
from portal.dynamo.metering import tenant_metering, units_not_recorded, units_to_record
from portal.services.delivery_plan import destinations_for_form, plan_deliveries, tenant_destinations
from portal.services.ingest_counters import counted_form, first_today, spam_slot
from portal.services.notices import notice_quota_usage
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
    (portal.services.ingest_rate: reservations, exact within one process)."""
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
    quota, from a short in-process cache far below it: portal.services.ingest_cache)."""
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
    if not key or len(key) > 255 or not key.isprintable():
        raise MalformedRequest("Idempotency-Key must be 1-255 printable characters.")
    return key


def submission_ingest(*, tenant: Tenant, form_id: str, fields: dict, meta: dict, site_id: str | None = None,
                      spam: bool = False, idempotency_key: str | None = None, idempotency_scope: str = "",
                      now: datetime | None = None, sleep=time.sleep, submission_id: str | None = None,
                      files: list | None = None) -> IngestResult:
    """Store one validated submission. Answers only after the transaction committed.
    An Idempotency-Key is remembered per `idempotency_scope` (the API key's id) with a
    fingerprint of the submission: the same key with another submission is refused.
    `files` (StoredFile metadata) and the `submission_id` their storage keys name come from
    portal.services.files, which wrote the bytes before calling this."""
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
    submission_id, shard = submission_id or str(ULID.from_datetime(now)), None
    if digest:
        claimed = _claim_key(tenant=tenant, digest=digest, fingerprint=fingerprint, submission_id=submission_id,
                             now_epoch=now_epoch)
        if isinstance(claimed, IngestResult):
            return claimed  # the key's submission is stored: the original answer
        submission_id, shard = claimed
    _record_unrecorded_counts()
    quotas = plan_quotas(tenant=tenant, cached=True)
    retention_days = min(quotas.retention_days, SPAM_RETENTION_DAYS) if spam else quotas.retention_days
    form_key = form_id if spam else counted_form(tenant_id=tenant.id, site_id=site_id, form_id=form_id, now=now)

    submission = Submission.in_tenant(tenant.id).new(
        id=submission_id, siteId=site_id, formId=form_id, receivedAt=now, spam=spam,
        ttl=now + timedelta(days=retention_days), countedForm=form_key if form_key != form_id else None,
    )
    submission.set_payload(fields=fields, meta=meta)
    email = submitter_email(fields)  # the sparse EmailIndex: privacy requests, search by address
    submission.emailKey = Submission.email_key_for(tenant.id, email) if email else None
    submission.files = list(files) if files else None
    submission.assign_shard(tenant.shardCount, shard=shard)
    # Spam is stored for review but never forwarded.
    deliveries = [] if spam else plan_deliveries(
        tenant_id=tenant.id, submission_id=submission.id, form_id=form_id, site_id=site_id, expires=submission.ttl,
        destinations=destinations_for_form(tenant_id=tenant.id, form_id=form_id, site_id=site_id,
                                           destinations=ingest_cache.cached(
            ingest_cache.destinations, tenant.id, lambda: tenant_destinations(tenant_id=tenant.id))))
    if not deliveries:
        submission.deliveryStatus = DeliveryStatus.NO_DESTINATION  # "pending" would wait for nothing
    actions = [submission.put_action()] + [delivery_ingest_put_action(row) for row in deliveries]
    if (not spam or site_id) and first_today(tenant_id=tenant.id, now=now, shard=submission.shard):
        # The day's first ingest in this process makes sure the day item exists (the DayIndex
        # lists tenant-days by it): a transactional touch once a day, off the warm path.
        actions.append(counter_update_action(tenant_id=tenant.id, at=now, shard=submission.shard, counts={}))
    stored = capacity.stored_bytes(actions, index_keys=INDEX_HASH_KEYS)
    result = _commit(actions, submission_id=submission.id, sleep=sleep)
    if result.replayed:
        return result  # stored (and counted) by an earlier request with the same key
    # Counted per site too (the same item): the sites page's usage per site.
    _count(tenant_id=tenant.id, at=now, shard=submission.shard, form_key=None if spam else form_key, site_id=site_id,
           counts=submission_counts(hour=now.hour, spam=spam, stored_bytes=stored, files=len(files or ()),
                                    file_bytes=sum(int(f.size) for f in files or ())))
    if not spam:
        ingest_cache.usage_stored(tenant_id=tenant.id, month=now.strftime("%Y-%m"))
    result.write_units = meter.write_seen - writes_before
    return result


# Index hash keys of what ingest stores: each makes an index entry (the storage estimate).
INDEX_HASH_KEYS = capacity.index_hash_keys(Submission, Delivery)


def _claim_key(*, tenant: Tenant, digest: str, fingerprint: str, submission_id: str,
               now_epoch: int) -> tuple[str, int] | IngestResult:
    """Claim the Idempotency-Key for submission_id; when it is taken by the same request, the
    earlier answer if its submission is stored, else its (submission id, shard) to store."""
    shard = Submission.shard_for(submission_id, tenant.shardCount)
    for _ in range(2):  # a claim that expires between our two calls: claim again
        if IngestGuards.idempotency_claim(
                tenant_id=tenant.id, key_digest=digest, submission_id=submission_id, shard=shard,
                now_epoch=now_epoch, expires_epoch=now_epoch + settings.INGEST_IDEMPOTENCY_SECONDS,
                fingerprint=fingerprint):
            return submission_id, shard
        earlier = _earlier_claim(tenant=tenant, digest=digest, fingerprint=fingerprint, now_epoch=now_epoch)
        if earlier is not None:
            earlier_id, earlier_shard = earlier
            if Submission.in_tenant(tenant.id).get_or_none(Submission.partition_for(tenant.id, earlier_shard),
                                                           Submission.sort_for(earlier_id), consistent_read=True):
                return IngestResult(submission_id=earlier_id, replayed=True)
            return earlier_id, earlier_shard  # claimed, not stored (yet, or ever): store it
    raise RuntimeError("the Idempotency-Key could not be claimed")  # pragma: no cover


def _earlier_claim(*, tenant: Tenant, digest: str, fingerprint: str, now_epoch: int) -> tuple[str, int] | None:
    earlier = IngestGuards.idempotency_lookup(tenant_id=tenant.id, key_digest=digest, now_epoch=now_epoch)
    if earlier is None:
        return None
    submission_id, stored_fingerprint, shard = earlier
    if stored_fingerprint and stored_fingerprint != fingerprint:  # "": a claim from before fingerprints
        raise IdempotencyKeyReused()
    return submission_id, Submission.shard_for(submission_id, tenant.shardCount) if shard is None else shard


def _stored_answer(*, tenant: Tenant, digest: str, fingerprint: str, now_epoch: int) -> IngestResult | None:
    """The original answer of a key whose submission is stored (None: not claimed or not stored)."""
    earlier = _earlier_claim(tenant=tenant, digest=digest, fingerprint=fingerprint, now_epoch=now_epoch)
    if earlier is None:
        return None
    found = Submission.in_tenant(tenant.id).get_or_none(Submission.partition_for(tenant.id, earlier[1]),
                                                        Submission.sort_for(earlier[0]), consistent_read=True)
    return IngestResult(submission_id=earlier[0], replayed=True) if found else None


# --- counters after the transaction ----------------------------------------------------------
_unrecorded: list[dict] = []  # counter updates that failed after their submission was stored
_unrecorded_lock = threading.Lock()
_UNRECORDED_MAX = 10_000


def _count(*, tenant_id: str, **update) -> None:
    """The day counters of one stored submission, with the request's consumed capacity: one
    UpdateItem. A failure never fails the ingest (the submission is stored)."""
    units = units_to_record(tenant_id=tenant_id)
    try:
        counters_add(tenant_id=tenant_id, units=units, **update)
    except Exception:  # noqa: BLE001 - kept for the next ingest, see the module docstring
        log.warning("day counters of tenant %s not recorded yet; retried with the next ingest", tenant_id,
                    exc_info=True)
        units_not_recorded(tenant_id=tenant_id, units=units)
        with _unrecorded_lock:
            if len(_unrecorded) < _UNRECORDED_MAX:
                _unrecorded.append({"tenant_id": tenant_id, **update})


def _record_unrecorded_counts() -> None:
    """Retry counter updates that failed earlier in this process (normally none: no request)."""
    while _unrecorded:
        with _unrecorded_lock:
            if not _unrecorded:
                return
            update = _unrecorded.pop(0)
        try:
            counters_add(**update)
        except Exception:  # still failing: keep it and go on storing
            with _unrecorded_lock:
                _unrecorded.insert(0, update)
            return


def _commit(actions: list[dict], *, submission_id: str, sleep) -> IngestResult:
    try:
        units = transact(actions, sleep=sleep)
    except TransactionCancelled as cancelled:
        if cancelled.condition_failed(0):
            # The id exists: the other request with the same Idempotency-Key stored it (an SDK
            # retry of our own committed transaction succeeds: botocore's ClientRequestToken).
            return IngestResult(submission_id=submission_id, replayed=True)
        raise
    return IngestResult(submission_id=submission_id, write_units=units)
