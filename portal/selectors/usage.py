"""The tenant's plan and this month's usage against its quota."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.dynamo.products import Product
from portal.dynamo.tenants import Tenant
from portal.selectors.products import product_get_or_none
from portal.selectors.tenants import Usage, tenant_usage_month


@dataclass
class PlanUsage:
    product: Product | None
    usage: Usage
    quota: int | None

    @property
    def percent(self) -> int | None:
        if not self.quota:
            return None
        return min(100, round(100 * self.usage.submissions / self.quota))

    @property
    def over_quota(self) -> bool:
        return bool(self.quota) and self.usage.submissions >= self.quota


def plan_usage(*, tenant: Tenant, today: date | None = None) -> PlanUsage:
    """The plan and the month's submissions (sum of the day items of every shard) against
    the plan's monthly quota."""
    product = product_get_or_none(product_id=tenant.productId)
    quota = int(product.quotas.monthlySubmissions) if product else None
    return PlanUsage(product=product, usage=tenant_usage_month(tenant_id=tenant.id, today=today), quota=quota)
