"""The delivery worker against DynamoDB Local and a real webhook receiver on loopback:
signatures, the retry schedule with failing receivers, leases, health, status and metrics."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from portal.delivery import engine, schedule, worker
from portal.dynamo.deliveries import Delivery, submission_rows
from portal.dynamo.destinations import EMAIL
from portal.dynamo.metrics import DailyMetrics
from portal.dynamo.submissions import Submission
from portal.selectors.access import access_destination
from portal.services.destinations import destination_disable, destination_secret_reveal, destination_secret_rotate
from tests.factories.accounts import make_tenant
from tests.factories.delivery import FakeClock, Receiver, make_destination, make_submission_with_deliveries

# Rows made by the factory are due from the real "now"; the injected clock starts later (with
# an hour of margin, so a slow run never creates rows that are not yet due at T0).
T0 = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=1)
MIDDLE = lambda: 0.5  # noqa: E731 - jitter factor exactly 1.0


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def setup(ddb, receiver):
    tenant, user = make_tenant()
    destination = make_destination(tenant, user, url=receiver.url)
    destination_now = access_destination(tenant=tenant, destination_id=destination.id)
    receiver.secrets = [destination_secret_reveal(tenant=tenant, actor=user.email, destination=destination_now)]
    return tenant, user, destination


def _delivery(submission, destination) -> Delivery:
    return Delivery.in_tenant(submission.tenantId).get(Delivery.partition_for(submission.id),
                                                       Delivery.sort_for(destination.id), consistent_read=True)


def _attempts(submission):
    return sorted(submission_rows(submission.tenantId, submission.id, consistent=True)[1], key=lambda a: a.number)


def _stored_submission(tenant, submission):
    return Submission.in_tenant(tenant.id).get(submission.pk, submission.sk)


def _metrics(tenant, day):
    item = DailyMetrics.in_tenant(tenant.id).get_or_none(DailyMetrics.partition_for(tenant.id),
                                                         DailyMetrics.sort_for(day))
    return (item.delivered, item.failed) if item else (0, 0)


def test_a_due_submission_is_delivered_signed_and_the_receiver_verifies_it(setup, receiver):
    tenant, user, destination = setup
    submission, _ = make_submission_with_deliveries(tenant, fields={"name": "Grace", "message": "Hi"})
    made = worker.run_once(worker_id="w1")
    assert made == 1
    assert len(receiver.received) == 1
    hit = receiver.received[0]
    assert hit.verified, hit.error
    assert hit.json["data"]["fields"] == {"name": "Grace", "message": "Hi"}
    assert hit.headers["webhook-id"] == f"msg_{submission.id}_{destination.id}"
    delivery = _delivery(submission, destination)
    assert delivery.status == "delivered" and delivery.dueShard is None and delivery.leaseOwner is None
    (attempt,) = _attempts(submission)
    assert (attempt.number, attempt.statusCode, attempt.trigger, attempt.succeeded) == (1, 200, "scheduled", 1)
    assert attempt.responseBody == '{"received":true}'
    assert _stored_submission(tenant, submission).deliveryStatus == "delivered"
    day = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    assert _metrics(tenant, day) == (1, 0)
    (listed,) = DailyMetrics.in_tenant(tenant.id).query(DailyMetrics.day_index_key(day), index=DailyMetrics.day_index)
    assert (listed.date, listed.gsi1sk) == (day, DailyMetrics.partition_for(tenant.id))  # created by the ADD
    assert worker.run_once(worker_id="w1") == 0  # nothing left due


def test_during_a_rotation_both_secrets_verify_and_after_24_hours_only_the_new_one(setup, receiver):
    tenant, user, destination = setup
    old = receiver.secrets[0]
    new = destination_secret_rotate(tenant=tenant, actor=user.email,
                                    destination=access_destination(tenant=tenant, destination_id=destination.id))
    clock = FakeClock(datetime.now(timezone.utc) + timedelta(seconds=1))
    make_submission_with_deliveries(tenant)
    worker.run_once(worker_id="w1", clock=clock)
    hit = receiver.received[0]
    assert len(hit.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(hit.body, hit.headers)
    Webhook(new).verify(hit.body, hit.headers)
    clock.advance(hours=24, seconds=1)
    make_submission_with_deliveries(tenant)
    worker.run_once(worker_id="w1", clock=clock)
    later = receiver.received[1]
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    Webhook(new).verify(later.body, later.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(later.body, later.headers)


def _run_at(clock, when):
    clock.now = when
    return worker.run_once(worker_id="w1", clock=clock, rand=MIDDLE)


def test_a_failing_receiver_gets_eight_attempts_on_the_schedule_then_the_delivery_fails(setup, receiver):
    tenant, user, destination = setup
    receiver.mode = "fail"
    clock = FakeClock(T0)
    submission, _ = make_submission_with_deliveries(tenant)
    times = []
    when = T0 + timedelta(seconds=1)
    for _ in range(schedule.MAX_ATTEMPTS):
        assert _run_at(clock, when) == 1
        times.append(when)
        delivery = _delivery(submission, destination)
        if delivery.status == "failed":
            break
        when = delivery.nextAttemptAt
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
    assert gaps == [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert delivery.status == "failed" and delivery.dueShard is None
    attempts = _attempts(submission)
    assert [a.statusCode for a in attempts] == [500] * 8
    assert attempts[0].responseBody == "upstream exploded" and attempts[0].error == "HTTP 500"
    assert _run_at(clock, when + timedelta(days=1)) == 0
    assert _stored_submission(tenant, submission).deliveryStatus == "failed"
    assert _metrics(tenant, times[-1].strftime("%Y-%m-%d")) == (0, 1)
    health = access_destination(tenant=tenant, destination_id=destination.id)
    assert health.consecutiveFailures == 8 and health.failingSince == times[0] and health.enabled


def test_jitter_keeps_each_delay_within_twenty_percent(setup, receiver):
    tenant, user, destination = setup
    receiver.mode = "fail"
    submission, _ = make_submission_with_deliveries(tenant)
    for rand, factor in ((lambda: 0.0, 0.8), (lambda: 0.999999, 1.2)):
        clock = FakeClock(T0)
        delivery = _delivery(submission, destination)
        delivery.nextAttemptAt, delivery.status = T0, "pending"
        delivery.save()
        worker.run_once(worker_id="w", clock=clock, rand=rand)
        delay = (_delivery(submission, destination).nextAttemptAt - T0).total_seconds()
        step = _delivery(submission, destination).scheduleStep
        assert delay == pytest.approx(schedule.DELAYS[step] * factor, rel=1e-3)


def test_429_with_retry_after_waits_as_asked_within_bounds(setup, receiver):
    tenant, user, destination = setup
    receiver.mode, receiver.retry_after = "throttle", "120"
    clock = FakeClock(T0)
    submission, _ = make_submission_with_deliveries(tenant)
    _run_at(clock, T0 + timedelta(seconds=1))
    first = _delivery(submission, destination)
    assert first.lastStatusCode == 429
    assert first.nextAttemptAt == T0 + timedelta(seconds=121)  # not the scheduled 5 s
    receiver.retry_after = "99999999"
    _run_at(clock, first.nextAttemptAt)
    second = _delivery(submission, destination)
    assert second.nextAttemptAt == first.nextAttemptAt + timedelta(seconds=schedule.MAX_RETRY_AFTER)


def test_a_receiver_that_times_out_is_an_attempt_with_an_error_and_a_retry(setup, receiver, settings):
    tenant, user, destination = setup
    settings.DELIVERY_TIMEOUT_SECONDS = 0.3
    receiver.mode, receiver.delay = "slow", 3
    clock = FakeClock(T0)
    submission, _ = make_submission_with_deliveries(tenant)
    _run_at(clock, T0)
    (attempt,) = _attempts(submission)
    assert attempt.statusCode is None and attempt.error == "Timed out after 0.3 s"
    assert attempt.durationMs < 2000
    delivery = _delivery(submission, destination)
    assert delivery.status == "pending" and delivery.nextAttemptAt == T0 + timedelta(seconds=5)


def test_a_receiver_that_closes_the_connection_is_retried(setup, receiver):
    tenant, user, destination = setup
    receiver.mode = "close"
    clock = FakeClock(T0)
    submission, _ = make_submission_with_deliveries(tenant)
    _run_at(clock, T0)
    (attempt,) = _attempts(submission)
    assert attempt.statusCode is None and attempt.error.startswith("Connection closed by the receiver")
    assert _delivery(submission, destination).nextAttemptAt == T0 + timedelta(seconds=5)
    receiver.mode = "ok"
    _run_at(clock, T0 + timedelta(seconds=5))
    assert _delivery(submission, destination).status == "delivered"
    assert [a.succeeded for a in _attempts(submission)] == [0, 1]


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(setup, receiver):
    tenant, user, destination = setup
    receiver.mode = "redirect"
    submission, _ = make_submission_with_deliveries(tenant)
    worker.run_once(worker_id="w1")
    assert [r.path for r in receiver.received] == ["/hook"]
    (attempt,) = _attempts(submission)
    assert attempt.statusCode == 302 and "not followed" in attempt.error


def test_a_worker_that_crashed_holding_the_lease_is_replaced_after_the_lease_expires(setup, receiver, settings):
    tenant, user, destination = setup
    settings.DELIVERY_LEASE_SECONDS = 60
    clock = FakeClock(T0)
    submission, _ = make_submission_with_deliveries(tenant)
    (row,) = worker.due_deliveries(now=T0)
    assert engine.claim(row, worker_id="crashed", now=T0)  # ...and the process dies here
    assert _run_at(clock, T0 + timedelta(seconds=30)) == 0
    assert receiver.received == []
    assert _run_at(clock, T0 + timedelta(seconds=61)) == 1
    assert len(receiver.received) == 1 and receiver.received[0].verified
    assert _delivery(submission, destination).status == "delivered"


def test_a_worker_that_crashed_after_sending_causes_at_most_one_duplicate(setup, receiver):
    tenant, user, destination = setup
    clock = FakeClock(T0)
    submission, _ = make_submission_with_deliveries(tenant)
    (row,) = worker.due_deliveries(now=T0)
    assert engine.claim(row, worker_id="crashed", now=T0)
    engine.send_event(destination, event={"type": "submission.created", "data": {}}, msg_id=row.message_id, now=T0)
    _run_at(clock, T0 + timedelta(seconds=61))
    _run_at(clock, T0 + timedelta(days=2))
    assert len(receiver.received) == 2
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1  # the receiver can drop the duplicate
    delivery = _delivery(submission, destination)
    assert delivery.status == "delivered"
    # The crashed claim's late save is refused: it no longer holds the lease.
    assert not engine._save_outcome(row, worker_id="crashed", now=T0)


def test_two_workers_at_once_never_send_the_same_delivery(setup, receiver):
    tenant, user, destination = setup
    submissions = [make_submission_with_deliveries(tenant)[0] for _ in range(12)]
    barrier = threading.Barrier(2)

    def work(name):
        barrier.wait()
        worker.run_once(worker_id=name)

    threads = [threading.Thread(target=work, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert sorted(ids) == sorted(f"msg_{s.id}_{destination.id}" for s in submissions)
    assert all(_delivery(s, destination).status == "delivered" for s in submissions)
    assert all(len(_attempts(s)) == 1 for s in submissions)


def _fail_to_the_end(clock, submission, destination):
    when = clock.now
    for _ in range(schedule.MAX_ATTEMPTS):
        _run_at(clock, when)
        delivery = _delivery(submission, destination)
        if delivery.status == "failed":
            return
        when = delivery.nextAttemptAt


def test_after_five_days_of_failures_and_exhausted_retries_the_destination_is_disabled_and_the_tenant_told(
        ddb, receiver, mailoutbox):
    tenant, user = make_tenant()
    destination = make_destination(tenant, user, url=receiver.url, name="CRM hook")
    receiver.mode = "fail"
    clock = FakeClock(T0)
    first, _ = make_submission_with_deliveries(tenant)
    _fail_to_the_end(clock, first, destination)
    assert access_destination(tenant=tenant, destination_id=destination.id).enabled
    clock.now = T0 + timedelta(days=4)
    second, _ = make_submission_with_deliveries(tenant)
    _fail_to_the_end(clock, second, destination)  # ends ~5 days 4 hours after the first failure
    stored = access_destination(tenant=tenant, destination_id=destination.id)
    assert not stored.enabled and "retries were exhausted" in stored.disabledReason
    assert stored.failingSince == T0
    (mail,) = mailoutbox
    assert mail.to == [tenant.email] and "CRM hook" in mail.subject
    assert f"/destinations/{destination.id}/" in mail.body
    clock.advance(hours=1)
    third, _ = make_submission_with_deliveries(tenant)  # planned before the disable? no: disabled ones are not planned
    assert _run_at(clock, clock.now) == 0


def test_a_disabled_destinations_pending_delivery_fails_without_sending(setup, receiver):
    tenant, user, destination = setup
    submission, _ = make_submission_with_deliveries(tenant)
    destination_disable(tenant=tenant, actor=user.email,
                        destination=access_destination(tenant=tenant, destination_id=destination.id))
    worker.run_once(worker_id="w1")
    assert receiver.received == []
    delivery = _delivery(submission, destination)
    assert delivery.status == "failed" and delivery.lastError == "The destination is disabled."
    assert _attempts(submission) == []


def test_one_success_and_one_failure_make_a_partially_delivered_submission(setup, receiver):
    tenant, user, destination = setup
    with Receiver(mode="fail") as broken:
        make_destination(tenant, user, name="Broken", url=broken.url)
        clock = FakeClock(T0)
        submission, rows = make_submission_with_deliveries(tenant)
        _run_at(clock, T0)
        assert _stored_submission(tenant, submission).deliveryStatus == "pending"
        (failing,) = [r for r in rows if r.destinationId != destination.id]
        for _ in range(schedule.MAX_ATTEMPTS):
            row = Delivery.in_tenant(tenant.id).get(failing.pk, failing.sk, consistent_read=True)
            if row.status == "failed":
                break
            _run_at(clock, row.nextAttemptAt)
    assert _stored_submission(tenant, submission).deliveryStatus == "partially delivered"
    assert _metrics(tenant, T0.strftime("%Y-%m-%d"))[0] == 1


def test_an_email_destination_sends_a_readable_email(ddb, mailoutbox):
    tenant, user = make_tenant()
    make_destination(tenant, user, name="Sales inbox", type=EMAIL, url=None,
                     recipients=["sales@agency.example", "boss@agency.example"])
    submission, _ = make_submission_with_deliveries(tenant, fields={"name": "Linus", "message": "Need a quote"})
    assert worker.run_once(worker_id="w1") == 1
    (mail,) = mailoutbox
    assert mail.to == ["sales@agency.example", "boss@agency.example"]
    assert mail.subject == "[Form-Bridge] New submission: contact"
    assert "name:\n  Linus" in mail.body and "Need a quote" in mail.body
    assert "Need a quote" in mail.alternatives[0][0]
    (attempt,) = _attempts(submission)
    assert attempt.succeeded == 1
    assert _stored_submission(tenant, submission).deliveryStatus == "delivered"


def test_the_deliver_command_once_delivers_what_is_due(setup, receiver):
    from io import StringIO

    from django.core.management import call_command

    tenant, user, destination = setup
    make_submission_with_deliveries(tenant)
    make_submission_with_deliveries(tenant)
    out = StringIO()
    call_command("deliver", "--once", stdout=out)
    assert out.getvalue().strip() == "2 attempt(s) made."
    assert len(receiver.received) == 2 and all(r.verified for r in receiver.received)


def test_the_worker_loop_stops_when_asked(setup, receiver):
    tenant, user, destination = setup
    make_submission_with_deliveries(tenant)
    stop = threading.Event()
    loop = threading.Thread(target=worker.run_forever, kwargs={"stop": stop, "poll_seconds": 0.05})
    loop.start()
    receiver.wait_for(1)
    stop.set()
    loop.join(timeout=5)
    assert not loop.is_alive()
    assert len(receiver.received) == 1
