"""The tenant's own profile: organization name and destination e-mail."""
from __future__ import annotations

from portal.dynamo.base import save_versioned
from portal.dynamo.tenants import Tenant
from portal.dynamo.users import PortalUser
from portal.errors import ConcurrentEdit
from portal.selectors.tenants import tenant_get
from portal.services.audit import audit_record
from portal.services.tenants import tenant_public_dict


def account_profile_update(*, tenant: Tenant, actor: PortalUser, version: int, organization: str,
                           destination_email: str | None) -> Tenant:
    """Edit the profile; `version` is the one the form was rendered with, so a concurrent edit
    (by a teammate or staff) raises ConcurrentEdit instead of being overwritten."""
    current = tenant_get(tenant_id=tenant.id)
    if current.version != version:
        raise ConcurrentEdit()
    before = tenant_public_dict(current)
    current.organization = organization.strip()
    current.destinationEmail = (destination_email or "").strip().lower() or None
    current.touch(actor.email)
    save_versioned(current)
    audit_record(tenant_id=current.id, actor=actor.email, action="tenant.profile_update", target_type="tenant",
                 target_id=current.id, before=before, after=tenant_public_dict(current))
    return current
