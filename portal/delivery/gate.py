"""Per-destination admission inside one worker: a concurrency share, the tenant's optional
rate limit (requests per second), and a circuit breaker. After BREAKER_THRESHOLD consecutive
failures (the destination's health counter) the breaker is open: its due rows are held where
they are in the due queue (not claimed, their schedule untouched) and one probe attempt at a
time goes out, each at least BREAKER_PROBE_SECONDS after the previous one ended. A probe that
succeeds resets the counter and closes the breaker; the held rows then go at once."""
from __future__ import annotations

import threading
import time
from collections import Counter

from django.conf import settings

from portal.dynamo.destinations import Destination

CLOSED, OPEN = "closed", "open"


def breaker_threshold() -> int:
    return max(1, int(getattr(settings, "DELIVERY_BREAKER_THRESHOLD", 10)))


def probe_seconds() -> float:
    return float(getattr(settings, "DELIVERY_BREAKER_PROBE_SECONDS", 30))


def breaker_state(destination: Destination) -> str:
    """What the destination page shows: open while the failures in a row reach the threshold."""
    return OPEN if int(destination.consecutiveFailures or 0) >= breaker_threshold() else CLOSED


class Gate:
    def __init__(self, *, per_destination: int):
        self.full = per_destination
        # This worker's part of the due queue (held shards / all shards): workers sharing the
        # queue split each destination's concurrency and rate by it, so the limits hold
        # across workers, not just inside one.
        self.share = 1.0
        self.in_flight: Counter[str] = Counter()
        self.next_start: dict[str, float] = {}  # rate limit and breaker probes: not before this
        self._last_request: dict[str, float] = {}
        self._request_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    @property
    def per_destination(self) -> int:
        return max(1, int(self.full * self.share))

    def rate(self, destination: Destination) -> float:
        """Requests per second this worker may send to the destination (its share of the limit)."""
        return float(destination.rateLimit) * max(self.share, 1e-3)

    def capacity(self, destination: Destination | None) -> int:
        """How many attempts this destination may have in flight now."""
        if destination is None:
            return self.per_destination  # the attempt ends it without sending
        ready = time.monotonic() >= self.next_start.get(destination.id, 0)
        if breaker_state(destination) == OPEN:
            return 1 if ready else 0
        if destination.rateLimit:
            return self.per_destination if ready else 0
        return self.per_destination

    def may_start(self, destination_id: str, destination: Destination | None) -> bool:
        return self.in_flight[destination_id] < self.capacity(destination)

    def started(self, destination_id: str, destination: Destination | None) -> None:
        self.in_flight[destination_id] += 1
        if destination is not None and destination.rateLimit and breaker_state(destination) == CLOSED:
            self.next_start[destination_id] = time.monotonic() + 1.0 / self.rate(destination)

    def ended(self, destination_id: str, destination: Destination | None) -> None:
        self.in_flight[destination_id] -= 1
        if destination is not None and breaker_state(destination) == OPEN:
            self.next_start[destination_id] = time.monotonic() + probe_seconds()

    def pace(self, destination: Destination) -> None:
        """Called by the attempt right before its request: spaces the requests themselves at
        1/rate. Spacing the starts alone is not enough, because the claim and the reads between a
        start and its request take a varying time, so two starts 1/rate apart can reach the
        receiver much closer together."""
        if not destination.rateLimit or breaker_state(destination) == OPEN:
            return
        interval = 1.0 / self.rate(destination)
        with self._locks_guard:
            lock = self._request_locks.setdefault(destination.id, threading.Lock())
        with lock:  # only this destination's attempts wait here, at most one interval each
            delay = self._last_request.get(destination.id, float("-inf")) + interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self._last_request[destination.id] = time.monotonic()
