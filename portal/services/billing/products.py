"""Writes of products (plans). Every staff write is versioned and audited."""
from __future__ import annotations

from decimal import Decimal

from portal.dynamo.base import new_id, save_versioned
from portal.dynamo.products import MONTHLY, Product, Quotas
from portal.services.compliance.audit import audit_record
from portal.services.billing.common import staff_set_active, version_check

CENT = Decimal("0.01")


def product_public_dict(product: Product) -> dict:
    return {
        "id": product.id, "name": product.name, "description": product.description, "price": str(Decimal(product.price).quantize(CENT)),
        "currency": product.currency, "billingCycle": product.billingCycle, "features": list(product.features),
        "quotas": product.quotas.as_dict(), "active": product.active,
    }



_FILE_QUOTAS = {"max_file_mb": "maxFileMb", "max_submission_files_mb": "maxSubmissionFilesMb",
                "max_files": "maxFilesPerSubmission", "monthly_file_storage_mb": "monthlyFileStorageMb"}


def _set_file_quotas(quotas: Quotas, **values: int | None) -> None:
    unknown = set(values) - set(_FILE_QUOTAS)
    if unknown:
        raise TypeError(f"unknown quotas: {sorted(unknown)}")
    for argument, attribute in _FILE_QUOTAS.items():
        if values.get(argument) is not None:
            setattr(quotas, attribute, int(values[argument]))


def product_create(*, actor: str, name: str, price: Decimal, currency: str = "EUR", billing_cycle: str = MONTHLY,
                   description: str = "", features: list[str] | None = None, monthly_submissions: int = 1000,
                   max_destinations: int = 3, max_sites: int = 3, retention_days: int = 30,
                   **file_quotas: int) -> Product:
    """`file_quotas`: max_file_mb, max_submission_files_mb, max_files, monthly_file_storage_mb
    (each defaults to the product default: 10 MB, 25 MB, 10 files, 1024 MB)."""
    quotas = Quotas(monthlySubmissions=monthly_submissions, maxDestinations=max_destinations,
                    maxSites=max_sites, retentionDays=retention_days)
    _set_file_quotas(quotas, **file_quotas)
    product = Product(
        id=new_id(), name=name, description=description, price=Decimal(price), currency=currency.upper(),
        billingCycle=billing_cycle, features=list(features or []), lastUpdatedBy=actor, quotas=quotas,
    )
    product.save(condition=Product.pk.does_not_exist())
    audit_record(tenant_id=None, actor=actor, action="product.create", target_type="product",
                 target_id=product.id, after=product_public_dict(product), staff=True)
    return product


def product_update(*, actor: str, product: Product, version: int, name: str, price: Decimal, currency: str,
                   billing_cycle: str, description: str, features: list[str], monthly_submissions: int,
                   max_destinations: int, max_sites: int, retention_days: int, **file_quotas: int) -> Product:
    """Edit a product. A price change applies to new checkouts only: orders keep their snapshot.
    `version` is the version the editor started from; a stale one raises ConcurrentEdit."""
    version_check(product, version)
    before = product_public_dict(product)
    product.name, product.description, product.price = name, description, Decimal(price)
    product.currency, product.billingCycle, product.features = currency.upper(), billing_cycle, list(features)
    previous = product.quotas
    product.quotas = Quotas(monthlySubmissions=monthly_submissions, maxDestinations=max_destinations,
                            maxSites=max_sites, retentionDays=retention_days)
    # File quotas not given keep their values (callers from before files existed).
    _set_file_quotas(product.quotas, **{
        argument: file_quotas[argument] if file_quotas.get(argument) is not None else getattr(previous, attribute)
        for argument, attribute in _FILE_QUOTAS.items()})
    product.touch(actor)
    save_versioned(product)
    audit_record(tenant_id=None, actor=actor, action="product.update", target_type="product",
                 target_id=product.id, before=before, after=product_public_dict(product), staff=True)
    return product


def _product_set_active(*, actor: str, product: Product, version: int | None, active: bool) -> Product:
    return staff_set_active(version_check(product, version), actor=actor, active=active,
                            target_type="product", target_id=product.id, public_dict=product_public_dict)


def product_delete(*, actor: str, product: Product, version: int | None = None) -> Product:
    """Soft delete: the product stays readable (orders and tenants refer to it) but is not sold."""
    return _product_set_active(actor=actor, product=product, version=version, active=False)


def product_restore(*, actor: str, product: Product, version: int | None = None) -> Product:
    return _product_set_active(actor=actor, product=product, version=version, active=True)
