"""The worker's dispatcher: keeps up to `concurrency` attempts in flight and starts a due row
as soon as a slot frees (never waiting for a batch's slowest row), with at most
`per_destination` attempts in flight to any one destination, so a slow or failing receiver
holds a few slots and every other destination keeps the rest. gate.py adds the tenant's rate
limit and the circuit breaker.

"In flight" means sending: what a receiver sees. Around each send an attempt also claims its
row and then records the outcome (a DynamoDB round trip each); for a healthy destination the
dispatcher runs up to PIPELINE times as many attempts as send slots, so the next row is
already claimed when a send ends and the outcome is written while the next send goes out
(SendSlots keeps the sends themselves within `concurrency` and `per_destination`). A
destination that failed lately, is rate limited or is behind an open breaker gets no such
claim-ahead: each of its attempts is decided on fresh health.

Long-running workers divide the due queue (shares.py): a dispatcher given a ShardShare reads
only the shards it holds, and its per-destination concurrency and rate are its share of the
destination's, so the limits hold across workers. DynamoDB not answering ends no attempt in
a crash: a claim that could not be made leaves the row where it is, and the worker backs off
(`store_failed` tells it to)."""
from __future__ import annotations

import heapq
import logging
import threading
import time
from collections import Counter
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Callable

from django.conf import settings

from portal.delivery.attempt import Clock, PassCache, attempt_claimed
from portal.delivery.claim import claim, lease_seconds
from portal.delivery.followups import FollowUps
from portal.delivery.gate import CLOSED, OPEN, Gate, breaker_state
from portal.delivery.shares import ShardShare
from portal.dynamo import registry
from portal.dynamo.deliveries import DUE_SHARDS, Delivery
from portal.dynamo.delivery_batch import StatementBatcher
from portal.dynamo.connection.capacity import index_hash_keys
from portal.dynamo.connection.metering import batched_metering

log = logging.getLogger("portal.delivery")

MAX_SCAN_PER_SHARD = 200  # due rows read past blocked destinations in one fetch, per shard
MIN_FETCH = 50  # rows one fetch of the long-running worker may take (8 queries, one per shard)
PIPELINE = 3  # attempts per send slot for a healthy destination (claim-ahead, outcome written behind)
READ_AT_ONCE = 8  # shards one fetch reads in parallel; with more held, the next group only if needed
STATEMENT_THREADS = 3  # batches of claims and outcomes in flight at once (one per PIPELINE step)
STORE_FAILED = "store-failed"  # process(): DynamoDB did not answer the claim; nothing was attempted


class SendSlots:
    """At most `total` sends at once, and `per_destination()` to any one destination (read at
    each start: a worker's share of a destination changes as workers come and go)."""

    def __init__(self, *, total: int, per_destination):
        self.total, self.per_destination = total, per_destination
        self._sending: Counter[str] = Counter()
        self._changed = threading.Condition()

    @contextmanager
    def slot(self, destination_id: str):
        with self._changed:
            self._changed.wait_for(lambda: sum(self._sending.values()) < self.total
                                   and self._sending[destination_id] < self.per_destination())
            self._sending[destination_id] += 1
        try:
            yield
        finally:
            with self._changed:
                self._sending[destination_id] -= 1
                if not self._sending[destination_id]:
                    del self._sending[destination_id]
                self._changed.notify_all()


def per_destination_limit() -> int:
    return max(1, int(getattr(settings, "DELIVERY_MAX_IN_FLIGHT_PER_DESTINATION", 4)))


def process(delivery: Delivery, *, worker_id: str, clock: Clock, rand: Callable[[], float],
            cache: PassCache | None = None, gate: Gate | None = None) -> str | None:
    """Claim and attempt one row; None if another worker holds it. Its DynamoDB calls count
    for the row's tenant (consumed capacity, written per tenant every few seconds); its claim
    and outcome go out batched with other attempts' (the cache's statement batcher)."""
    with batched_metering(tenant_id=delivery.tenantId):
        try:
            if not claim(delivery, worker_id=worker_id, now=clock(), batcher=cache.statements if cache else None):
                return None
        except Exception:
            # DynamoDB did not answer (or refused): the row stays due; if the claim was applied
            # after all, its lease runs out and another pass takes it.
            log.warning("could not claim delivery %s/%s; leaving it due", delivery.pk, delivery.sk, exc_info=True)
            return STORE_FAILED
        try:
            return attempt_claimed(delivery, worker_id=worker_id, clock=clock, rand=rand, cache=cache,
                                   before_request=gate.pace if gate else None).status
        except Exception:
            # Only the store failing gets here (sending never raises): the lease expires and
            # another pass retries the row; nothing is lost.
            log.exception("delivery %s/%s failed unexpectedly", delivery.pk, delivery.sk)
            return "error"


class Dispatcher:
    def __init__(self, *, worker_id: str, concurrency: int, clock: Clock, rand: Callable[[], float],
                 per_destination: int | None = None, shares: ShardShare | None = None):
        self.worker_id, self.clock, self.rand = worker_id, clock, rand
        self.concurrency = max(1, concurrency)
        self.shares = shares  # None: every shard (a one-off pass)
        self.gate = Gate(per_destination=per_destination or per_destination_limit())
        self.slots = SendSlots(total=self.concurrency, per_destination=lambda: self.gate.per_destination)
        # Every thread below may call DynamoDB at once (plus the loop's own thread and the
        # lease renewal): the clients keep that many connections instead of discarding them.
        registry.pool_connections_at_least(self.concurrency * PIPELINE + READ_AT_ONCE + STATEMENT_THREADS + 2 + 2)
        self.pool = ThreadPoolExecutor(max_workers=self.concurrency * PIPELINE, thread_name_prefix="deliver")
        self.readers = ThreadPoolExecutor(max_workers=READ_AT_ONCE, thread_name_prefix="due-queue")
        self.store_failed = False  # an attempt found DynamoDB not answering since the loop last looked
        self._rotation = 0
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="follow-ups")
        self._flushing: Future | None = None
        self.running: dict[Future, Delivery] = {}
        self.waiting: list[Delivery] = []  # fetched, not started yet
        self.followups = FollowUps(buffered=True)
        # Claims and outcomes of attempts starting or ending together share a request.
        self.statements = StatementBatcher(threads=STATEMENT_THREADS, name="claims-outcomes",
                                           table=Delivery.table_basename, index_keys=index_hash_keys(Delivery))
        self.cache = PassCache(followups=self.followups, send_slot=self.slots.slot, statements=self.statements)
        self.made = 0
        self.fetched_at = 0.0
        self.more = True
        # Rows another worker holds (our claim failed) at the due time we saw: a claim leaves
        # the due time as it is, so they stay in the due queue; not asked again until the lease
        # they may have has run out.
        self.leased_elsewhere: dict[tuple[str, str, object], float] = {}

    def flush_soon(self) -> None:
        """Write the buffered follow-ups on the writer thread (the loop keeps fetching)."""
        if self._flushing is None or self._flushing.done():
            self._flushing = self.writer.submit(self._flush)

    def _flush(self) -> None:
        try:
            self.followups.flush()
        except Exception:  # the rows are saved; only counts or statuses of this batch are late or lost
            log.exception("writing the delivery follow-ups failed")

    def new_cache(self) -> None:
        """Tenants and destinations are read again from now on (the buffered follow-ups stay):
        those of the rows in hand at once, in one batched read, rather than one GetItem each
        as the loop next looks at them. Submissions already read stay (they do not change)."""
        previous = self.cache
        self.cache = PassCache(followups=self.followups, send_slot=self.slots.slot, statements=self.statements)
        self.cache.submissions = previous.submissions
        try:
            self.cache.prefetch([*self.waiting, *self.running.values()], submissions=False)
        except Exception:  # noqa: BLE001 - DynamoDB not answering: each is read when next needed
            log.warning("could not read the tenants and destinations of the rows in hand", exc_info=True)

    def _busy(self) -> set[tuple[str, str]]:
        return {(row.pk, row.sk) for row in [*self.running.values(), *self.waiting]}

    def fetch(self, *, want: int | None = None) -> int:
        """Read due rows into the waiting list, oldest first across the shards read, skipping
        rows already held and rows of destinations that already have their share (reading
        past them, within a bound). A worker with shard leases reads only its shards."""
        want = want or max(self.concurrency * 4, MIN_FETCH)
        shards = self.shares.shards() if self.shares is not None else list(range(DUE_SHARDS))
        mine = set(shards)
        # Rows held since the last fetch (breaker, rate) and rows of shards given back give up
        # their place in the buffer.
        self.waiting = [row for row in self.waiting
                        if self.gate.capacity(self._dest(row)) and self._shard(row) in mine]
        self.fetched_at = time.monotonic()
        busy, share = self._busy(), Counter(self.gate.in_flight)
        for row in self.waiting:
            share[row.destinationId] += 1
        found, fresh = 0, []
        now, tick = self.clock(), time.monotonic()
        self.leased_elsewhere = {k: until for k, until in self.leased_elsewhere.items() if until > tick}
        self.more = False  # whether due rows were left in the queue that a next fetch could take
        if not shards:
            return 0
        # Shards are read in groups of READ_AT_ONCE, in parallel (one round trip per group); the
        # groups take turns leading, and a next group is read only while the fetch is short.
        start = self._rotation % len(shards)
        self._rotation += READ_AT_ONCE
        ordered = shards[start:] + shards[:start]
        groups = [ordered[i:i + READ_AT_ONCE] for i in range(0, len(ordered), READ_AT_ONCE)]
        for group in groups:
            if found >= want:
                self.more = True
                break
            # Each shard is read deep enough to see past the rows of destinations at their share
            # (at most MAX_SCAN_PER_SHARD) without reading far more than a fetch takes.
            depth = min(MAX_SCAN_PER_SHARD, max(want, MIN_FETCH))
            by_shard = list(self.readers.map(
                lambda shard: list(Delivery.due_in_shard(shard, before=now, limit=depth)), group))
            fetched = [row for rows in by_shard for row in rows]
            self.cache.prefetch([r for r in fetched if (r.tenantId, r.destinationId) not in self.cache.destinations])
            self.more |= any(len(rows) >= depth for rows in by_shard)
            for row in heapq.merge(*by_shard, key=lambda r: r.nextAttemptAt):  # oldest first
                if found >= want:
                    self.more = True
                    break
                if (row.pk, row.sk) in busy or (row.pk, row.sk, row.nextAttemptAt) in self.leased_elsewhere:
                    continue
                if share[row.destinationId] >= self._buffer_share(row, want):
                    self.more = True
                    continue  # held (breaker, rate) or at its share: it keeps its place in the queue
                share[row.destinationId] += 1
                self.waiting.append(row)
                fresh.append(row)
                found += 1
        self.cache.prefetch(fresh)  # their submissions, in one batched read
        return found

    def drop_held(self, *, longer_than: float = 1.0) -> int:
        """Give back the waiting rows whose destination may not start for a while (an open
        breaker until its next probe, a rate limit far behind): they keep their place in the
        due queue for a later pass. Returns how many were dropped."""
        now, kept = time.monotonic(), []
        for row in self.waiting:
            destination = self._dest(row)
            held = (destination is not None and not self.gate.capacity(destination)
                    and self.gate.next_start.get(destination.id, 0) - now > longer_than)
            if not held:
                kept.append(row)
        dropped, self.waiting = len(self.waiting) - len(kept), kept
        return dropped

    @staticmethod
    def _shard(row: Delivery) -> int | None:
        return row.due_shard_number

    def start_ready(self) -> int:
        """Start waiting rows while slots are free and their destination is under its limit."""
        started, kept = 0, []
        for row in self.waiting:
            destination = self._dest(row)
            if len(self.running) < self.concurrency * PIPELINE and self._may_start(row, destination):
                self.gate.started(row.destinationId, destination)
                self.running[self.pool.submit(process, row, worker_id=self.worker_id, clock=self.clock,
                                              rand=self.rand, cache=self.cache, gate=self.gate)] = row
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
            try:
                status = future.result()
            except Exception:  # process() handles its own failures; this is a last guard
                log.exception("delivery %s/%s failed unexpectedly", row.pk, row.sk)
                status = STORE_FAILED
            if status == STORE_FAILED:
                self.store_failed = True
            elif status is not None:
                self.made += 1
            elif row.nextAttemptAt is not None:  # our claim failed: another worker holds it
                self.leased_elsewhere[(row.pk, row.sk, row.nextAttemptAt)] = time.monotonic() + lease_seconds()
        return len(done)

    def _may_start(self, row: Delivery, destination) -> bool:
        """Under the destination's share; PIPELINE times that for a healthy one (see above)."""
        capacity = self.gate.capacity(destination)
        healthy = (destination is not None and capacity == self.gate.per_destination
                   and breaker_state(destination) == CLOSED and not destination.rateLimit
                   and not int(destination.consecutiveFailures or 0))
        return self.gate.in_flight[row.destinationId] < (capacity * PIPELINE if healthy else capacity)

    def _buffer_share(self, row: Delivery, want: int) -> int:
        """How many of a destination's rows one fetch may hold: none while it is held (breaker,
        rate limit), else up to half the fetch (so another destination's rows get the rest;
        start_ready keeps its in-flight share), never less than its in-flight share."""
        destination = self._dest(row)
        capacity = self.gate.capacity(destination)
        if capacity == 0 or (destination is not None and breaker_state(destination) == OPEN):
            return capacity  # a probe at a time: nothing to hold in hand
        return max(capacity, want // 2)

    def _dest(self, row: Delivery):
        return self.cache.destination(row.tenantId, row.destinationId)

    @property
    def free(self) -> int:
        return self.concurrency * PIPELINE - len(self.running)

    def close(self) -> None:
        """Let the attempts in hand finish (their leases are ours), then stop the threads and
        write the buffered follow-ups."""
        self.pool.shutdown(wait=True)
        for future, _row in list(self.running.items()):
            if future.exception() is None and future.result() not in (None, STORE_FAILED):
                self.made += 1
        self.running.clear()
        self.statements.close()
        self.writer.shutdown(wait=True)
        self.readers.shutdown(wait=True)
        try:
            self.followups.flush()
        except Exception:  # DynamoDB not answering as the worker stops: only counts are late
            log.exception("writing the delivery follow-ups failed")
