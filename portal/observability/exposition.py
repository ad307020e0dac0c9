"""The Prometheus exposition shared by the web's /metrics and the worker's own port.

With PROMETHEUS_MULTIPROC_DIR set (the gunicorn web processes) the counters and histograms
are read from every process's files in that directory, so any worker answering the scrape
gives the totals of all of them. Without it (the delivery worker, tests) they are this
process's own. The due-queue gauges are not counted anywhere: they are computed at scrape
time from the sparse DueIndex, cached for a few seconds so frequent scrapes stay cheap."""
from __future__ import annotations

import os
import threading
import time
from typing import Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from portal.dynamo.base import utcnow
from portal.dynamo.deliveries import Delivery
from portal.observability import metrics

QUEUE_CACHE_SECONDS = 5.0


class DueQueueCollector:
    """formbridge_due_queue_depth and formbridge_due_queue_oldest_age_seconds, on scrape."""

    def __init__(self, *, cache_seconds: float = QUEUE_CACHE_SECONDS, monotonic: Callable[[], float] = time.monotonic):
        self.cache_seconds = cache_seconds
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._cached: tuple[float, int, float] | None = None  # (taken at, depth, oldest age)

    def _families(self, depth: float | None, age: float | None):
        depth_family = GaugeMetricFamily(
            "formbridge_due_queue_depth", "Deliveries due now and not yet attempted (the DueIndex).")
        age_family = GaugeMetricFamily(
            "formbridge_due_queue_oldest_age_seconds", "How long the oldest due delivery has been waiting; 0 when none.")
        if depth is not None:
            depth_family.add_metric([], depth)
            age_family.add_metric([], age)
        return [depth_family, age_family]

    def describe(self):
        # Without this, registering would run collect() and query DynamoDB.
        return self._families(None, None)

    def snapshot(self) -> tuple[int, float]:
        with self._lock:
            if self._cached is None or self.monotonic() - self._cached[0] >= self.cache_seconds:
                now = utcnow()
                depth, oldest = Delivery.due_queue_stats(now=now)
                age = max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
                self._cached = (self.monotonic(), depth, age)
            return self._cached[1], self._cached[2]

    def collect(self):
        depth, age = self.snapshot()
        return self._families(depth, age)


DUE_QUEUE = DueQueueCollector()


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def registry_for_scrape() -> CollectorRegistry:
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_OwnMetrics())
    registry.register(DUE_QUEUE)
    return registry


class _OwnMetrics:
    """This process's metrics (metrics.REGISTRY) as one collector of another registry."""

    def collect(self):
        return metrics.REGISTRY.collect()

    def describe(self):
        return []


def exposition() -> tuple[bytes, str]:
    """(body, content type) of one scrape."""
    return generate_latest(registry_for_scrape()), CONTENT_TYPE_LATEST
