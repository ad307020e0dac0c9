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
from portal.dynamo.due_board import board_state
from portal.observability import metrics

QUEUE_CACHE_SECONDS = 5.0


class DueQueueCollector:
    """formbridge_due_queue_depth and formbridge_due_queue_oldest_age_seconds (in all and per
    shard), and formbridge_delivery_workers (live workers on the lease board), on scrape."""

    def __init__(self, *, cache_seconds: float = QUEUE_CACHE_SECONDS, monotonic: Callable[[], float] = time.monotonic):
        self.cache_seconds = cache_seconds
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._cached: tuple[float, dict] | None = None  # (taken at, the snapshot)

    def _families(self, snap: dict | None):
        depth_family = GaugeMetricFamily(
            "formbridge_due_queue_depth", "Deliveries due now and not yet attempted (the DueIndex).")
        age_family = GaugeMetricFamily(
            "formbridge_due_queue_oldest_age_seconds", "How long the oldest due delivery has been waiting; 0 when none.")
        shard_depth = GaugeMetricFamily(
            "formbridge_due_queue_shard_depth", "Deliveries due now, per due-queue shard.", labels=["shard"])
        shard_age = GaugeMetricFamily(
            "formbridge_due_queue_shard_oldest_age_seconds",
            "How long the oldest due delivery of the shard has been waiting; 0 when none.", labels=["shard"])
        workers = GaugeMetricFamily(
            "formbridge_delivery_workers", "Long-running delivery workers holding a live lease on the board.")
        if snap is not None:
            depth_family.add_metric([], snap["depth"])
            age_family.add_metric([], snap["age"])
            for shard, depth, age in snap["shards"]:
                shard_depth.add_metric([str(shard)], depth)
                shard_age.add_metric([str(shard)], age)
            workers.add_metric([], snap["workers"])
        return [depth_family, age_family, shard_depth, shard_age, workers]

    def describe(self):
        # Without this, registering would run collect() and query DynamoDB.
        return self._families(None)

    def snapshot_all(self) -> dict:
        """depth, age (s), shards [(shard, depth, age)], workers: at most one read per cache period."""
        with self._lock:
            if self._cached is None or self.monotonic() - self._cached[0] >= self.cache_seconds:
                now = utcnow()
                shards = [(shard, depth, max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
                          for shard, depth, oldest in Delivery.due_queue_by_shard(now=now)]
                workers, _holders = board_state(now=now)
                self._cached = (self.monotonic(), {
                    "depth": sum(d for _s, d, _a in shards), "age": max([a for _s, _d, a in shards], default=0.0),
                    "shards": shards, "workers": len(workers)})
            return self._cached[1]

    def snapshot(self) -> tuple[int, float]:
        snap = self.snapshot_all()
        return snap["depth"], snap["age"]

    def collect(self):
        return self._families(self.snapshot_all())


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
