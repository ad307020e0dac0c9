"""The worker loop: find due deliveries in the DueIndex shards, claim each with a lease,
attempt it. Any number of workers may run: long-running workers divide the shards between
them with leases (shares.py), and the conditional claim on each row keeps them apart whatever
happens. Inside one worker the dispatcher starts a row as soon as a slot frees, with a
per-destination share. When DynamoDB stops answering the worker logs it, backs off (capped,
with jitter) and carries on by itself once it answers again."""
from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from typing import Callable

from portal.delivery.attempt import Clock, PassCache
from portal.delivery.dispatch import Dispatcher, process
from portal.delivery.followups import FollowUps
from portal.delivery.shares import ShardShare
from portal.dynamo.base import utcnow
from portal.dynamo.deliveries import DUE_SHARDS, Delivery
from portal.observability.metrics import worker_pass_observed

log = logging.getLogger("portal.delivery")

CACHE_SECONDS = 5.0  # tenants and destinations are re-read at least this often
REFETCH_SECONDS = 0.25  # with free slots but only held rows waiting, look for other work this often
# The idle poll adapts: right after work was found the due queue is looked at again within
# MIN_POLL_SECONDS; each empty look doubles the wait, up to the worker's poll_seconds.
MIN_POLL_SECONDS = 0.2
# DynamoDB not answering: the wait before the next look doubles from the first to the last.
BACKOFF_FIRST_SECONDS, BACKOFF_MAX_SECONDS = 0.5, 10.0


class Backoff:
    """Capped exponential backoff with full jitter, reset by a success."""

    def __init__(self, *, first: float = BACKOFF_FIRST_SECONDS, longest: float = BACKOFF_MAX_SECONDS,
                 rand: Callable[[], float] = random.random):
        self.first, self.longest, self.rand = first, longest, rand
        self.failures = 0

    def failed(self) -> float:
        """The failure was counted; returns the wait before the next try."""
        self.failures += 1
        ceiling = min(self.longest, self.first * 2 ** (self.failures - 1))
        return ceiling / 2 + self.rand() * ceiling / 2

    def succeeded(self) -> None:
        self.failures = 0


class IdlePoll:
    """The wait before the next look at the due queue when nothing is due."""

    def __init__(self, *, longest: float, shortest: float = MIN_POLL_SECONDS):
        self.shortest, self.longest = min(shortest, longest), longest
        self.seconds = self.shortest

    def found(self, rows: int) -> float:
        self.seconds = self.shortest if rows else min(self.longest, self.seconds * 2)
        return self.seconds


def worker_id_new() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def due_deliveries(*, now, per_shard: int = 25) -> list[Delivery]:
    """Due rows from every shard of the due queue, oldest first within each shard."""
    rows: list[Delivery] = []
    for shard in range(DUE_SHARDS):
        rows.extend(Delivery.due_in_shard(shard, before=now, limit=per_shard))
    return rows


def run_once(*, worker_id: str | None = None, clock: Clock = utcnow, rand: Callable[[], float] = random.random,
             per_shard: int = 25, concurrency: int = 1) -> int:
    """One pass over the due queue; returns how many attempts this worker made."""
    worker_pass_observed()
    worker_id = worker_id or worker_id_new()
    if concurrency <= 1:
        cache = PassCache(followups=FollowUps(buffered=True))
        try:
            rows = due_deliveries(now=clock(), per_shard=per_shard)
            cache.prefetch(rows)
            results = [process(row, worker_id=worker_id, clock=clock, rand=rand, cache=cache) for row in rows]
        finally:
            cache.followups.flush()
        return sum(1 for r in results if r is not None)
    dispatcher = Dispatcher(worker_id=worker_id, concurrency=concurrency, clock=clock, rand=rand)
    try:
        # Fetch again once the fetched rows are done, until a fetch finds nothing new: a
        # destination's share limits what one fetch takes, not what the pass does.
        while True:
            found = dispatcher.fetch(want=per_shard * DUE_SHARDS)
            while dispatcher.waiting or dispatcher.running:
                started = dispatcher.start_ready()
                if dispatcher.running:
                    dispatcher.reap(timeout=None)
                elif not started and not dispatcher.drop_held():
                    time.sleep(0.01)  # a rate-limited row: its turn comes within a second
                # (a row held longer, behind an open breaker, is left for a later pass)
            if dispatcher.store_failed:
                break  # DynamoDB is not answering: the rows stay due for the next pass
            if not found or not dispatcher.more:
                break  # a fetch that left nothing behind was the pass's last
    finally:
        dispatcher.close()
    return dispatcher.made


def run_forever(*, stop: threading.Event, poll_seconds: float = 5.0, concurrency: int = 1,
                worker_id: str | None = None, clock: Clock = utcnow,
                rand: Callable[[], float] = random.random, shares: ShardShare | None = None) -> None:
    """Loop until `stop` is set, keeping up to `concurrency` attempts in flight: new due rows
    are fetched whenever slots are free, so no row waits for a slow one to finish. When
    nothing is due the wait between looks grows from MIN_POLL_SECONDS to `poll_seconds`. The
    worker reads only the due-queue shards it holds a lease on (`shares`, renewed on a thread
    of their own)."""
    worker_id = worker_id or worker_id_new()
    shares = shares or ShardShare(worker_id=worker_id)
    log.info("delivery worker %s started", worker_id)
    dispatcher = Dispatcher(worker_id=worker_id, concurrency=concurrency, clock=clock, rand=rand, shares=shares)
    idle, backoff = IdlePoll(longest=poll_seconds), Backoff(rand=rand)
    cache_born, next_look, backing_off_until = time.monotonic(), 0.0, 0.0
    reading: frozenset[int] = frozenset()
    leases_stop = threading.Event()
    renewer = shares.start(leases_stop)
    try:
        while not stop.is_set():
            if time.monotonic() - cache_born > CACHE_SECONDS:
                dispatcher.new_cache()
                cache_born = time.monotonic()
            started = 0
            try:
                if time.monotonic() < backing_off_until:
                    raise BackingOff()  # nothing is started or fetched while backing off
                mine = frozenset(shares.shards())
                if mine != reading:  # the renewal thread took or gave back shards
                    dispatcher.gate.share = shares.fraction
                    if mine - reading:
                        next_look = 0.0  # shards just taken: look at them now, not after the idle wait
                    reading = mine
                started = dispatcher.start_ready() if dispatcher.free else 0
                stale = time.monotonic() - dispatcher.fetched_at > REFETCH_SECONDS
                wanted = not dispatcher.waiting or (stale and not started)
                if dispatcher.free and wanted and time.monotonic() >= next_look:  # look for work
                    worker_pass_observed()  # a pass of the long-running worker is one look at the due queue
                    found = dispatcher.fetch()
                    next_look = time.monotonic() + (0 if found else idle.found(0))
                    if found:
                        idle.found(found)
                    started += dispatcher.start_ready()
                if dispatcher.followups.due():
                    dispatcher.flush_soon()
                if dispatcher.store_failed:
                    raise StoreNotAnswering()
                backoff.succeeded()
            except BackingOff:
                pass
            except Exception as error:
                wait = backoff.failed()
                backing_off_until = time.monotonic() + wait
                dispatcher.store_failed = False
                log.warning("the due queue could not be read or claimed (%s); looking again in %.1f s",
                            _reason(error), wait,
                            exc_info=not isinstance(error, StoreNotAnswering) and backoff.failures == 1)
                started, next_look = 0, time.monotonic() + wait
            # Rows waiting on a rate limit or a probe time are looked at again soon.
            pause = min(poll_seconds, 0.05) if dispatcher.waiting else max(0.0, next_look - time.monotonic())
            if dispatcher.followups.pending:
                pause = min(pause, FollowUps.FLUSH_SECONDS)
            if time.monotonic() < backing_off_until:
                pause = max(pause, min(1.0, backing_off_until - time.monotonic()))
            if not dispatcher.running:
                stop.wait(pause)
            elif not started or not dispatcher.free:
                dispatcher.reap(timeout=pause)
    finally:
        leases_stop.set()
        renewer.join(timeout=10)
        dispatcher.close()
        shares.leave()
    log.info("delivery worker %s stopped", worker_id)


class BackingOff(Exception):
    """The loop is waiting out a backoff: it only reaps the attempts in hand."""


class StoreNotAnswering(Exception):
    """An attempt could not claim its row: DynamoDB did not answer."""


def _reason(error: Exception) -> str:
    if isinstance(error, StoreNotAnswering):
        return "a claim got no answer"
    return f"{type(error).__name__}: {str(error)[:200]}"
