"""The tenant's own profile: organization name and destination e-mail."""
from __future__ import annotations

from portal.dynamo.base import save_versioned
from portal.dynamo.tenants import Tenant
from portal.errors import ConcurrentEdit
from portal.services.compliance.audit import audit_record
from portal.services.billing.tenants import organization_name_clean, tenant_public_dict


def account_profile_update(*, tenant: Tenant, actor: str, version: int, organization: str,
                           destination_email: str | None) -> Tenant:
    """Edit the profile; `version` is the one the form was rendered with, so a concurrent edit
    (by a teammate or staff) raises ConcurrentEdit instead of being overwritten."""
    if tenant.version != version:
        raise ConcurrentEdit()
    before = tenant_public_dict(tenant)
    tenant.organization = organization_name_clean(organization)
    tenant.destinationEmail = (destination_email or "").strip().lower() or None
    tenant.touch(actor)
    save_versioned(tenant)
    audit_record(tenant_id=tenant.id, actor=actor, action="tenant.profile_update", target_type="tenant",
                 target_id=tenant.id, before=before, after=tenant_public_dict(tenant))
    return tenant
