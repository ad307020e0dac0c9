"""Reads of tenants."""
from __future__ import annotations

from portal.dynamo.tenants import METADATA, Tenant


def tenant_get_or_none(*, tenant_id: str) -> Tenant | None:
    try:
        return Tenant.get(Tenant.key_for(tenant_id), METADATA)
    except Tenant.DoesNotExist:
        return None
