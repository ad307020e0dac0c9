"""One attempt and its outcome: the retry schedule with failing receivers (jitter,
Retry-After, timeouts, dropped connections, redirects) and rows that end without sending."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.delivery import schedule, worker
from portal.selectors.access import access_destination
from portal.services.delivery_setup.destinations import destination_disable
from tests.factories.delivery import (
    T0,
    FakeClock,
    attempts_of,
    day_metrics,
    delivery_row,
    make_submission_with_deliveries,
    run_at,
    stored_submission,
)


def test_a_failing_receiver_gets_eight_attempts_on_the_schedule_then_the_delivery_fails(setup, receiver):
    tenant, user, destination = setup
    receiver.mode = "fail"
    clock = FakeClock(T0)
    submission, _ = make_submission_with_deliveries(tenant)
    times = []
    when = T0 + timedelta(seconds=1)
    for _ in range(schedule.MAX_ATTEMPTS):
        assert run_at(clock, when) == 1
        times.append(when)
        delivery = delivery_row(submission, destination)
        if delivery.status == "failed":
            break
        when = delivery.nextAttemptAt
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
    assert gaps == [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert delivery.status == "failed" and delivery.dueShard is None
    attempts = attempts_of(submission)
    assert [a.statusCode for a in attempts] == [500] * 8
    assert attempts[0].responseBody == "upstream exploded" and attempts[0].error == "HTTP 500"
    assert run_at(clock, when + timedelta(days=1)) == 0
    assert stored_submission(tenant, submission).deliveryStatus == "failed"
    assert day_metrics(tenant, times[-1].strftime("%Y-%m-%d")) == (0, 1)
    health = access_destination(tenant=tenant, destination_id=destination.id)
    assert health.consecutiveFailures == 8 and health.failingSince == times[0] and health.enabled


def test_jitter_keeps_each_delay_within_twenty_percent(setup, receiver):
    tenant, user, destination = setup
    receiver.mode = "fail"
    submission, _ = make_submission_with_deliveries(tenant)
    for rand, factor in ((lambda: 0.0, 0.8), (lambda: 0.999999, 1.2)):
        clock = FakeClock(T0)
        delivery = delivery_row(submission, destination)
        delivery.nextAttemptAt, delivery.status = T0, "pending"
        delivery.save()
        worker.run_once(worker_id="w", clock=clock, rand=rand)
        delay = (delivery_row(submission, destination).nextAttemptAt - T0).total_seconds()
        step = delivery_row(submission, destination).scheduleStep
        assert delay == pytest.approx(schedule.DELAYS[step] * factor, rel=1e-3)


def test_429_with_retry_after_waits_as_asked_within_bounds(setup, receiver):
    tenant, user, destination = setup
    receiver.mode, receiver.retry_after = "throttle", "120"
    clock = FakeClock(T0)
    submission, _ = make_submission_with_deliveries(tenant)
    run_at(clock, T0 + timedelta(seconds=1))
    first = delivery_row(submission, destination)
    assert first.lastStatusCode == 429
    assert first.nextAttemptAt == T0 + timedelta(seconds=121)  # not the scheduled 5 s
    receiver.retry_after = "99999999"
    run_at(clock, first.nextAttemptAt)
    second = delivery_row(submission, destination)
    assert second.nextAttemptAt == first.nextAttemptAt + timedelta(seconds=schedule.MAX_RETRY_AFTER)


def test_a_receiver_that_times_out_is_an_attempt_with_an_error_and_a_retry(setup, receiver, settings):
    tenant, user, destination = setup
    settings.DELIVERY_TIMEOUT_SECONDS = 0.3
    receiver.mode, receiver.delay = "slow", 3
    clock = FakeClock(T0)
    submission, _ = make_submission_with_deliveries(tenant)
    run_at(clock, T0)
    (attempt,) = attempts_of(submission)
    assert attempt.statusCode is None and attempt.error == "Timed out after 0.3 s"
    assert attempt.durationMs < 2000
    delivery = delivery_row(submission, destination)
    assert delivery.status == "pending" and delivery.nextAttemptAt == T0 + timedelta(seconds=5)


def test_a_receiver_that_closes_the_connection_is_retried(setup, receiver):
    tenant, user, destination = setup
    receiver.mode = "close"
    clock = FakeClock(T0)
    submission, _ = make_submission_with_deliveries(tenant)
    run_at(clock, T0)
    (attempt,) = attempts_of(submission)
    assert attempt.statusCode is None and attempt.error.startswith("Connection closed by the receiver")
    assert delivery_row(submission, destination).nextAttemptAt == T0 + timedelta(seconds=5)
    receiver.mode = "ok"
    run_at(clock, T0 + timedelta(seconds=5))
    assert delivery_row(submission, destination).status == "delivered"
    assert [a.succeeded for a in attempts_of(submission)] == [0, 1]


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(setup, receiver):
    tenant, user, destination = setup
    receiver.mode = "redirect"
    submission, _ = make_submission_with_deliveries(tenant)
    worker.run_once(worker_id="w1")
    assert [r.path for r in receiver.received] == ["/hook"]
    (attempt,) = attempts_of(submission)
    assert attempt.statusCode == 302 and "not followed" in attempt.error


def test_a_disabled_destinations_pending_delivery_fails_without_sending(setup, receiver):
    tenant, user, destination = setup
    submission, _ = make_submission_with_deliveries(tenant)
    destination_disable(tenant=tenant, actor=user.email,
                        destination=access_destination(tenant=tenant, destination_id=destination.id))
    worker.run_once(worker_id="w1")
    assert receiver.received == []
    delivery = delivery_row(submission, destination)
    assert delivery.status == "failed" and delivery.lastError == "The destination is disabled."
    assert attempts_of(submission) == []
