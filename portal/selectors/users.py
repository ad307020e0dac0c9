"""Reads of a tenant's users."""
from __future__ import annotations

from portal.dynamo.users import OWNER, PortalUser


def team_list(*, tenant_id: str) -> list[PortalUser]:
    """The tenant's active users (TenantUsersIndex), the owner first, then by e-mail."""
    users = PortalUser.in_tenant(tenant_id).query(tenant_id, index=PortalUser.tenant_index)
    active = [u for u in users if u.active]
    return sorted(active, key=lambda u: (u.role != OWNER, u.email))
