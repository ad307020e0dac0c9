"""The worker loop: find due deliveries in every DueIndex shard, claim each with a lease,
attempt it, repeat. Any number of workers may run; the conditional claim keeps them apart."""
from __future__ import annotations

import logging
import os
import random
import socket
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from portal.delivery.attempt import Clock, PassCache, attempt_claimed
from portal.delivery.claim import claim
from portal.dynamo.base import utcnow
from portal.dynamo.deliveries import DUE_SHARDS, Delivery
from portal.observability.metrics import worker_pass_observed

log = logging.getLogger("portal.delivery")


def worker_id_new() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def due_deliveries(*, now, per_shard: int = 25) -> list[Delivery]:
    """Due rows from every shard of the due queue, oldest first within each shard."""
    rows: list[Delivery] = []
    for shard in range(DUE_SHARDS):
        rows.extend(Delivery.due_in_shard(shard, before=now, limit=per_shard))
    return rows


def process(delivery: Delivery, *, worker_id: str, clock: Clock, rand: Callable[[], float],
            cache: PassCache | None = None) -> str | None:
    """Claim and attempt one row; None if another worker holds it."""
    if not claim(delivery, worker_id=worker_id, now=clock()):
        return None
    try:
        return attempt_claimed(delivery, worker_id=worker_id, clock=clock, rand=rand, cache=cache).status
    except Exception:
        # The lease expires and another pass retries it; nothing is lost.
        log.exception("delivery %s/%s failed unexpectedly", delivery.pk, delivery.sk)
        return "error"


def run_once(*, worker_id: str | None = None, clock: Clock = utcnow, rand: Callable[[], float] = random.random,
             per_shard: int = 25, concurrency: int = 1) -> int:
    """One pass over the due queue; returns how many attempts this worker made."""
    worker_pass_observed()
    worker_id = worker_id or worker_id_new()
    rows = due_deliveries(now=clock(), per_shard=per_shard)
    cache = PassCache()

    def one(row: Delivery) -> str | None:
        return process(row, worker_id=worker_id, clock=clock, rand=rand, cache=cache)

    if concurrency <= 1:
        results = [one(row) for row in rows]
    else:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            results = list(pool.map(one, rows))
    return sum(1 for r in results if r is not None)


def run_forever(*, stop: threading.Event, poll_seconds: float = 1.0, concurrency: int = 1,
                worker_id: str | None = None) -> None:
    """Loop until `stop` is set; a pass that found work is followed at once by the next."""
    worker_id = worker_id or worker_id_new()
    log.info("delivery worker %s started", worker_id)
    while not stop.is_set():
        try:
            done = run_once(worker_id=worker_id, concurrency=concurrency)
        except Exception:
            log.exception("delivery pass failed; retrying shortly")
            done = 0
        if not done:
            stop.wait(poll_seconds)
    log.info("delivery worker %s stopped", worker_id)
