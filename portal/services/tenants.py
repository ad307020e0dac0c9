"""Writes of tenants. E-mail uniqueness is kept by an EMAIL# guard item written in the same
transaction as the tenant."""
from __future__ import annotations

from pynamodb.exceptions import TransactWriteError

from portal.dynamo.base import new_id, transact_write
from portal.dynamo.tenants import UNVALIDATED, Tenant, TenantEmailGuard
from portal.errors import ServiceError
from portal.services.audit import audit_record
from portal.services.common import is_condition_failure


class EmailTaken(ServiceError):
    def __init__(self, email: str):
        super().__init__(f"The e-mail address {email} is already used by another account.")


def tenant_public_dict(tenant: Tenant) -> dict:
    return {
        "id": tenant.id, "email": tenant.email, "organization": tenant.organization,
        "destinationEmail": tenant.destinationEmail, "status": tenant.status, "productId": tenant.productId,
        "campaignCode": tenant.campaignCode, "active": tenant.active, "suspensionReason": tenant.suspensionReason,
    }


def tenant_create(*, email: str, organization: str, actor: str, product_id: str | None = None,
                  campaign_code: str | None = None, status: str = UNVALIDATED, staff: bool = False,
                  extra_writes=None) -> Tenant:
    """Create a tenant and claim its e-mail atomically. `extra_writes(transaction, tenant)` lets
    a caller (checkout, staff create) add its own items to the same transaction."""
    email = email.strip().lower()
    tenant = Tenant(id=new_id(), email=email, organization=organization.strip(), status=status,
                    productId=product_id, campaignCode=campaign_code, lastUpdatedBy=actor)
    tenant.sync_index_keys()
    guard = TenantEmailGuard(pk=TenantEmailGuard.key_for(email), tenantId=tenant.id)
    try:
        with transact_write() as transaction:
            transaction.save(guard, condition=TenantEmailGuard.pk.does_not_exist())
            transaction.save(tenant, condition=Tenant.pk.does_not_exist())
            if extra_writes:
                extra_writes(transaction, tenant)
    except TransactWriteError as error:
        if is_condition_failure(error):
            raise EmailTaken(email) from error
        raise
    audit_record(tenant_id=tenant.id, actor=actor, action="tenant.create", target_type="tenant",
                 target_id=tenant.id, after=tenant_public_dict(tenant), staff=staff)
    return tenant
