"""A submission's delivery status follows its delivery rows."""
from __future__ import annotations

from portal.delivery import schedule
from portal.dynamo.deliveries import Delivery
from tests.factories.delivery import (
    T0,
    FakeClock,
    Receiver,
    day_metrics,
    make_destination,
    make_submission_with_deliveries,
    run_at,
    stored_submission,
)


def test_one_success_and_one_failure_make_a_partially_delivered_submission(setup, receiver):
    tenant, user, destination = setup
    with Receiver(mode="fail") as broken:
        make_destination(tenant, user, name="Broken", url=broken.url)
        clock = FakeClock(T0)
        submission, rows = make_submission_with_deliveries(tenant)
        run_at(clock, T0)
        assert stored_submission(tenant, submission).deliveryStatus == "pending"
        (failing,) = [r for r in rows if r.destinationId != destination.id]
        for _ in range(schedule.MAX_ATTEMPTS):
            row = Delivery.in_tenant(tenant.id).get(failing.pk, failing.sk, consistent_read=True)
            if row.status == "failed":
                break
            run_at(clock, row.nextAttemptAt)
    assert stored_submission(tenant, submission).deliveryStatus == "partially delivered"
    assert day_metrics(tenant, T0.strftime("%Y-%m-%d"))[0] == 1


def test_a_status_refresh_after_the_submission_was_deleted_does_not_recreate_it(setup):
    from portal.delivery.status import submission_status_refresh
    from portal.dynamo.submissions import Submission

    tenant, user, destination = setup
    submission, _ = make_submission_with_deliveries(tenant)
    stale = stored_submission(tenant, submission)
    stale.deliveryStatus = "delivered"  # what the worker read before the delete: a change is due
    Submission.in_tenant(tenant.id).get(submission.pk, submission.sk).delete()  # deleted meanwhile
    assert submission_status_refresh(tenant_id=tenant.id, submission_id=submission.id, shard_count=1,
                                     submission=stale) == "pending"
    raw = Submission._get_connection().get_item(submission.pk, submission.sk, consistent_read=True)
    assert "Item" not in raw, raw


def test_an_attempt_that_ends_after_its_submission_was_deleted_leaves_no_orphan(setup, receiver):
    import threading
    import time

    from portal.delivery import worker
    from portal.dynamo.deliveries import submission_rows
    from portal.services.submissions import submission_delete

    tenant, user, destination = setup
    receiver.mode, receiver.delay = "slow", 1.0
    submission, _ = make_submission_with_deliveries(tenant)
    sending = threading.Thread(target=worker.run_once, kwargs={"worker_id": "w1"})
    sending.start()
    receiver.wait_for(1)
    assert len(receiver.received) == 1  # the attempt is in flight
    submission_delete(tenant=tenant, actor=user.email, submission=stored_submission(tenant, submission))
    sending.join(timeout=10)
    time.sleep(0.1)
    assert submission_rows(tenant.id, submission.id, consistent=True) == ([], [])
