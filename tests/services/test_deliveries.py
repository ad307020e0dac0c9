"""Delivery services: retry now, bulk retry within a window of at most 14 days."""
from datetime import timedelta

import pytest

from portal.delivery import schedule, worker
from portal.dynamo.base import utcnow
from portal.dynamo.deliveries import Delivery, submission_rows
from portal.errors import ServiceError
from portal.selectors.access import access_destination, access_submission
from portal.selectors.destinations import destination_deliveries
from portal.services.delivery_setup.deliveries import deliveries_bulk_retry, delivery_retry_now
from portal.services.delivery_setup.destinations import destination_disable, destination_enable
from tests.factories.accounts import make_tenant
from tests.factories.delivery import FakeClock, Receiver, make_destination, make_submission_with_deliveries


def _row(submission, destination):
    return Delivery.in_tenant(submission.tenantId).get(Delivery.partition_for(submission.id),
                                                       Delivery.sort_for(destination.id), consistent_read=True)


def _fail_completely(submission, destination, clock):
    for _ in range(schedule.MAX_ATTEMPTS):
        row = _row(submission, destination)
        if row.status == "failed":
            return row
        clock.now = max(clock.now, row.nextAttemptAt)
        worker.run_once(worker_id="w", clock=clock, rand=lambda: 0.5)
    return _row(submission, destination)


@pytest.fixture
def failing(ddb):
    tenant, user = make_tenant()
    with Receiver(mode="fail") as receiver:
        destination = make_destination(tenant, user, url=receiver.url)
        yield tenant, user, destination, receiver


def test_retry_now_of_a_failed_delivery_makes_exactly_one_more_attempt(failing):
    tenant, user, destination, receiver = failing
    clock = FakeClock(utcnow() + timedelta(seconds=1))
    submission, _ = make_submission_with_deliveries(tenant)
    assert _fail_completely(submission, destination, clock).status == "failed"
    outcome = delivery_retry_now(tenant=tenant, actor=user.email,
                                 submission=access_submission(tenant=tenant, submission_id=submission.id),
                                 destination=access_destination(tenant=tenant,
                                                                destination_id=destination.id), clock=clock)
    assert outcome.status == "failed" and outcome.attempt.number == 9 and outcome.attempt.trigger == "manual"
    assert _row(submission, destination).dueShard is None
    clock.advance(days=3)
    assert worker.run_once(worker_id="w", clock=clock) == 0


def test_retry_now_refuses_a_disabled_destination(failing):
    tenant, user, destination, receiver = failing
    submission, _ = make_submission_with_deliveries(tenant)
    destination_disable(tenant=tenant, actor=user.email,
                        destination=access_destination(tenant=tenant, destination_id=destination.id))
    with pytest.raises(ServiceError, match="disabled"):
        delivery_retry_now(tenant=tenant, actor=user.email,
                           submission=access_submission(tenant=tenant, submission_id=submission.id),
                           destination=access_destination(tenant=tenant, destination_id=destination.id))
    assert submission_rows(tenant.id, submission.id)[1] == []


def test_bulk_retry_queues_failed_deliveries_inside_the_window_only(failing):
    tenant, user, destination, receiver = failing
    clock = FakeClock(utcnow() + timedelta(seconds=1))
    old, _ = make_submission_with_deliveries(tenant)
    _fail_completely(old, destination, clock)
    clock.advance(days=20)
    recent, _ = make_submission_with_deliveries(tenant)
    _fail_completely(recent, destination, clock)  # 20 days failing: the destination was disabled
    destination_enable(tenant=tenant, actor=user.email,
                       destination=access_destination(tenant=tenant, destination_id=destination.id))
    receiver.mode = "ok"
    queued = deliveries_bulk_retry(tenant=tenant,
                                   destination=access_destination(tenant=tenant, destination_id=destination.id),
                                   since=clock.now - timedelta(days=13), until=clock.now + timedelta(seconds=1),
                                   actor=user.email, now=clock.now)
    assert queued == 1
    assert worker.run_once(worker_id="w", clock=clock) == 1
    assert _row(recent, destination).status == "delivered"
    assert _row(old, destination).status == "failed"
    attempts = sorted(submission_rows(tenant.id, recent.id)[1], key=lambda a: a.number)
    assert attempts[-1].trigger == "manual" and attempts[-1].succeeded == 1


def test_bulk_retry_refuses_a_window_over_14_days_and_changes_nothing(failing):
    tenant, user, destination, receiver = failing
    now = utcnow()
    with pytest.raises(ServiceError, match="at most 14 days"):
        deliveries_bulk_retry(tenant=tenant,
                              destination=access_destination(tenant=tenant, destination_id=destination.id),
                              since=now - timedelta(days=15),
                              until=now, actor=user.email)


def test_ingest_leaves_a_new_row_out_of_the_destination_index_until_its_first_outcome(failing):
    # Nothing lists a destination's never-attempted rows: keeping them out of the index saves
    # an ingest a transactional index write; the failed list still finds the row once it failed.
    tenant, user, destination, receiver = failing
    clock = FakeClock(utcnow() + timedelta(seconds=1))
    submission, _ = make_submission_with_deliveries(tenant)
    row = _row(submission, destination)
    assert row.status == "pending" and row.destKey is None and row.dueShard is not None
    assert destination_deliveries(tenant_id=tenant.id, destination_id=destination.id, status="pending") == []
    _fail_completely(submission, destination, clock)
    failed = destination_deliveries(tenant_id=tenant.id, destination_id=destination.id, status="failed")
    assert [r.submissionId for r in failed] == [submission.id]
