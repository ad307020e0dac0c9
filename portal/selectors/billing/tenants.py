"""Reads of tenants, and the staff console's view of one tenant (users, sites, orders)."""
from __future__ import annotations

from portal.dynamo.orders import Order
from portal.dynamo.sites import Site
from portal.dynamo.tenants import STATUSES, Tenant
from portal.dynamo.users import PortalUser
from portal.errors import NotFound
from portal.selectors.pagination import Page, query_page

STAFF = "staff"
DETAIL_LIST_LIMIT = 25


def tenant_get_or_none(*, tenant_id: str) -> Tenant | None:
    return Tenant.by_id(tenant_id)


def tenant_get_by_email(*, email: str) -> Tenant | None:
    """The tenant (active or deleted) registered with this e-mail (EmailIndex)."""
    for tenant in Tenant.email_index.query(email.strip().lower(), limit=1):
        return tenant
    return None


def tenant_list(*, cursor: str | None = None, limit: int = 25) -> Page[Tenant]:
    """Every active tenant, newest first (the sparse ActiveIndex)."""
    return query_page(
        lambda **kw: Tenant.active_index.query("ACTIVE", scan_index_forward=False, **kw),
        cursor=cursor, audience=STAFF, list_name="tenants:all", limit=limit,
    )


def tenant_list_by_status(*, status: str, cursor: str | None = None, limit: int = 25) -> Page[Tenant]:
    """Tenants in one lifecycle state, deleted ones included, newest first (TenantStatusIndex)."""
    if status not in STATUSES:
        raise NotFound("No such status.")
    return query_page(
        lambda **kw: Tenant.status_index.query(status, scan_index_forward=False, **kw),
        cursor=cursor, audience=STAFF, list_name=f"tenants:{status}", limit=limit, query_params={"status": status},
    )


def tenant_status_counts() -> dict[str, int]:
    """How many tenants are in each state: one Select=COUNT query per status."""
    return {status: Tenant.status_index.count(status) for status in STATUSES}


def _detail_page(query_fn, *, tenant_id: str, name: str, cursor: str | None, limit: int) -> Page:
    """One of the lists on a tenant's staff page; each has its own cursor parameter."""
    return query_page(query_fn, cursor=cursor, audience="staff", list_name=f"tenant-{name}:{tenant_id}",
                      limit=limit, cursor_param=f"{name}_cursor")


def tenant_users(*, tenant_id: str, cursor: str | None = None, limit: int = DETAIL_LIST_LIMIT) -> Page:
    return _detail_page(lambda **kw: PortalUser.in_tenant(tenant_id).query(tenant_id, index=PortalUser.tenant_index, **kw),
                        tenant_id=tenant_id, name="users", cursor=cursor, limit=limit)


def tenant_sites(*, tenant_id: str, cursor: str | None = None, limit: int = DETAIL_LIST_LIMIT) -> Page:
    return _detail_page(lambda **kw: Site.in_tenant(tenant_id).query(tenant_id, index=Site.tenant_index, **kw),
                        tenant_id=tenant_id, name="sites", cursor=cursor, limit=limit)


def tenant_orders(*, tenant_id: str, cursor: str | None = None, limit: int = DETAIL_LIST_LIMIT) -> Page:
    """Newest orders first."""
    return _detail_page(lambda **kw: Order.in_tenant(tenant_id).query(
        Order.partition_for(tenant_id), Order.sk.startswith(Order.sort_for("")), scan_index_forward=False, **kw),
        tenant_id=tenant_id, name="orders", cursor=cursor, limit=limit)

