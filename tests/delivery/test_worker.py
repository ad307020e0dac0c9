"""The worker loop against DynamoDB Local and a real webhook receiver on loopback: a due
delivery is sent, recorded and counted; workers share the queue; the command and the loop."""
from __future__ import annotations

import threading
from datetime import datetime, timezone

from portal.delivery import worker
from portal.dynamo.metrics import DailyMetrics
from tests.factories.delivery import (
    attempts_of,
    day_metrics,
    delivery_row,
    make_submission_with_deliveries,
    stored_submission,
)


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
    delivery = delivery_row(submission, destination)
    assert delivery.status == "delivered" and delivery.dueShard is None and delivery.leaseOwner is None
    (attempt,) = attempts_of(submission)
    assert (attempt.number, attempt.statusCode, attempt.trigger, attempt.succeeded) == (1, 200, "scheduled", 1)
    assert attempt.responseBody == '{"received":true}'
    assert stored_submission(tenant, submission).deliveryStatus == "delivered"
    day = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    assert day_metrics(tenant, day) == (1, 0)
    (listed,) = DailyMetrics.in_tenant(tenant.id).query(DailyMetrics.day_index_key(day), index=DailyMetrics.day_index)
    assert (listed.date, listed.gsi1sk) == (day, DailyMetrics.partition_for(tenant.id))  # created by the ADD
    assert worker.run_once(worker_id="w1") == 0  # nothing left due


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
    assert all(delivery_row(s, destination).status == "delivered" for s in submissions)
    assert all(len(attempts_of(s)) == 1 for s in submissions)


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
