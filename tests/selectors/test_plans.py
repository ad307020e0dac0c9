"""selectors.plans: a tenant's plan with its quotas (defaults without one) and the usage of a
month, summed over every shard's day items."""
from datetime import date

from portal.dynamo.metrics import DailyMetrics
from portal.dynamo.products import Quotas
from portal.dynamo.tenants import REGISTERED
from portal.selectors.billing.plans import plan_quotas, plan_usage, usage_month
from portal.services.billing.tenants import tenant_create
from portal.services.metrics_rollups import rollups_repair
from tests.factories.accounts import make_product, make_tenant


def _day(tenant_id: str, day: str, submissions: int, shard: int | None = None, spam: int = 0) -> None:
    # Ingest writes the counters with ADD in its transaction; here a month is set up directly.
    DailyMetrics.in_tenant(tenant_id).new(
        pk=DailyMetrics.partition_for(tenant_id), sk=DailyMetrics.sort_for(day, shard), date=day,
        submissions=submissions, spam=spam, gsi1pk=DailyMetrics.day_index_key(day), gsi1sk=tenant_id).save()
    rollups_repair(tenant_id=tenant_id, month=date.fromisoformat(day))  # the month rollup, from the day items


def test_usage_is_the_sum_of_this_months_day_items_and_zero_without_any(ddb):
    tenant, _ = make_tenant()
    assert usage_month(tenant_id=tenant.id, today=date(2026, 3, 15)).submissions == 0
    for day, shard, count in (("2026-03-01", None, 5), ("2026-03-14", None, 7), ("2026-03-14", 1, 3),
                              ("2026-02-28", None, 100)):
        _day(tenant.id, day, count, shard=shard, spam=1)
    usage = usage_month(tenant_id=tenant.id, today=date(2026, 3, 15))
    assert (usage.month, usage.submissions, usage.spam) == ("2026-03", 15, 3)


def test_usage_sums_this_months_days_of_every_shard_against_the_quota(ddb):
    tenant, _ = make_tenant(product=make_product(monthly_submissions=200))
    _day(tenant.id, "2026-03-01", 30)
    _day(tenant.id, "2026-03-15", 20, shard=1)
    _day(tenant.id, "2026-03-15", 50)
    _day(tenant.id, "2026-02-28", 999)
    usage = plan_usage(tenant=tenant, today=date(2026, 3, 20))
    assert usage.usage.submissions == 100 and usage.quota == 200 and usage.percent == 50
    assert not usage.over_quota


def test_a_tenant_without_a_plan_or_whose_product_is_gone_gets_the_default_quotas(ddb):
    defaults = Quotas()
    for product_id in (None, "NO-SUCH-PRODUCT"):
        tenant = tenant_create(email=f"{product_id or 'none'}@plans.example", organization="No Plan", actor="tests",
                               product_id=product_id, status=REGISTERED)
        plan = plan_quotas(tenant=tenant)
        assert plan.product is None and plan.name == "Default"
        assert (plan.monthly_submissions, plan.max_sites, plan.max_destinations, plan.retention_days) == (
            defaults.monthlySubmissions, defaults.maxSites, defaults.maxDestinations, defaults.retentionDays)
        assert plan_usage(tenant=tenant).quota == defaults.monthlySubmissions


def test_a_plan_reads_its_products_quotas(ddb):
    product = make_product(name="Agency", monthly_submissions=250, max_sites=7, max_destinations=4, retention_days=90)
    tenant, _ = make_tenant(product=product)
    plan = plan_quotas(tenant=tenant)
    assert (plan.product.id, plan.name, plan.monthly_submissions, plan.max_sites, plan.max_destinations,
            plan.retention_days) == (product.id, "Agency", 250, 7, 4, 90)
