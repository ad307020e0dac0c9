"""Consumed capacity per tenant (issue 17): the units DynamoDB reports (ReturnConsumedCapacity)
for an ingest and for a delivery end up on that tenant's day counters, with no extra request
on the ingest path, and nothing of another tenant's."""
import json
from collections import Counter

import botocore.client
import pytest
from django.test import Client

from portal.dynamo.connection import capacity
from portal.dynamo.base import utcnow
from portal.dynamo.metrics import day_counts_between
from portal.dynamo.connection.metering import capacity_flush_all
from tests.factories.accounts import PASSWORD, make_tenant
from tests.factories.delivery import make_destination
from tests.factories.ingest import make_key, make_submission

READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}


def _bookkeeping(params) -> bool:
    """The month rollups' and cost rows' writes: charged to nobody (the platform's), so not
    part of what a tenant's request costs here."""
    key = params.get("Key") or {}
    return (params.get("TableName", "").endswith("costs")
            or key.get("sk", {}).get("S", "").startswith("METRICS#MONTH#"))


class Observed:
    """What DynamoDB answered, seen below the app (botocore's API call), per kind (the
    platform's bookkeeping writes left out)."""

    def __init__(self):
        self.read = self.write = 0.0
        self.calls = []
        self.index_reads: Counter = Counter()
        self.reads_by_table: Counter = Counter()
        self.on = True

    def __call__(self, original):
        observed = self

        def call(client, operation, params):
            response = original(client, operation, params)
            if observed.on and not _bookkeeping(params):
                observed.calls.append(operation)
                consumed = response.get("ConsumedCapacity") or []
                for entry in consumed if isinstance(consumed, list) else [consumed]:
                    units = float(entry.get("CapacityUnits", 0) or 0)
                    if operation in READS:
                        observed.read += units
                        observed.index_reads[params.get("IndexName")] += units
                        observed.reads_by_table[entry.get("TableName", "").rsplit("-", 1)[-1]] += units
                    else:
                        observed.write += units
            return response
        return call


@pytest.fixture
def observed(monkeypatch):
    seen = Observed()
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", seen(botocore.client.BaseClient._make_api_call))
    seen.on = False
    return seen


def _recorded(tenant_id):
    today = utcnow().date().isoformat()
    days = day_counts_between(tenant_id=tenant_id, first_day=today, last_day=today)
    read = sum(u for d in days.values() for u in d.read_units.values())
    write = sum(u for d in days.values() for u in d.write_units.values())
    return read, write


def _post(raw, n):
    body = json.dumps({"form_id": "contact", "fields": {"message": "Hello " * 300, "n": str(n)}})
    return Client().post("/api/v1/submissions", data=body, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_IDEMPOTENCY_KEY=f"cost-{n}")


def test_an_ingest_records_what_dynamodb_reported_on_the_tenant_day_without_an_extra_request(ddb, observed):
    tenant, user = make_tenant()
    other, _ = make_tenant()
    make_destination(tenant, user)
    _, raw = make_key(tenant)
    assert _post(raw, 0).status_code == 202  # warm the caches; its units are recorded too
    capacity_flush_all()
    before_read, before_write = _recorded(tenant.id)
    pending_before = capacity.pending.peek(tenant.id)
    observed.on = True
    assert _post(raw, 1).status_code == 202
    observed.on = False
    assert Counter(observed.calls)["UpdateItem"] <= 2 and len(observed.calls) <= 4  # counters ride along
    read, write = _recorded(tenant.id)
    pending = capacity.pending.peek(tenant.id)
    # Everything but the counter write's own units (known only after it) is on the counters;
    # those wait for the tenant's next counter write.
    assert write - before_write + pending.write_units - pending_before.write_units == pytest.approx(observed.write)
    assert read - before_read + pending.read_units - pending_before.read_units == pytest.approx(observed.read)
    assert write - before_write >= 9  # claim 1 + transaction 8: a 2 KB submission with one destination
    assert pending.write_units == pytest.approx(1)  # the counter UpdateItem itself
    assert _recorded(other.id) == (0, 0)


def test_a_portal_page_records_its_reads_for_the_tenant_with_the_next_counter_write(ddb, observed):
    tenant, user = make_tenant()
    for n in range(3):
        make_submission(tenant, fields={"n": str(n)})
    capacity_flush_all()
    client = Client()
    client.post("/login/", {"email": user.email, "password": PASSWORD})
    before = day_counts_between(tenant_id=tenant.id, first_day=utcnow().date().isoformat(),
                                last_day=utcnow().date().isoformat())
    before_reads = sum(d.read_units.get("submissions", 0) for d in before.values())
    observed.on = True
    assert client.get("/submissions/").status_code == 200
    observed.on = False
    assert capacity.pending.peek(tenant.id).read.get("submissions") == pytest.approx(
        observed.reads_by_table["submissions"])  # a page writes nothing itself
    capacity_flush_all()  # what the tenant's next ingest or delivery does
    after = day_counts_between(tenant_id=tenant.id, first_day=utcnow().date().isoformat(),
                               last_day=utcnow().date().isoformat())
    recorded = sum(d.read_units.get("submissions", 0) for d in after.values()) - before_reads
    assert recorded == pytest.approx(observed.reads_by_table["submissions"]) and recorded > 0
