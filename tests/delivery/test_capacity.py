"""Consumed capacity of a delivery (issue 17): the units DynamoDB reports for the worker's
calls on one tenant's delivery end up on that tenant's day counters (written per tenant every
few seconds, here at the end of the pass)."""
import json

import pytest
from django.test import Client

from portal.delivery import worker
from portal.dynamo.connection import capacity
from portal.dynamo.deliveries import Delivery
from portal.dynamo.connection.metering import capacity_flush_all
from tests.factories.ingest import make_key
from tests.services.test_capacity_per_tenant import _recorded, observed  # noqa: F401 - the fixture


def test_a_delivery_records_what_dynamodb_reported_on_the_tenant_day(setup, receiver, observed, settings):  # noqa: F811
    settings.CAPACITY_FLUSH_SECONDS = 3600  # batched: written once below, at the end of the pass
    tenant, _, _ = setup
    _, raw = make_key(tenant)
    body = json.dumps({"form_id": "contact", "fields": {"message": "Hello"}})
    assert Client().post("/api/v1/submissions", data=body, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 202
    capacity_flush_all()
    before_read, before_write = _recorded(tenant.id)
    pending_before = capacity.pending.peek(tenant.id)
    observed.on = True
    assert worker.run_once(worker_id="w-cost") == 1
    assert capacity_flush_all() == 1
    observed.on = False
    assert len(receiver.received) == 1 and receiver.received[0].verified
    read, write = _recorded(tenant.id)
    pending = capacity.pending.peek(tenant.id)
    charged_write = write - before_write + pending.write_units - pending_before.write_units
    charged_read = read - before_read + pending.read_units - pending_before.read_units
    # Every write of the pass was for this tenant's delivery (the claim, the outcome, the
    # attempt, the delivered counter) or is the flush itself.
    assert charged_write == pytest.approx(observed.write) and charged_write >= 3
    # Reads: the due-queue Queries belong to no tenant (the worker scans every shard); the
    # rest (the destination, the submission's payload) are the tenant's.
    due_index = Delivery.due_index.Meta.index_name
    assert charged_read == pytest.approx(observed.read - observed.index_reads[due_index])
    assert charged_read > 0
