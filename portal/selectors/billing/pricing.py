"""Reads for the public pricing page: the products on sale, each with today's quote for a code."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from portal.dynamo.base import active_key
from portal.dynamo.campaigns import Campaign
from portal.dynamo.products import Product
from portal.selectors.billing.campaigns import discounted_price


@dataclass
class PricedProduct:
    product: Product
    price: Decimal  # what checkout would charge today with the applied code
    campaign: Campaign | None = None

    @property
    def discounted(self) -> bool:
        return self.campaign is not None


def pricing_products(*, campaign: Campaign | None = None) -> list[PricedProduct]:
    """Every active product (ProductActiveIndex), cheapest first; the product the given live
    campaign belongs to carries its discounted price."""
    products = Product.active_status_index.query(active_key(True))
    priced = []
    for product in products:
        if campaign is not None and campaign.productId == product.id:
            priced.append(PricedProduct(product=product, campaign=campaign,
                                        price=discounted_price(price=product.price,
                                                               discount_percent=campaign.discountPercent)))
        else:
            priced.append(PricedProduct(product=product, price=Decimal(product.price)))
    return sorted(priced, key=lambda p: (p.product.billingCycle, Decimal(p.product.price), p.product.name))
