"""What a delivery's end (pending -> delivered/failed) changes besides its row: the tenant's
day counters and the submission's delivery status.

The worker batches both per pass: counts are summed per tenant-day-shard and added with one
UpdateItem each (and per tenant-month to the month rollup, one more), and a submission whose
only delivery row ended gets its status from that row without reading its rows, in one BatchExecuteStatement of up to 25 conditional updates.
A pass flushes when it ends, and the long-running worker at least every FLUSH_SECONDS (0.5 s), so a
worker killed without warning (SIGKILL) can lose at most that much of both (a SIGTERM flushes
first). Submissions with several rows, or with a row added after ingest, are recomputed from
their rows at once (a consistent query), as before. The portal's own actions use an
unbuffered instance: what the user sees next is already written."""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import datetime

from portal.delivery.status import submission_status_refresh
from portal.dynamo.deliveries import Delivery
from portal.dynamo.delivery_batch import execute_statements
from portal.dynamo.delivery_status import DeliveryStatus
from portal.dynamo.metrics import counters_add, delivery_counts
from portal.dynamo.rollups import month_key, rollup_add, rollup_counts
from portal.dynamo.submissions import Submission
from portal.dynamo.tenants import Tenant
from portal.dynamo.connection.metering import batched_metering, unmetered

log = logging.getLogger("portal.delivery")


class FollowUps:
    FLUSH_SECONDS = 0.5
    MAX_PENDING = 25  # one BatchExecuteStatement

    def __init__(self, *, buffered: bool):
        self.buffered = buffered
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str, int, str | None], Counter] = {}
        self._count_times: dict[tuple[str, str, int, str | None], datetime] = {}
        self._statuses: list[tuple[Submission, str, int]] = []
        self._oldest: float | None = None

    def delivery_ended(self, delivery: Delivery, *, tenant: Tenant | None, now: datetime,
                       submission: Submission | None) -> None:
        """Count the row's end in the day's metrics and bring the submission's status up to date."""
        shard_count = int(tenant.shardCount or 1) if tenant else 1
        shard = Submission.shard_for(delivery.submissionId, shard_count)
        # On the site's counter item (the tenant's day item without a site): reports per client.
        site_id = delivery.siteId or None
        started = delivery.createdAt or now
        counts = delivery_counts(delivered=delivery.status == DeliveryStatus.DELIVERED,
                                 attempts=int(delivery.attemptCount or 1),
                                 seconds=int((now - started).total_seconds()))
        sole = (submission is not None and delivery.deliveriesPlanned == 1 and submission.deliveriesAdded is None)
        if not self.buffered:
            counters_add(tenant_id=delivery.tenantId, at=now, shard=shard, counts=counts, site_id=site_id)
            with unmetered():
                rollup_add(tenant_id=delivery.tenantId, month=month_key(now), site_id=None,
                           counts=rollup_counts(at=now, counts=counts))
            if sole:
                self._sole_statuses([(submission, delivery.status, shard_count)])
            else:
                submission_status_refresh(tenant_id=delivery.tenantId, submission_id=delivery.submissionId,
                                          shard_count=shard_count, submission=submission)
            return
        if not sole:
            submission_status_refresh(tenant_id=delivery.tenantId, submission_id=delivery.submissionId,
                                      shard_count=shard_count, submission=submission)
        with self._lock:
            key = (delivery.tenantId, now.strftime("%Y-%m-%d"), shard, site_id)
            self._counts.setdefault(key, Counter()).update(counts)
            self._count_times.setdefault(key, now)
            if sole:
                self._statuses.append((submission, delivery.status, shard_count))
            if self._oldest is None:
                self._oldest = time.monotonic()
            full = len(self._statuses) >= self.MAX_PENDING
        if full:
            self.flush()

    def due(self) -> bool:
        """Whether the oldest buffered change has waited FLUSH_SECONDS."""
        oldest = self._oldest
        return oldest is not None and time.monotonic() - oldest >= self.FLUSH_SECONDS

    @property
    def pending(self) -> bool:
        return self._oldest is not None

    def flush(self) -> None:
        with self._lock:
            counts, times, statuses = self._counts, self._count_times, self._statuses
            self._counts, self._count_times, self._statuses, self._oldest = {}, {}, [], None
        # Each write counts for its tenant's consumed capacity (the cost page), like the delivery.
        months: dict[tuple[str, str], Counter] = {}
        for (tenant_id, _day, shard, site_id), amounts in counts.items():
            at = times[(tenant_id, _day, shard, site_id)]
            with batched_metering(tenant_id=tenant_id):
                counters_add(tenant_id=tenant_id, at=at, shard=shard, counts=dict(amounts), site_id=site_id)
            months.setdefault((tenant_id, month_key(at)), Counter()).update(rollup_counts(at=at, counts=amounts))
        with unmetered():  # the month rollup, one write per tenant: bookkeeping, charged to nobody
            for (tenant_id, month), amounts in months.items():
                rollup_add(tenant_id=tenant_id, month=month, site_id=None, counts=dict(amounts))
        by_tenant: dict[str, list] = {}
        for entry in statuses:
            by_tenant.setdefault(entry[0].tenantId, []).append(entry)
        for tenant_id, entries in by_tenant.items():
            with batched_metering(tenant_id=tenant_id):
                self._sole_statuses(entries)

    def _sole_statuses(self, statuses: list[tuple[Submission, str, int]]) -> None:
        """The status of submissions whose one row ended is that row's; a statement whose
        condition failed (deleted meanwhile, or a row was added) is recomputed from the rows."""
        changed = [(s, status, n) for s, status, n in statuses if s.deliveryStatus != status]
        if self.buffered:
            applied = execute_statements([s.sole_delivery_status_statement(status) for s, status, _ in changed])
        else:
            applied = [s.sole_delivery_status_update(status) for s, status, _ in changed]
        for (submission, status, shard_count), ok in zip(changed, applied):
            if ok:
                submission.deliveryStatus = status
            else:
                submission_status_refresh(tenant_id=submission.tenantId, submission_id=submission.id,
                                          shard_count=shard_count)
