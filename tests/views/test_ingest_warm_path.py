"""The ingest warm path (issue 10): at most 3 DynamoDB requests per ingest with an
Idempotency-Key once key, tenant, plan, destinations and usage are cached; a revoked key or a
suspended tenant stops getting through within INGEST_CACHE_SECONDS (5 s) even when another
process made the change; usage is read exactly near the quota."""
import json
from collections import Counter

import botocore.client
import pytest
from django.test import Client

from portal.dynamo.tenants import SUSPENDED
from portal.dynamo.base import utcnow
from portal.selectors.billing.plans import usage_month
from portal.services.ingest import store as ingest, cache as ingest_cache
from portal.services.sites.api_keys import api_key_revoke
from portal.services.billing.tenants import tenant_status_change
from tests.factories.accounts import make_product, make_tenant
from tests.factories.delivery import make_destination
from tests.factories.ingest import make_key

URL = "/api/v1/submissions"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(ingest_cache, "clock", fake)
    return fake


def _post(raw, n, **headers):
    body = json.dumps({"form_id": "contact", "fields": {"n": str(n)}})
    return Client().post(URL, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}",
                         **headers)


@pytest.fixture
def calls(monkeypatch):
    """Every DynamoDB API call made through botocore, by operation name (and, for
    UpdateItem, the table's basename: the rate window lives in `sessions`, counters in `metrics`)."""
    made = []
    original = botocore.client.BaseClient._make_api_call

    def counting(self, operation, params):
        table = params.get("TableName", "")
        made.append(f"UpdateItem {table.rsplit('-', 1)[-1]}" if operation == "UpdateItem" else operation)
        return original(self, operation, params)
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    return made


def _warm_ingests(calls):
    """One ingest to warm the caches, then eight more with their DynamoDB calls recorded."""
    tenant, user = make_tenant()
    make_destination(tenant, user)
    _, raw = make_key(tenant)
    assert _post(raw, 0, HTTP_IDEMPOTENCY_KEY="warm-0").status_code == 202
    calls.clear()
    for n in range(1, 9):
        assert _post(raw, n, HTTP_IDEMPOTENCY_KEY=f"warm-{n}").status_code == 202
    return tenant


def test_warm_ingest_with_an_idempotency_key_makes_three_requests_plus_rate_reservations(ddb, clock, calls,
                                                                                         settings):
    settings.INGEST_RATE_WINDOW_SECONDS = 3600  # one window for the whole test, however slow the machine
    _warm_ingests(calls)
    # Per ingest: the transaction (the key's claim, the submission, its delivery row) and, as
    # the tests write the day counters in the request, their UpdateItem, then the month
    # rollups they feed (the tenant's and the site's) and the cost row with the platform's.
    # The shared rate window is reserved a few requests at a time (1, 2, 4, 8... up to a
    # quarter of the limit): 3 reservations for these 8 ingests, fewer per ingest the longer a
    # client keeps sending.
    flush = ["UpdateItem metrics"] * 3 + ["UpdateItem costs"] * 2
    assert Counter(calls) == {"TransactWriteItems": 8, "UpdateItem metrics": 8 * 3, "UpdateItem costs": 8 * 2,
                              "UpdateItem sessions": 3}
    assert calls[:7] == ["UpdateItem sessions", "TransactWriteItems"] + flush
    assert calls[7:13] == ["TransactWriteItems"] + flush  # held: no rate request


def test_with_counters_written_behind_the_requests_a_warm_ingest_makes_one_request(ddb, clock, calls, settings):
    settings.INGEST_COUNTERS_FLUSH_SECONDS = 3600  # the flush below is the test's, not the thread's
    settings.INGEST_RATE_WINDOW_SECONDS = 3600  # one window for the whole test, however slow the machine
    tenant = _warm_ingests(calls)
    assert Counter(calls) == {"TransactWriteItems": 8, "UpdateItem sessions": 3}
    calls.clear()
    ingest.counters_flush()
    # Nine ingests of one form and site: one counter item, then the tenant's and the site's
    # month rollups (the month's first flush in this process names the form on each: one
    # conditional UpdateItem before each), the cost row and the platform's.
    assert calls == ["UpdateItem metrics"] * 5 + ["UpdateItem costs"] * 2
    assert usage_month(tenant_id=tenant.id, today=utcnow().date()).submissions == 9


def test_a_key_revoked_elsewhere_stops_within_five_seconds(ddb, clock, monkeypatch):
    tenant, _ = make_tenant()
    key, raw = make_key(tenant)
    assert _post(raw, 1).status_code == 202
    monkeypatch.setattr(ingest_cache, "forget_key", lambda key_hash: None)  # revoked by another process
    api_key_revoke(tenant=tenant, actor="tests", key=key)
    clock.now += 4.9
    assert _post(raw, 2).status_code == 202  # the cached copy, within the bound
    clock.now += 0.1
    assert _post(raw, 3).status_code == 401


def test_a_tenant_suspended_elsewhere_stops_within_five_seconds(ddb, clock, monkeypatch):
    tenant, _ = make_tenant()
    _, raw = make_key(tenant)
    assert _post(raw, 1).status_code == 202
    monkeypatch.setattr(ingest_cache, "forget_tenant", lambda tenant_id: None)
    tenant_status_change(tenant=tenant, actor="staff", version=tenant.version, to_status=SUSPENDED, reason="abuse")
    clock.now += 5.0
    assert _post(raw, 2).status_code == 403


def test_in_this_process_a_revoke_applies_at_once(ddb, clock):
    tenant, _ = make_tenant()
    key, raw = make_key(tenant)
    assert _post(raw, 1).status_code == 202
    api_key_revoke(tenant=tenant, actor="tests", key=key)
    assert _post(raw, 2).status_code == 401


def test_near_the_quota_usage_is_read_exactly(ddb, clock, settings, monkeypatch):
    settings.INGEST_USAGE_CACHE_FRACTION = 0.5
    tenant, _ = make_tenant(product=make_product(monthly_submissions=4))
    _, raw = make_key(tenant)
    assert _post(raw, 1).status_code == 202  # usage read (0) and cached, then counted here: 1
    mine = ingest_cache.usage
    monkeypatch.setattr(ingest_cache, "usage", ingest_cache.TTLCache())  # another process stores two
    assert [_post(raw, n).status_code for n in (2, 3)] == [202, 202]
    monkeypatch.setattr(ingest_cache, "usage", mine)
    assert _post(raw, 4).status_code == 202  # cached 1 < 4 x 0.5: far enough below, no read (really 3 -> 4)
    assert _post(raw, 5).status_code == 429  # cached 2 is near: read exactly (4) and refused
