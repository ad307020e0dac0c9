"""One worker is fair between destinations: a slow receiver holds only its share of the
worker's slots, and a new due row never waits for a slow attempt to end. Real loopback
receivers, DynamoDB Local, the real worker loop in a thread."""
from __future__ import annotations

import threading
import time

import pytest

from portal.delivery import worker
from portal.selectors.access import access_destination
from portal.services.delivery_setup.destinations import destination_secret_reveal
from tests.factories.accounts import make_tenant
from tests.factories.delivery import Dribbler, Receiver, make_destination
from tests.factories.ingest import make_submission


@pytest.fixture
def loop():
    stop, threads = threading.Event(), []

    def start(**kwargs):
        thread = threading.Thread(target=worker.run_forever, kwargs={"stop": stop, "poll_seconds": 0.05, **kwargs},
                                  daemon=True)
        thread.start()
        threads.append(thread)

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=30)


def _verified_receiver_for(tenant, user, receiver):
    destination = make_destination(tenant, user, url=receiver.url, name="Healthy")
    receiver.secrets = [destination_secret_reveal(
        tenant=tenant, actor=user.email, destination=access_destination(tenant=tenant, destination_id=destination.id))]
    return destination


def test_a_new_due_row_is_sent_while_a_slow_attempt_is_still_in_flight(ddb, settings, loop):
    settings.DELIVERY_TIMEOUT_SECONDS = 3.0
    slow_tenant, slow_user = make_tenant()
    healthy_tenant, healthy_user = make_tenant()
    with Dribbler(part="headers", every=0.2, lasts=10) as dribbler, Receiver() as receiver:
        make_destination(slow_tenant, slow_user, url=dribbler.url, name="Dribbling")
        _verified_receiver_for(healthy_tenant, healthy_user, receiver)
        make_submission(slow_tenant)
        loop(concurrency=4)
        deadline = time.monotonic() + 5
        while not dribbler.connections and time.monotonic() < deadline:
            time.sleep(0.02)
        assert dribbler.connections == 1
        make_submission(healthy_tenant)
        started = time.monotonic()
        receiver.wait_for(1, timeout=5)
        waited = time.monotonic() - started
    assert len(receiver.received) == 1 and receiver.received[0].verified
    assert waited < 1.5, f"the healthy row waited {waited:.1f} s for the slow attempt"


def test_a_never_answering_destination_does_not_delay_another_tenants_deliveries(ddb, settings, loop):
    settings.DELIVERY_TIMEOUT_SECONDS = 1.0
    slow_tenant, slow_user = make_tenant()
    healthy_tenant, healthy_user = make_tenant()
    with Receiver(mode="slow", delay=60) as slow, Receiver() as healthy:
        make_destination(slow_tenant, slow_user, url=slow.url, name="Never answers")
        _verified_receiver_for(healthy_tenant, healthy_user, healthy)
        for _ in range(200):  # the slow destination's rows are first in the due queue
            make_submission(slow_tenant)
        for _ in range(200):
            make_submission(healthy_tenant)
        loop(concurrency=8)
        healthy.wait_for(200, timeout=90)  # generous for a loaded CI machine
        slow_seen = len(slow.received)
    assert len(healthy.received) == 200 and all(hit.verified for hit in healthy.received)
    assert slow_seen < 200, "the slow destination finished first: the test proves nothing"


def _wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


def test_the_breaker_holds_a_failing_destinations_rows_in_place_then_a_probe_reopens_it(ddb, settings, loop):
    settings.DELIVERY_BREAKER_THRESHOLD, settings.DELIVERY_BREAKER_PROBE_SECONDS = 3, 1.0
    settings.DELIVERY_MAX_IN_FLIGHT_PER_DESTINATION = 1  # failures arrive one by one: exactly 3 open it
    tenant, user = make_tenant()
    with Receiver(mode="fail") as receiver:
        destination = _verified_receiver_for(tenant, user, receiver)
        submission_ids = [make_submission(tenant) for _ in range(8)]
        held_before = {row.submissionId: row.nextAttemptAt for row in _rows(tenant, submission_ids)}
        loop(concurrency=4)
        assert _wait_until(lambda: len(receiver.received) >= 3)
        time.sleep(0.5)  # well inside the probe interval: nothing else goes out
        assert len(receiver.received) == 3
        rows = _rows(tenant, submission_ids)
        held = [row for row in rows if int(row.attemptCount) == 0]
        assert len(held) == 5 and all(row.nextAttemptAt == held_before[row.submissionId] for row in held)
        page = _client(user).get(f"/destinations/{destination.id}/").content.decode()
        assert 'id="breaker"><span class="badge badge-failed">open</span>' in page
        receiver.mode = "ok"  # the receiver recovers: the next probe succeeds and the held rows go
        assert _wait_until(lambda: sum(1 for hit in receiver.received if hit.verified) >= 4 + 5, timeout=15)
    assert access_destination(tenant=tenant, destination_id=destination.id).consecutiveFailures == 0


def test_a_destination_rate_limit_spaces_its_requests(ddb, settings, loop):
    tenant, user = make_tenant()
    with Receiver() as receiver:
        destination = _verified_receiver_for(tenant, user, receiver)
        from portal.services.delivery_setup.destinations import destination_update

        destination_update(tenant=tenant, actor=user.email, version=None, name="Healthy", type="WEBHOOK",
                           url=receiver.url, rate_limit=5,
                           destination=access_destination(tenant=tenant, destination_id=destination.id))
        for _ in range(6):
            make_submission(tenant)
        stamps = []
        receiver._record = _stamping(receiver._record, stamps)
        loop(concurrency=8)
        assert _wait_until(lambda: len(stamps) == 6)
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    assert min(gaps) >= 0.15 and stamps[-1] - stamps[0] >= 0.9, gaps


def _stamping(record, stamps):
    def wrapped(*args):
        stamps.append(time.monotonic())
        return record(*args)
    return wrapped


def _rows(tenant, submission_ids):
    from portal.dynamo.deliveries import submission_rows

    return [submission_rows(tenant.id, sid, consistent=True)[0][0] for sid in submission_ids]


def _client(user):
    from django.test import Client

    from tests.factories.accounts import PASSWORD

    client = Client()
    assert client.post("/login/", {"email": user.email, "password": PASSWORD}).status_code == 302
    return client
