"""Estimated DynamoDB cost per tenant and month (issue 17), for the staff console.

Read and write units are what ReturnConsumedCapacity reported for the tenant's ingests and
deliveries; storage is the bytes ingest stored that month (submissions and delivery rows with
their index entries and DynamoDB's 100 B per item overhead), charged as one GB-month each.
Both are summed as capacity is recorded onto one row per tenant and month and onto a platform
row (portal.dynamo.costs), so the page reads one page of rows, their tenants and the platform
sums: three requests however many tenants exist. Prices are settings (on-demand list prices
by default)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings

from portal.dynamo.connection.capacity import READ_PREFIX, WRITE_PREFIX
from portal.dynamo.costs import TENANTS, cost_get, cost_page, platform_cost_get
from portal.dynamo.metrics import STORED_BYTES
from portal.dynamo.rollups import month_key
from portal.dynamo.tenants import STATUSES, Tenant
from portal.selectors.pagination import Page, cursor_decode, cursor_encode

MILLION = Decimal(1_000_000)
GIB = Decimal(1024 ** 3)
COSTS_PAGE_SIZE = 50
# What the cost page shows of a tenant (and the version its threshold form sends back).
COST_PAGE_TENANT_ATTRIBUTES = ("organization", "email", "status", "version", "costAlertUsd")


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
    tenant: Tenant | None  # None: the platform's sums
    month: str  # YYYY-MM
    read_units: Decimal = Decimal(0)
    write_units: Decimal = Decimal(0)
    stored_bytes: int = 0
    read_by_table: dict[str, Decimal] = field(default_factory=dict)
    write_by_table: dict[str, Decimal] = field(default_factory=dict)
    prices: Prices = field(default_factory=cost_prices)
    tenants: int = 0  # the platform row: how many tenants have a row this month

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
        return self.tenant.costAlertUsd if self.tenant else None

    @property
    def over_threshold(self) -> bool:
        return self.threshold is not None and self.cost >= self.threshold


def _from_row(*, tenant: Tenant | None, month: str, raw: dict | None) -> TenantCost:
    cost = TenantCost(tenant=tenant, month=month)
    for name, value in (raw or {}).items():
        if isinstance(value, str):
            continue
        if name.startswith(READ_PREFIX):
            cost.read_by_table[name[len(READ_PREFIX):]] = Decimal(str(value))
        elif name.startswith(WRITE_PREFIX):
            cost.write_by_table[name[len(WRITE_PREFIX):]] = Decimal(str(value))
        elif name == STORED_BYTES:
            cost.stored_bytes = int(value)
        elif name == TENANTS:
            cost.tenants = int(value)
    cost.read_units = sum(cost.read_by_table.values(), Decimal(0))
    cost.write_units = sum(cost.write_by_table.values(), Decimal(0))
    return cost


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def tenant_cost_month(*, tenant: Tenant, month: date, today: date | None = None) -> TenantCost:
    """One tenant's cost of the month: its cost row (one GetItem). `today` is accepted for the
    callers that pass it; the row holds the month so far."""
    key = month_key(month)
    return _from_row(tenant=tenant, month=key, raw=cost_get(tenant_id=tenant.id, month=key))


def tenants_all() -> list[Tenant]:
    """Every tenant in every lifecycle state, deleted ones included (they keep their data)."""
    return [tenant for status in STATUSES for tenant in Tenant.status_index.query(status)]


@dataclass
class CostsPage:
    page: Page[TenantCost]
    platform: TenantCost  # the month's sums over every tenant (not only this page)


def tenant_costs_page(*, month: date, cursor: str | None = None, limit: int = COSTS_PAGE_SIZE) -> CostsPage:
    """One page of the month's tenants, most expensive first, and the platform's totals: a
    Query of the cost index, a BatchGetItem of the page's tenants and a GetItem of the
    platform row, whatever the number of tenants. Tenants with nothing recorded that month
    have no row. The cursor is signed for staff and this month's list."""
    key = month_key(month)
    list_name = f"costs:{key}"
    start = cursor_decode(cursor, audience="staff", list_name=list_name)
    rows, following = cost_page(month=key, start=start, limit=limit)
    tenants = Tenant.by_ids([row["tenantId"] for row in rows], attributes=COST_PAGE_TENANT_ATTRIBUTES)
    items = [_from_row(tenant=tenants[row["tenantId"]], month=key, raw=row) for row in rows if row["tenantId"] in tenants]
    page = Page(items=items, has_previous=bool(cursor), query_params={"month": key},
                next_cursor=cursor_encode(following, audience="staff", list_name=list_name) if following else None)
    return CostsPage(page=page, platform=_from_row(tenant=None, month=key, raw=platform_cost_get(month=key)))
