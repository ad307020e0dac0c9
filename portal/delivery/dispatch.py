"""The worker's dispatcher: keeps up to `concurrency` attempts in flight and starts a due row
as soon as a slot frees (never waiting for a batch's slowest row), with at most
`per_destination` attempts in flight to any one destination, so a slow or failing receiver
holds a few slots and every other destination keeps the rest. gate.py adds the tenant's rate
limit and the circuit breaker."""
from __future__ import annotations

import logging
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Callable

from django.conf import settings

from portal.delivery.attempt import Clock, PassCache, attempt_claimed
from portal.delivery.claim import claim
from portal.delivery.gate import Gate
from portal.dynamo.deliveries import DUE_SHARDS, Delivery
from portal.services.capacity import batched_metering

log = logging.getLogger("portal.delivery")

MAX_SCAN_PER_SHARD = 200  # due rows read past blocked destinations in one fetch, per shard


def per_destination_limit() -> int:
    return max(1, int(getattr(settings, "DELIVERY_MAX_IN_FLIGHT_PER_DESTINATION", 4)))


def process(delivery: Delivery, *, worker_id: str, clock: Clock, rand: Callable[[], float],
            cache: PassCache | None = None) -> str | None:
    """Claim and attempt one row; None if another worker holds it. Its DynamoDB calls count
    for the row's tenant (consumed capacity, written per tenant every few seconds)."""
    with batched_metering(tenant_id=delivery.tenantId):
        if not claim(delivery, worker_id=worker_id, now=clock()):
            return None
        try:
            return attempt_claimed(delivery, worker_id=worker_id, clock=clock, rand=rand, cache=cache).status
        except Exception:
            # Only the store failing gets here (sending never raises): the lease expires and
            # another pass retries the row; nothing is lost.
            log.exception("delivery %s/%s failed unexpectedly", delivery.pk, delivery.sk)
            return "error"


class Dispatcher:
    def __init__(self, *, worker_id: str, concurrency: int, clock: Clock, rand: Callable[[], float],
                 per_destination: int | None = None):
        self.worker_id, self.clock, self.rand = worker_id, clock, rand
        self.concurrency = max(1, concurrency)
        self.gate = Gate(per_destination=per_destination or per_destination_limit())
        self.pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="deliver")
        self.running: dict[Future, Delivery] = {}
        self.waiting: list[Delivery] = []  # fetched, not started yet
        self.cache = PassCache()
        self.made = 0
        self.fetched_at = 0.0

    def _busy(self) -> set[tuple[str, str]]:
        return {(row.pk, row.sk) for row in [*self.running.values(), *self.waiting]}

    def fetch(self, *, want: int | None = None) -> int:
        """Read due rows into the waiting list, skipping rows already held and rows of
        destinations that already have their share (reading past them, within a bound)."""
        want = want or self.concurrency * 4
        # Rows held since the last fetch (breaker, rate) give up their place in the buffer.
        self.waiting = [row for row in self.waiting if self.gate.capacity(self._dest(row))]
        self.fetched_at = time.monotonic()
        busy, share = self._busy(), Counter(self.gate.in_flight)
        for row in self.waiting:
            share[row.destinationId] += 1
        found = 0
        now = self.clock()
        for shard in range(DUE_SHARDS):
            for scanned, row in enumerate(Delivery.due_in_shard(shard, before=now, limit=MAX_SCAN_PER_SHARD)):
                if found >= want or scanned >= MAX_SCAN_PER_SHARD:
                    break
                if (row.pk, row.sk) in busy or share[row.destinationId] >= self.gate.capacity(self._dest(row)):
                    continue  # held (breaker, rate) or at its share: it keeps its place in the queue
                share[row.destinationId] += 1
                self.waiting.append(row)
                found += 1
        return found

    def start_ready(self) -> int:
        """Start waiting rows while slots are free and their destination is under its limit."""
        started, kept = 0, []
        for row in self.waiting:
            destination = self._dest(row)
            if len(self.running) < self.concurrency and self.gate.may_start(row.destinationId, destination):
                self.gate.started(row.destinationId, destination)
                self.running[self.pool.submit(process, row, worker_id=self.worker_id, clock=self.clock,
                                              rand=self.rand, cache=self.cache)] = row
                started += 1
            else:
                kept.append(row)
        self.waiting = kept
        return started

    def reap(self, timeout: float | None) -> int:
        """Wait until at least one attempt ends (or `timeout`); returns how many ended."""
        if not self.running:
            return 0
        done, _ = wait(list(self.running), timeout=timeout, return_when=FIRST_COMPLETED)
        for future in done:
            row = self.running.pop(future)
            self.gate.ended(row.destinationId, self._dest(row))
            if future.result() is not None:
                self.made += 1
        return len(done)

    def _dest(self, row: Delivery):
        return self.cache.destination(row.tenantId, row.destinationId)

    @property
    def free(self) -> int:
        return self.concurrency - len(self.running)

    def close(self) -> None:
        """Let the attempts in hand finish (their leases are ours), then stop the threads."""
        self.pool.shutdown(wait=True)
        for future, _row in list(self.running.items()):
            if future.result() is not None:
                self.made += 1
        self.running.clear()
