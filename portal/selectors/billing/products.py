"""Reads of products."""
from __future__ import annotations

from decimal import Decimal

from portal.dynamo.base import active_key
from portal.dynamo.products import Product
from portal.selectors.pagination import Page, query_page

STAFF = "staff"


def product_get_or_none(*, product_id: str | None) -> Product | None:
    """The product (deleted or not), or None; views use selectors.access.access_product."""
    return Product.by_id(product_id)


def product_list(*, active: bool = True, cursor: str | None = None, limit: int = 25) -> Page[Product]:
    """Active or deleted products, newest first (ProductActiveIndex)."""
    return query_page(
        lambda **kw: Product.active_status_index.query(active_key(active), scan_index_forward=False, **kw),
        cursor=cursor, audience=STAFF, list_name=f"products:{active_key(active)}", limit=limit,
        query_params={"show": "" if active else "deleted"},
    )


def product_choices() -> list[tuple[str, str]]:
    """(id, label) of every active product, for select fields (one index query)."""
    products = Product.active_status_index.query(active_key(True), scan_index_forward=False)
    return [(p.id, f"{p.name} ({p.price.quantize(Decimal('0.01'))} {p.currency}/{p.billingCycle.lower()})") for p in products]


def products_by_id(*, product_ids: set[str]) -> dict[str, Product]:
    return Product.by_ids(product_ids)
