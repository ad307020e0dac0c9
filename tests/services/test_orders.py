"""Order history and the month's usage against the plan's quota."""
from datetime import date

from portal.dynamo.metrics import DailyMetrics
from portal.selectors.orders import order_list
from portal.selectors.usage import plan_usage
from tests.factories.accounts import make_checkout, make_product, make_tenant


def _day(tenant_id: str, day: str, submissions: int, shard: int | None = None) -> None:
    # No metrics service exists on this branch (ingest writes them with ADD); written directly.
    DailyMetrics.in_tenant(tenant_id).new(
        pk=DailyMetrics.partition_for(tenant_id), sk=DailyMetrics.sort_for(day, shard), date=day,
        submissions=submissions, gsi1pk=DailyMetrics.day_index_key(day), gsi1sk=tenant_id).save()


def test_order_history_shows_only_this_tenants_orders(ddb):
    mine, _, order = make_checkout()
    make_checkout()
    page = order_list(tenant_id=mine.id)
    assert [o.id for o in page.items] == [order.id]


def test_usage_sums_this_months_days_of_every_shard_against_the_quota(ddb):
    tenant, _ = make_tenant(product=make_product(monthly_submissions=200))
    _day(tenant.id, "2026-03-01", 30)
    _day(tenant.id, "2026-03-15", 20, shard=1)
    _day(tenant.id, "2026-03-15", 50)
    _day(tenant.id, "2026-02-28", 999)
    usage = plan_usage(tenant=tenant, today=date(2026, 3, 20))
    assert usage.usage.submissions == 100 and usage.quota == 200 and usage.percent == 50
    assert not usage.over_quota
