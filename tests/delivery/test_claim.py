"""Leases: a crashed worker's claim expires and is taken over; a late save by a worker that
lost its lease is refused, so a crash causes at most one duplicate send."""
from __future__ import annotations

from datetime import timedelta

from portal.delivery import worker
from portal.delivery.claim import claim, outcome_save
from portal.delivery.send import send_event
from tests.factories.delivery import T0, FakeClock, delivery_row, make_submission_with_deliveries, run_at


def test_a_worker_that_crashed_holding_the_lease_is_replaced_after_the_lease_expires(setup, receiver, settings):
    tenant, user, destination = setup
    settings.DELIVERY_LEASE_SECONDS = 60
    clock = FakeClock(T0)
    submission, _ = make_submission_with_deliveries(tenant)
    (row,) = worker.due_deliveries(now=T0)
    assert claim(row, worker_id="crashed", now=T0)  # ...and the process dies here
    assert run_at(clock, T0 + timedelta(seconds=30)) == 0
    assert receiver.received == []
    assert run_at(clock, T0 + timedelta(seconds=61)) == 1
    assert len(receiver.received) == 1 and receiver.received[0].verified
    assert delivery_row(submission, destination).status == "delivered"


def test_a_worker_that_crashed_after_sending_causes_at_most_one_duplicate(setup, receiver):
    tenant, user, destination = setup
    clock = FakeClock(T0)
    submission, _ = make_submission_with_deliveries(tenant)
    (row,) = worker.due_deliveries(now=T0)
    assert claim(row, worker_id="crashed", now=T0)
    send_event(destination, event={"type": "submission.created", "data": {}}, msg_id=row.message_id, now=T0)
    run_at(clock, T0 + timedelta(seconds=61))
    run_at(clock, T0 + timedelta(days=2))
    assert len(receiver.received) == 2
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1  # the receiver can drop the duplicate
    delivery = delivery_row(submission, destination)
    assert delivery.status == "delivered"
    # The crashed claim's late save is refused: it no longer holds the lease.
    assert not outcome_save(row, worker_id="crashed", now=T0)
