"""The worker loop: find due deliveries in every DueIndex shard, claim each with a lease,
attempt it. Any number of workers may run; the conditional claim keeps them apart. Inside one
worker the dispatcher starts a row as soon as a slot frees, with a per-destination share."""
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
from portal.dynamo.base import utcnow
from portal.dynamo.deliveries import DUE_SHARDS, Delivery
from portal.observability.metrics import worker_pass_observed

log = logging.getLogger("portal.delivery")

CACHE_SECONDS = 5.0  # tenants and destinations are re-read at least this often
REFETCH_SECONDS = 0.25  # with free slots but only held rows waiting, look for other work this often


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
        cache = PassCache()
        results = [process(row, worker_id=worker_id, clock=clock, rand=rand, cache=cache)
                   for row in due_deliveries(now=clock(), per_shard=per_shard)]
        return sum(1 for r in results if r is not None)
    dispatcher = Dispatcher(worker_id=worker_id, concurrency=concurrency, clock=clock, rand=rand)
    try:
        dispatcher.fetch(want=per_shard * DUE_SHARDS)
        while dispatcher.waiting or dispatcher.running:
            dispatcher.start_ready()
            dispatcher.reap(timeout=None)
    finally:
        dispatcher.close()
    return dispatcher.made


def run_forever(*, stop: threading.Event, poll_seconds: float = 1.0, concurrency: int = 1,
                worker_id: str | None = None, clock: Clock = utcnow,
                rand: Callable[[], float] = random.random) -> None:
    """Loop until `stop` is set, keeping up to `concurrency` attempts in flight: new due rows
    are fetched whenever slots are free, so no row waits for a slow one to finish."""
    worker_id = worker_id or worker_id_new()
    log.info("delivery worker %s started", worker_id)
    dispatcher = Dispatcher(worker_id=worker_id, concurrency=concurrency, clock=clock, rand=rand)
    cache_born = time.monotonic()
    try:
        while not stop.is_set():
            if time.monotonic() - cache_born > CACHE_SECONDS:
                dispatcher.cache, cache_born = PassCache(), time.monotonic()
            try:
                started = dispatcher.start_ready() if dispatcher.free else 0
                stale = time.monotonic() - dispatcher.fetched_at > REFETCH_SECONDS
                if dispatcher.free and (not dispatcher.waiting or (stale and not started)):  # look for work
                    worker_pass_observed()  # a pass of the long-running worker is one look at the due queue
                    dispatcher.fetch()
                    started += dispatcher.start_ready()
            except Exception:
                log.exception("fetching due deliveries failed; retrying shortly")
                started = 0
            # Rows waiting on a rate limit or a probe time are looked at again soon.
            pause = min(poll_seconds, 0.05) if dispatcher.waiting else poll_seconds
            if not dispatcher.running:
                stop.wait(pause)
            elif not started or not dispatcher.free:
                dispatcher.reap(timeout=pause)
    finally:
        dispatcher.close()
    log.info("delivery worker %s stopped", worker_id)
