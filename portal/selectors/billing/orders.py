"""Reads of a tenant's orders."""
from __future__ import annotations

from portal.dynamo.orders import Order
from portal.selectors.pagination import Page, query_page


def order_list(*, tenant_id: str, cursor: str | None = None, limit: int = 25) -> Page[Order]:
    """The tenant's orders, newest first (one key query on the tenant's partition)."""
    return query_page(
        lambda **kw: Order.in_tenant(tenant_id).query(
            Order.partition_for(tenant_id), Order.sk.startswith(Order.sort_for("")), scan_index_forward=False, **kw),
        cursor=cursor, audience=tenant_id, list_name="orders", limit=limit,
    )
