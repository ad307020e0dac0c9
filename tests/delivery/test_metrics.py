"""What the delivery worker tells operators: attempts by outcome with their duration, worker
passes, and the due queue's depth and oldest age computed from the DueIndex on scrape."""
from __future__ import annotations

from datetime import timedelta

from django.test import Client

from portal.dynamo.deliveries import Delivery
from portal.observability import exposition
from portal.observability.metrics import REGISTRY
from tests.factories.delivery import T0, FakeClock, delivery_row, make_submission_with_deliveries, run_at
from tests.observability.helpers import TOKEN, samples, value


def _now(name, labels=()) -> float:
    return REGISTRY.get_sample_value(name, dict(labels)) or 0.0


def test_attempts_are_counted_by_outcome_and_timed_and_passes_counted(setup, receiver, settings, monkeypatch):
    tenant, _, destination = setup
    settings.METRICS_TOKEN = TOKEN
    monkeypatch.setattr(exposition, "DUE_QUEUE", exposition.DueQueueCollector(cache_seconds=0))
    delivered = ("formbridge_delivery_attempts_total", (("channel", "webhook"), ("outcome", "delivered")))
    rejected = ("formbridge_delivery_attempts_total", (("channel", "webhook"), ("outcome", "rejected")))
    timed = ("formbridge_delivery_duration_seconds_count", (("channel", "webhook"),))
    before = {key: _now(*key) for key in (delivered, rejected, timed)}
    passes = _now("formbridge_worker_passes_total")
    clock = FakeClock(T0)
    receiver.mode = "fail"
    failing, _ = make_submission_with_deliveries(tenant)
    assert run_at(clock, T0) == 1
    receiver.mode = "ok"
    assert run_at(clock, delivery_row(failing, destination).nextAttemptAt) == 1
    assert run_at(clock, clock.now + timedelta(days=1)) == 0
    assert _now(*delivered) - before[delivered] == 1
    assert _now(*rejected) - before[rejected] == 1
    assert _now(*timed) - before[timed] == 2
    assert _now("formbridge_worker_passes_total") - passes == 3
    # ...and the scrape shows them.
    text = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    assert value(samples(text), "formbridge_delivery_attempts_total", channel="webhook", outcome="delivered") >= 1
    assert value(samples(text), "formbridge_worker_passes_total") >= 3


def test_due_queue_depth_and_oldest_age_count_only_rows_due_by_now(setup):
    tenant, _, destination = setup
    first, _ = make_submission_with_deliveries(tenant)
    second, _ = make_submission_with_deliveries(tenant)
    due_at = sorted(delivery_row(s, destination).nextAttemptAt for s in (first, second))
    assert Delivery.due_queue_stats(now=due_at[0] - timedelta(seconds=1)) == (0, None)
    assert Delivery.due_queue_stats(now=due_at[1] + timedelta(seconds=30)) == (2, due_at[0])
    # Delivered rows leave the sparse index, so they leave the queue.
    run_at(FakeClock(T0), T0)
    assert Delivery.due_queue_stats(now=T0) == (0, None)


def test_the_due_queue_is_read_at_most_once_per_cache_period(setup):
    tenant, _, _ = setup
    ticks = iter([0.0, 1.0, 10.0, 10.0])
    collector = exposition.DueQueueCollector(cache_seconds=5, monotonic=lambda: next(ticks))
    assert collector.snapshot()[0] == 0
    make_submission_with_deliveries(tenant)
    assert collector.snapshot()[0] == 0  # 1 s later: the cached answer
    depth, age = collector.snapshot()  # 10 s later: read again
    assert depth == 1 and age >= 0
