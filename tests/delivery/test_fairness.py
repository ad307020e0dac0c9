"""One worker is fair between destinations: a slow receiver holds only its share of the
worker's slots, and a new due row never waits for a slow attempt to end. Real loopback
receivers, DynamoDB Local, the real worker loop in a thread."""
from __future__ import annotations

import threading
import time

import pytest

from portal.delivery import worker
from portal.selectors.access import access_destination
from portal.services.destinations import destination_secret_reveal
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
        healthy.wait_for(200, timeout=60)
        slow_seen = len(slow.received)
    assert len(healthy.received) == 200 and all(hit.verified for hit in healthy.received)
    assert slow_seen < 200, "the slow destination finished first: the test proves nothing"
