"""Orders: the checkout record, with snapshots of the product and campaign as they were."""
from __future__ import annotations

from decimal import Decimal

from portal.dynamo.base import new_id
from portal.dynamo.campaigns import Campaign
from portal.dynamo.orders import Order
from portal.dynamo.products import Product
from portal.services.billing.campaigns import campaign_public_dict
from portal.services.billing.products import product_public_dict


def order_build(*, tenant_id: str, product: Product, campaign: Campaign | None, price: Decimal) -> Order:
    """An unsaved order for the checkout transaction. The snapshots are copies, so a later
    product or campaign edit never changes what was bought."""
    order_id = new_id()
    return Order.in_tenant(tenant_id).new(
        pk=Order.partition_for(tenant_id), sk=Order.sort_for(order_id), id=order_id,
        productSnapshot=product_public_dict(product),
        campaignSnapshot=campaign_public_dict(campaign) if campaign else None,
        price=Decimal(price), currency=product.currency,
    )
