"""Estimated DynamoDB cost per tenant and month (issue 17), for the staff console.

Read and write units are what ReturnConsumedCapacity reported for the tenant's ingests and
deliveries, summed on its day counters (portal.dynamo.connection.metering). Storage is estimated from
the bytes ingest stored (submissions and delivery rows with their index entries and
DynamoDB's 100 B per item overhead) on the days still inside the plan's retention at the
month's end (or today); deletes, attempt logs and spam's shorter retention are not taken off,
so it errs high. Prices are settings (on-demand list prices by default)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings

from portal.dynamo.base import utcnow
from portal.dynamo.metrics import day_counts_between
from portal.dynamo.tenants import STATUSES, Tenant
from portal.selectors.billing.plans import plan_quotas

MILLION = Decimal(1_000_000)
GIB = Decimal(1024 ** 3)
MAX_STORAGE_DAYS = 3660  # a retention longer than this reads no further back


@dataclass(frozen=True)
class Prices:
    write_per_million: Decimal
    read_per_million: Decimal
    storage_per_gb_month: Decimal


def cost_prices() -> Prices:
    return Prices(write_per_million=Decimal(settings.COST_USD_PER_MILLION_WRITE_UNITS),
                  read_per_million=Decimal(settings.COST_USD_PER_MILLION_READ_UNITS),
                  storage_per_gb_month=Decimal(settings.COST_USD_PER_GB_MONTH))


@dataclass
class TenantCost:
    tenant: Tenant
    month: str  # YYYY-MM
    read_units: Decimal = Decimal(0)
    write_units: Decimal = Decimal(0)
    stored_bytes: int = 0
    read_by_table: dict[str, Decimal] = field(default_factory=dict)
    write_by_table: dict[str, Decimal] = field(default_factory=dict)
    prices: Prices = field(default_factory=cost_prices)

    @property
    def storage_gb(self) -> Decimal:
        return Decimal(self.stored_bytes) / GIB

    @property
    def write_cost(self) -> Decimal:
        return self.write_units * self.prices.write_per_million / MILLION

    @property
    def read_cost(self) -> Decimal:
        return self.read_units * self.prices.read_per_million / MILLION

    @property
    def storage_cost(self) -> Decimal:
        return self.storage_gb * self.prices.storage_per_gb_month

    @property
    def cost(self) -> Decimal:
        return self.write_cost + self.read_cost + self.storage_cost

    @property
    def threshold(self) -> Decimal | None:
        return self.tenant.costAlertUsd

    @property
    def over_threshold(self) -> bool:
        return self.threshold is not None and self.cost >= self.threshold


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def tenant_cost_month(*, tenant: Tenant, month: date, today: date | None = None) -> TenantCost:
    """One tenant's units of the month and its storage estimate at the month's end (or today,
    for the current month): one Query of its counters over the retention window."""
    today = today or utcnow().date()
    first, last = month_bounds(month)
    end = min(last, today) if first <= today else last
    retention = min(plan_quotas(tenant=tenant, cached=True).retention_days, MAX_STORAGE_DAYS)
    kept_from = end - timedelta(days=max(0, retention - 1))
    days = day_counts_between(tenant_id=tenant.id, first_day=min(first, kept_from).isoformat(),
                              last_day=last.isoformat())
    cost = TenantCost(tenant=tenant, month=first.strftime("%Y-%m"))
    for day, counts in days.items():
        if kept_from.isoformat() <= day <= end.isoformat():
            cost.stored_bytes += counts.stored_bytes
        if not first.isoformat() <= day <= last.isoformat():
            continue
        for table, units in counts.read_units.items():
            cost.read_by_table[table] = cost.read_by_table.get(table, Decimal(0)) + Decimal(str(units))
        for table, units in counts.write_units.items():
            cost.write_by_table[table] = cost.write_by_table.get(table, Decimal(0)) + Decimal(str(units))
    cost.read_units = sum(cost.read_by_table.values(), Decimal(0))
    cost.write_units = sum(cost.write_by_table.values(), Decimal(0))
    return cost


def tenants_all() -> list[Tenant]:
    """Every tenant in every lifecycle state, deleted ones included (they keep their data)."""
    return [tenant for status in STATUSES for tenant in Tenant.status_index.query(status)]


def tenant_costs_month(*, month: date, today: date | None = None) -> list[TenantCost]:
    """Every tenant's cost of the month, most expensive first (one Query per tenant)."""
    costs = [tenant_cost_month(tenant=tenant, month=month, today=today) for tenant in tenants_all()]
    return sorted(costs, key=lambda c: (-c.cost, c.tenant.organization.lower()))
