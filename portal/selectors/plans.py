"""The quotas of a tenant's plan. Plans change rarely, so ingest keeps them a minute in memory."""
from __future__ import annotations

import time
from dataclasses import dataclass

from portal.dynamo.products import Product, Quotas
from portal.dynamo.tenants import Tenant

CACHE_SECONDS = 60
_cache: dict[str, tuple[float, "PlanQuotas"]] = {}


@dataclass(frozen=True)
class PlanQuotas:
    name: str
    monthly_submissions: int
    max_sites: int
    max_destinations: int
    retention_days: int


def _from_quotas(name: str, quotas: Quotas) -> PlanQuotas:
    return PlanQuotas(name=name, monthly_submissions=int(quotas.monthlySubmissions), max_sites=int(quotas.maxSites),
                      max_destinations=int(quotas.maxDestinations), retention_days=int(quotas.retentionDays))


def plan_quotas(*, tenant: Tenant, cached: bool = False) -> PlanQuotas:
    """The plan's quotas; a tenant without a (known) plan gets the defaults of a new product."""
    product_id = tenant.productId or ""
    if cached:
        hit = _cache.get(product_id)
        if hit and hit[0] > time.monotonic():
            return hit[1]
    product = Product.by_id(product_id)
    quotas = _from_quotas(product.name, product.quotas) if product else _from_quotas("Default", Quotas())
    _cache[product_id] = (time.monotonic() + CACHE_SECONDS, quotas)
    return quotas


def plan_cache_clear() -> None:
    _cache.clear()
