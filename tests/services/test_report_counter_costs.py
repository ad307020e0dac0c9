"""What the report's counters cost an ingest and a delivery (DynamoDB Local, consumed
capacity of every request as DynamoDB reports it): a page adds one guard write the first
time a process sees that page of the site that day and nothing after; its counter rides on
the form item's write; a delivery's end still costs one counter write."""
from __future__ import annotations

from datetime import datetime, timezone

import botocore.client
import pytest

from portal.dynamo.expiring import SessionItem
from portal.dynamo.metrics import DailyMetrics, counters_add, delivery_counts
from portal.services.ingest.store import submission_ingest
from tests.factories.accounts import make_tenant
from tests.factories.ingest import make_site

NOW = datetime(2030, 3, 14, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def units(monkeypatch):
    seen = []
    real = botocore.client.BaseClient._make_api_call

    def recording(self, operation, params):
        answer = real(self, operation, params)
        capacity = answer.get("ConsumedCapacity")
        for entry in capacity if isinstance(capacity, list) else [capacity] if capacity else []:
            seen.append((operation, entry["TableName"], float(entry.get("CapacityUnits", 0))))
        return answer

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return seen


def _ingest(tenant, site, page):
    submission_ingest(tenant=tenant, form_id="contact", fields={"name": "Ada"}, site_id=site.id, now=NOW,
                      meta={"page_url": page} if page else {})


def _by_table(seen):
    totals = {}
    for _op, table, value in seen:
        totals[table] = totals.get(table, 0) + value
    return totals


def test_a_page_costs_one_guard_write_once_a_day_and_its_counter_rides_on_the_form_item(ddb, units):
    tenant, _ = make_tenant()
    site = make_site(tenant, domain="a.example")
    _ingest(tenant, site, "https://a.example/warm-up")  # the day's first ingest: day item, form guard
    units.clear()
    _ingest(tenant, site, None)
    without_page = _by_table(units)
    units.clear()
    _ingest(tenant, site, "https://a.example/contact")  # a new page of the day
    new_page = _by_table(units)
    units.clear()
    _ingest(tenant, site, "https://a.example/contact")  # the same page again
    known_page = _by_table(units)
    sessions, metrics = SessionItem.Meta.table_name, DailyMetrics.Meta.table_name
    assert new_page[sessions] - without_page.get(sessions, 0) == 1.0  # the page's guard write
    assert known_page == without_page  # a page this process knows costs nothing more
    # the page counter rides on the form item's write: the day item, then the tenant's and the site's month rollups
    assert new_page[metrics] == without_page[metrics] == 3.0
    print(f"\nper ingest, without page: {without_page}; new page: {new_page}; known page: {known_page}")


def test_a_deliverys_end_is_one_counter_write_on_its_sites_item(ddb, units):
    tenant, _ = make_tenant()
    units.clear()
    counters_add(tenant_id=tenant.id, at=NOW, shard=0, site_id="site-1",
                 counts=delivery_counts(delivered=True, attempts=3, seconds=310))
    assert _by_table(units) == {DailyMetrics.Meta.table_name: 1.0}
