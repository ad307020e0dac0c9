"""Writes of products (plans)."""
from __future__ import annotations

from decimal import Decimal

from portal.dynamo.base import new_id
from portal.dynamo.products import MONTHLY, Product, Quotas
from portal.services.audit import audit_record


def product_public_dict(product: Product) -> dict:
    return {
        "id": product.id, "name": product.name, "description": product.description, "price": str(product.price),
        "currency": product.currency, "billingCycle": product.billingCycle, "features": list(product.features),
        "quotas": product.quotas.as_dict(), "active": product.active,
    }


def product_create(*, actor: str, name: str, price: Decimal, currency: str = "EUR", billing_cycle: str = MONTHLY,
                   description: str = "", features: list[str] | None = None, monthly_submissions: int = 1000,
                   max_destinations: int = 3, max_sites: int = 3, retention_days: int = 30) -> Product:
    product = Product(
        id=new_id(), name=name, description=description, price=Decimal(price), currency=currency.upper(),
        billingCycle=billing_cycle, features=list(features or []), lastUpdatedBy=actor,
        quotas=Quotas(monthlySubmissions=monthly_submissions, maxDestinations=max_destinations,
                      maxSites=max_sites, retentionDays=retention_days),
    )
    product.save(condition=Product.pk.does_not_exist())
    audit_record(tenant_id=None, actor=actor, action="product.create", target_type="product",
                 target_id=product.id, after=product_public_dict(product), staff=True)
    return product
